"""Holes a hostile participant found in the harness (`whest run`), one section per hole, each
tested under both runners where it applies."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import flopscope as flops

from whestbench.cli import main
from whestbench.loading import Entrypoint
from whestbench.runners import LocalRunner, ResourceLimits, RunnerError, SubprocessRunner
from whestbench.sdk import SetupContext

from conftest import HERE, score, with_spec

FIXTURES = os.path.join(HERE, "fixtures")
HOSTILE = os.path.join(FIXTURES, "hostile.py")
THREAD_AT_IMPORT = os.path.join(FIXTURES, "hostile_thread_at_import.py")
INTERRUPT_AT_IMPORT = os.path.join(FIXTURES, "hostile_interrupt_at_import.py")
RUNNERS = ("local", "subprocess")
TINY = ["--width", "8", "--depth", "3", "--n-mlps", "3", "--n-samples", "2000", "--seed", "1"]


def run_hostile(contest, class_name, runner, tmp_path, path=HOSTILE):
    """The records of a run; an exception that escapes the runner fails the test (it ended the run)."""
    try:
        return score(contest, class_name, runner=runner, tmp_path=tmp_path, path=path)
    except KeyboardInterrupt as exc:
        pytest.fail(f"the estimator's KeyboardInterrupt ended the run: {exc!r}")


def assert_only_mlp1_failed(records, code):
    assert [r.get("error_code") for r in records] == [None, code, None], [r.get("failure_message") for r in records]
    assert records[1]["traceback"] and records[1]["failure_message"]


# --------------------------------------------------------------------------- 1. threads started with _thread


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("path, class_name", [(THREAD_AT_IMPORT, "Estimator"), (HOSTILE, "ThreadInSetup"),
                                              (HOSTILE, "ThreadInPredict"), (HOSTILE, "UngatedThreadInPredict")],
                         ids=["at_import", "in_setup", "in_predict_saved_at_import", "in_predict_past_the_gate"])
def test_a_thread_started_with__thread_fails_the_mlp(tiny_contest, tmp_path, runner, path, class_name):
    records = run_hostile(with_spec(tiny_contest, n_mlps=2), class_name, runner, tmp_path, path=path)
    for r in records:
        assert r.get("error_code") == "ESTIMATOR_THREAD_STARTED", (r.get("error_code"), r.get("failure_message"))
        assert "thread" in r["failure_message"] and r["flops_used"] == 0


def test_the_thread_gate_is_lifted_when_the_local_runner_closes(tiny_contest, tmp_path):
    """The gate now stays on for the runner's life (from before the import): closing lifts it."""
    import _thread
    import threading

    before = (_thread.start_new_thread, threading._start_new_thread)
    run_hostile(with_spec(tiny_contest, n_mlps=1), "Zeros", "local", tmp_path,
                path=os.path.join(FIXTURES, "behaviours.py"))
    assert (_thread.start_new_thread, threading._start_new_thread) == before


# --------------------------------------------------------------------------- 2. outputs that lie or raise


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_output_whose_array_has_another_shape_is_a_bad_shape(tiny_contest, tmp_path, runner):
    records = run_hostile(tiny_contest, "LiesAboutShapeOnce", runner, tmp_path)
    assert_only_mlp1_failed(records, "ESTIMATOR_BAD_SHAPE")
    d, w = tiny_contest.spec.depth, tiny_contest.spec.width
    details = records[1]["error"]["details"]
    assert details["expected_shape"] == [d, w] and details["got_shape"] == [w, d]


@pytest.mark.parametrize("kind, exc_type", [("shape", "KeyboardInterrupt"), ("array", "KeyboardInterrupt")])
def test_an_output_that_raises_while_read_fails_only_its_mlp(tiny_contest, tmp_path, monkeypatch, kind, exc_type):
    monkeypatch.setenv("WHEST_TEST_OUTPUT_KIND", kind)
    monkeypatch.setenv("WHEST_TEST_EXC_TYPE", exc_type)
    records = run_hostile(tiny_contest, "OutputRaisesOnce", "local", tmp_path)
    assert_only_mlp1_failed(records, "PREDICT_ERROR")
    assert exc_type in records[1]["failure_message"] and "output" in records[1]["failure_message"]


