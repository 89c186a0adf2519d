"""The subprocess runner: crashes, hangs and memory hogs fail their own MLP; the run goes on."""

import dataclasses

import pytest

from whestbench.contest import make_contest
from whestbench.loading import Entrypoint
from whestbench.runners import ResourceLimits, RunnerError, SubprocessRunner
from whestbench.scoring import evaluate_estimator
from whestbench.sdk import SetupContext

from conftest import BEHAVIOURS, score, tiny_spec, with_spec

EXPECTED = {1: "PREDICT_ERROR", 2: "WORKER_EOF", 4: "WORKER_EOF", 5: "ESTIMATOR_NON_FINITE",
            6: "ESTIMATOR_BAD_SHAPE", 7: "PREDICT_ERROR", 8: "ESTIMATOR_THREAD_STARTED",
            9: "ESTIMATOR_SUBPROCESS"}


@pytest.fixture(scope="module")
def gauntlet(tmp_path_factory):
    contest = make_contest(tiny_spec(n_mlps=12))
    spec = contest.spec
    runner = SubprocessRunner()
    ctx = SetupContext(width=spec.width, depth=spec.depth, flop_budget=spec.flop_budget,
                       scratch_dir=str(tmp_path_factory.mktemp("gauntlet")))
    runner.start(Entrypoint(BEHAVIOURS, "Gauntlet"), ctx, ResourceLimits(memory_limit_mb=1024))
    try:
        records = evaluate_estimator(runner, contest)
    finally:
        runner.close()
    return records, runner


def test_every_failure_lands_on_its_own_mlp(gauntlet):
    records, _ = gauntlet
    assert len(records) == 12
    for i, r in enumerate(records):
        if i in EXPECTED:
            assert r.get("error_code") == EXPECTED[i], (i, r.get("error_code"), r.get("failure_message"))
            assert r["traceback"] and r["failure_message"]
            assert r["flops_used"] == 0 and r["breakdowns"]["estimator"] is None
        else:
            assert "error_code" not in r, (i, r.get("failure_message"))
            assert r["traceback"] is None and r["final_layer_mse"] > 0


def test_worker_deaths_say_how(gauntlet):
    records, runner = gauntlet
    assert "code 7" in records[2]["failure_message"]
    assert "SIGKILL" in records[4]["failure_message"]
    assert "MemoryError" in records[7]["failure_message"]
    # a fresh worker after each death (2, 4) and after the spawn (9); the refused thread (8) and the
    # MemoryError (7) leave a usable worker: 1 + 3 starts
    assert runner.worker_starts == 4


def test_estimator_stdout_does_not_break_the_protocol(gauntlet):
    records, _ = gauntlet
    assert all("error_code" not in records[i] for i in (0, 3, 10, 11))


def _run(contest, cls, tmp_path, **limits):
    return score(contest, cls, runner="subprocess", tmp_path=tmp_path, **limits)


def test_budget_exhaustion_crosses_the_process_boundary(tiny_contest, tmp_path):
    records = _run(with_spec(tiny_contest, flop_budget=10**6, n_mlps=2), "OverBudget", tmp_path)
    for r in records:
        assert r["budget_exhausted"] and r["flops_used"] == 10**6
        assert "BudgetExhaustedError" in r["traceback"]


def test_residual_limit_under_the_worker(tiny_contest, tmp_path):
    records = _run(with_spec(tiny_contest, residual_wall_time_limit_s=0.5), "SleepsResidualOnce", tmp_path)
    assert [r["residual_wall_time_exhausted"] for r in records] == [False, True, False]


def test_lambda_under_the_worker(tiny_contest, tmp_path):
    c = with_spec(tiny_contest, flop_budget=10**6, lambda_flops_per_second=1e6, residual_wall_time_limit_s=None)
    records = _run(c, "SleepsResidualOnce", tmp_path)
    assert [r["combined_budget_exhausted"] for r in records] == [False, True, False]


def test_hang_in_python_ends_at_the_wall_limit(tiny_contest, tmp_path):
    """The worker's alarm turns a sleep past the limit into time_exhausted; the next MLP is scored."""
    c = with_spec(tiny_contest, wall_time_limit_s=1.0, n_mlps=1)
    r = _run(c, "SleepsForever", tmp_path)[0]
    assert r["time_exhausted"] and "watchdog" in r["traceback"]


def test_unresponsive_worker_hits_the_transport_timeout(tiny_contest, tmp_path):
    c = with_spec(tiny_contest, wall_time_limit_s=None, n_mlps=2)
    records = _run(c, "IgnoresAlarmAndHangs", tmp_path, predict_timeout_s=1.5)
    assert [r.get("error_code") for r in records] == ["PREDICT_TIMEOUT", "PREDICT_TIMEOUT"]
    assert "1.5s" in records[0]["failure_message"]


def test_slow_setup_fails_the_run(tmp_path):
    r = SubprocessRunner()
    with pytest.raises(RunnerError) as e:
        r.start(Entrypoint(BEHAVIOURS, "SlowSetup"), SetupContext(width=8, depth=3, flop_budget=10),
                ResourceLimits(setup_timeout_s=1.0))
    r.close()
    assert e.value.code == "SETUP_TIMEOUT"


def test_setup_error_and_load_error_come_back_with_codes():
    for cls, code in (("SetupRaises", "SETUP_ERROR"), ("NoSuchClass", "ESTIMATOR_CLASS_NOT_FOUND")):
        r = SubprocessRunner()
        with pytest.raises(RunnerError) as e:
            r.start(Entrypoint(BEHAVIOURS, cls), SetupContext(width=8, depth=3, flop_budget=10), ResourceLimits())
        r.close()
        assert e.value.code == code


def test_transport_timeout_formula():
    assert ResourceLimits(wall_time_limit_s=120, predict_timeout_s=30).transport_timeout_s() == 125
    assert ResourceLimits(wall_time_limit_s=10, predict_timeout_s=30).transport_timeout_s() == 30
    assert ResourceLimits(wall_time_limit_s=None, predict_timeout_s=2).transport_timeout_s() == 2
