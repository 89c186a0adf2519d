"""Holes a hostile participant found in the harness (`whest run`), one section per hole, each
tested under both runners where it applies."""

import os
import sys

import pytest

import flopscope as flops

from conftest import HERE, score, with_spec

FIXTURES = os.path.join(HERE, "fixtures")
HOSTILE = os.path.join(FIXTURES, "hostile.py")
THREAD_AT_IMPORT = os.path.join(FIXTURES, "hostile_thread_at_import.py")
RUNNERS = ("local", "subprocess")


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