def test_a_forged_reply_with_another_shape_fails_only_its_mlp(tiny_contest, tmp_path, monkeypatch):
    # The worker checks the output; the host checks the reply again (a worker can be made to lie).
    from whestbench.runners import subprocess_runner
    from whestbench.runners.base import PredictOutcome

    real = PredictOutcome.from_json
    calls = []

    def forged(data):
        calls.append(1)
        if len(calls) == 2:
            data = dict(data, predictions=[[0.0, 1.0], [2.0]])  # ragged
        elif len(calls) == 3:
            data = dict(data, predictions=[0.0] * 5)
        return real(data)

    monkeypatch.setattr(subprocess_runner.PredictOutcome, "from_json", staticmethod(forged))
    records = score(with_spec(tiny_contest, n_mlps=3), "Zeros", runner="subprocess", tmp_path=tmp_path,
                    path=os.path.join(FIXTURES, "behaviours.py"))
    assert [r.get("error_code") for r in records] == [None, "WORKER_PROTOCOL_ERROR", "WORKER_PROTOCOL_ERROR"]


# --------------------------------------------------------------------------- 3. exceptions that try to end the run


@pytest.mark.parametrize("exc_type", ["KeyboardInterrupt", "UnprintableError", "UnprintableBaseException"])
def test_an_estimator_base_exception_fails_only_its_mlp_in_process(tiny_contest, tmp_path, monkeypatch, exc_type):
    monkeypatch.setenv("WHEST_TEST_EXC_TYPE", exc_type)
    records = run_hostile(tiny_contest, "RaisesOnce", "local", tmp_path)
    assert_only_mlp1_failed(records, "PREDICT_ERROR")
    assert exc_type in records[1]["failure_message"]


def _start_local(path, class_name, tmp_path):
    ctx = SetupContext(width=8, depth=3, flop_budget=10**9, scratch_dir=str(tmp_path))
    runner = LocalRunner()
    try:
        runner.start(Entrypoint(path, class_name), ctx, ResourceLimits())
    except KeyboardInterrupt as exc:
        pytest.fail(f"the estimator's KeyboardInterrupt ended the run: {exc!r}")
    finally:
        runner.close()


def test_an_estimator_keyboard_interrupt_in_setup_is_a_setup_error(tmp_path, monkeypatch):
    monkeypatch.setenv("WHEST_TEST_EXC_TYPE", "KeyboardInterrupt")
    with pytest.raises(RunnerError) as e:
        _start_local(HOSTILE, "SetupRaises", tmp_path)
    assert e.value.code == "SETUP_ERROR" and "KeyboardInterrupt" in e.value.message


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_estimator_keyboard_interrupt_at_import_is_an_import_error(tmp_path, runner):
    ctx = SetupContext(width=8, depth=3, flop_budget=10**9, scratch_dir=str(tmp_path))
    r = LocalRunner() if runner == "local" else SubprocessRunner()
    try:
        with pytest.raises(RunnerError) as e:
            r.start(Entrypoint(INTERRUPT_AT_IMPORT, "Estimator"), ctx, ResourceLimits())
    except KeyboardInterrupt as exc:
        pytest.fail(f"the estimator's KeyboardInterrupt ended the run: {exc!r}")
    finally:
        r.close()
    assert e.value.code == "ESTIMATOR_IMPORT_ERROR" and "KeyboardInterrupt" in e.value.message


def whest_json(capsys, *argv):
    try:
        code = main(["run", "--json", "--runner", "local", "--estimator", HOSTILE, *TINY, *argv])
    except KeyboardInterrupt as exc:
        pytest.fail(f"the estimator's KeyboardInterrupt ended the run: {exc!r}")
    return code, json.loads(capsys.readouterr().out)


def test_whest_run_reports_an_estimator_keyboard_interrupt_as_that_mlps_error(capsys, monkeypatch):
    monkeypatch.setenv("WHEST_TEST_EXC_TYPE", "KeyboardInterrupt")
    code, rep = whest_json(capsys, "--class", "RaisesOnce")
    records = rep["results"]["per_mlp"]
    assert code == 1 and [r.get("error_code") for r in records] == [None, "PREDICT_ERROR", None]


def test_whest_run_fail_fast_on_an_estimator_keyboard_interrupt_gives_the_error_payload(capsys, monkeypatch):
    monkeypatch.setenv("WHEST_TEST_EXC_TYPE", "KeyboardInterrupt")
    code, payload = whest_json(capsys, "--class", "RaisesOnce", "--fail-fast")
    assert code == 1 and payload["ok"] is False and payload["error"]["code"] == "PREDICT_ERROR"
    assert "KeyboardInterrupt" in payload["error"]["traceback"]


def test_whest_run_reports_when_teardown_raises_keyboard_interrupt(capsys, monkeypatch):
    monkeypatch.setenv("WHEST_TEST_EXC_TYPE", "KeyboardInterrupt")
    with pytest.warns(RuntimeWarning, match="teardown"):
        code, rep = whest_json(capsys, "--class", "TeardownRaises")
    assert code == 0 and len(rep["results"]["per_mlp"]) == 3


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_real_sigint_stops_the_run_and_prints_the_partial_report(tmp_path, runner):
    """A real Ctrl-C (SIGINT sent to the `whest` process) while MLP 1 runs: the run stops, the
    report covers MLP 0 and says it was interrupted, and the exit code is 130."""
    marker = tmp_path / "waiting"
    env = dict(os.environ, WHEST_TEST_MARKER=str(marker))
    cmd = [sys.executable, "-m", "whestbench", "run", "--json", "--runner", runner, "--estimator", HOSTILE,
           "--class", "WaitsForSigintOnce", *TINY]
    # As from a terminal: SIGINT at its default. A shell starting a background job (a CI runner, `cmd &`)
    # hands its children SIGINT ignored, and Python then never turns it into KeyboardInterrupt.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the estimator never reached MLP 1 (exit code {proc.poll()})"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err[-2000:]
    rep = json.loads(out)
    assert rep["run_meta"]["interrupted"] == {"completed_mlps": 1, "n_mlps": 3}
    assert [r["mlp_index"] for r in rep["results"]["per_mlp"]] == [0]
    assert "error_code" not in rep["results"]["per_mlp"][0]


# --------------------------------------------------------------------------- 4. figures read from the meter itself


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_reclassed_budget_context_does_not_change_the_figures(tiny_contest, tmp_path, runner):
    sys.path.insert(0, FIXTURES)
    try:
        from hostile import counted_work
    finally:
        sys.path.remove(FIXTURES)
    mlp = tiny_contest.mlps[0]
    with flops.BudgetContext(flop_budget=tiny_contest.spec.flop_budget, quiet=True) as honest:
        counted_work(mlp)
    expected = honest.flops_used
    assert expected > 1

    r = run_hostile(with_spec(tiny_contest, n_mlps=1), "ReclassesContext", runner, tmp_path)[0]
    assert "error_code" not in r, r.get("failure_message")
    assert r["flops_used"] == expected
    b = r["breakdowns"]["estimator"]
    assert b["flops_used"] == expected and b["wall_time_s"] > 0
    ops = b["by_namespace"]["estimator.estimator-client"]["operations"]
    assert sum(op["flop_cost"] for op in ops.values()) == expected and "matmul" in ops


@pytest.fixture
def restore_meter_class():
    from flopscope import _core

    saved = _core.Meter.__dict__["flops_used"]
    yield
    _core.Meter.flops_used = saved


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_re_bound_meter_property_is_tampering(tiny_contest, tmp_path, restore_meter_class, runner):
    r = run_hostile(with_spec(tiny_contest, n_mlps=1), "PatchesMeterClass", runner, tmp_path)[0]
    assert r.get("error_code") == "METER_TAMPERED" and "flopscope._core.Meter.flops_used" in r["failure_message"]


# --------------------------------------------------------------------------- whest validate


@pytest.mark.parametrize("exc_type", ["KeyboardInterrupt", "SystemExit"])
def test_whest_validate_reports_an_estimator_base_exception_in_setup(capsys, monkeypatch, exc_type):
    monkeypatch.setenv("WHEST_TEST_EXC_TYPE", exc_type)
    try:
        code = main(["validate", "--json", "--estimator", HOSTILE, "--class", "SetupRaises"])
    except (KeyboardInterrupt, SystemExit) as exc:
        pytest.fail(f"the estimator's {exc!r} ended `whest validate`")
    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and payload["error"]["code"] == "SETUP_ERROR" and exc_type in payload["error"]["message"]
