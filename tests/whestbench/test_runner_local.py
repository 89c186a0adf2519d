"""The local runner on purpose-built estimators: each failure lands on its own MLP, with its code."""

import numpy as np
import pytest

from whestbench.runners import LocalRunner, ResourceLimits, RunnerError
from whestbench.loading import Entrypoint
from whestbench.sdk import SetupContext

from conftest import BEHAVIOURS, score, with_spec

ONCE = [
    ("RaisesOnce", "PREDICT_ERROR", "ZeroDivisionError"),
    ("NanOnce", "ESTIMATOR_NON_FINITE", "finite"),
    ("TransposedOnce", "ESTIMATOR_BAD_SHAPE", "transposed"),
    ("ReturnsNoneOnce", "ESTIMATOR_BAD_SHAPE", "NoneType"),
    ("ThreadOnce", "ESTIMATOR_THREAD_STARTED", "thread"),
]


def assert_only_mlp1_failed(records, code):
    assert len(records) == 3
    assert records[1]["error_code"] == code
    assert records[1]["traceback"] and records[1]["failure_message"]
    for r in (records[0], records[2]):
        assert "error_code" not in r and r["traceback"] is None, (r.get("error_code"), r.get("failure_message"))
        assert r["final_layer_mse"] > 0 and r["flops_used"] == 0  # zeros: scored, no FLOPs


@pytest.mark.parametrize("cls, code, text", ONCE)
def test_one_bad_mlp_fails_alone(tiny_contest, tmp_path, cls, code, text):
    records = score(tiny_contest, cls, tmp_path=tmp_path)
    assert_only_mlp1_failed(records, code)
    assert text in (records[1]["failure_message"] + str(records[1].get("error")))


def test_shape_error_details(tiny_contest, tmp_path):
    r = score(tiny_contest, "TransposedOnce", tmp_path=tmp_path)[1]
    d, w = tiny_contest.spec.depth, tiny_contest.spec.width
    assert r["error"]["details"]["expected_shape"] == [d, w] and r["error"]["details"]["got_shape"] == [w, d]


def test_over_budget(tiny_contest):
    records = score(with_spec(tiny_contest, flop_budget=10**6), "OverBudget")
    for r in records:
        assert r["budget_exhausted"] and "error_code" not in r
        assert r["flops_used"] == 10**6  # nothing was charged before the refused matmul: billed B
        assert "BudgetExhaustedError" in r["traceback"] and "matmul" in r["failure_message"]
        assert r["score_multiplier"] == 1.0


def test_sleeping_past_the_residual_limit(tiny_contest, tmp_path):
    records = score(with_spec(tiny_contest, residual_wall_time_limit_s=0.5), "SleepsResidualOnce",
                    tmp_path=tmp_path)
    assert records[1]["residual_wall_time_exhausted"] and records[1]["residual_wall_time_s"] > 1.0
    assert not records[0]["residual_wall_time_exhausted"] and not records[2]["residual_wall_time_exhausted"]
    assert "residual" in records[1]["traceback"]


def test_lambda_pushes_c_over_b(tiny_contest, tmp_path):
    # B = 1e6 and lambda = 1e6 FLOPs/s: 1.5 s of residual time costs 1.5e6 > B; the others stay far below
    c = with_spec(tiny_contest, flop_budget=10**6, lambda_flops_per_second=1e6, residual_wall_time_limit_s=None)
    records = score(c, "SleepsResidualOnce", tmp_path=tmp_path)
    assert records[1]["combined_budget_exhausted"] and records[1]["effective_compute"] > 10**6
    assert not records[1]["residual_wall_time_exhausted"]
    assert not records[0]["combined_budget_exhausted"] and not records[2]["combined_budget_exhausted"]


def test_wall_limit_through_flopscope_check(tiny_contest):
    records = score(with_spec(tiny_contest, wall_time_limit_s=0.5, n_mlps=1), "CountedLoopForever")
    r = records[0]
    assert r["time_exhausted"] and "TimeExhaustedError" in r["traceback"]


def test_wall_limit_seen_by_the_conversion(tiny_contest):
    """A sleep with no counted call after the limit is caught when predict returns: by the counted
    float32 conversion of the output inside the window (upstream's fnp.asarray, which checks the
    deadline as every counted call does)."""
    c = with_spec(tiny_contest, wall_time_limit_s=0.5, residual_wall_time_limit_s=None, n_mlps=1)
    r = score(c, "SleepsThenReturnsNumpy")[0]
    assert r["time_exhausted"] and "TimeExhaustedError: asarray" in r["traceback"]


def test_exactly_the_budget_passes(tiny_contest):
    r = score(with_spec(tiny_contest, flop_budget=1000), "ExactBudget")[0]
    assert r["flops_used"] == 1000 and not r["budget_exhausted"] and not r["combined_budget_exhausted"]
    assert r["score_multiplier"] == pytest.approx(1.0)


def test_lazy_result_is_materialised(tiny_contest):
    r = score(tiny_contest, "ReturnsLazy")[0]
    target = tiny_contest.targets[0]
    assert r["final_layer_mse"] == pytest.approx(float(np.mean((0.25 - target[-1]) ** 2)), rel=1e-5)


def test_seeds_reach_the_estimator(tiny_contest):
    c = with_spec(tiny_contest, n_mlps=1)
    records = score(c, "SeedRecorder")
    expected = np.zeros_like(tiny_contest.targets[0])
    expected[0, 0] = tiny_contest.mlps[0].seed % 1000
    assert tiny_contest.mlps[0].seed != 0
    assert records[0]["per_layer_mse"][0] == pytest.approx(
        float(np.mean((expected[0] - tiny_contest.targets[0][0]) ** 2)), rel=1e-5)


def _start(cls, timeout=5.0):
    r = LocalRunner()
    r.start(Entrypoint(BEHAVIOURS, cls), SetupContext(width=8, depth=3, flop_budget=100),
            ResourceLimits(setup_timeout_s=timeout))
    return r


def test_slow_setup_fails_the_run():
    with pytest.raises(RunnerError) as e:
        _start("SlowSetup", timeout=1.0)
    assert e.value.code == "SETUP_TIMEOUT" and e.value.stage == "setup"


def test_setup_error_fails_the_run():
    with pytest.raises(RunnerError) as e:
        _start("SetupRaises")
    assert e.value.code == "SETUP_ERROR" and "no weights file" in e.value.message
    assert "RuntimeError" in e.value.traceback_text


def test_breakdown_namespaces(tiny_contest):
    r = score(with_spec(tiny_contest, flop_budget=10**6), "OverBudget")[0]
    client = r["breakdowns"]["estimator"]["by_namespace"]["estimator.estimator-client"]
    assert set(client["operations"]) == {"ones"} and client["flops_used"] == 0  # the refused matmul is not billed
    r = score(with_spec(tiny_contest, flop_budget=1000), "ExactBudget")[0]
    ns = r["breakdowns"]["estimator"]["by_namespace"]
    assert list(ns) == ["estimator.estimator-client"]
    assert ns["estimator.estimator-client"]["operations"]["multiply"]["flop_cost"] == 1000
    assert "whestbench.meter_check" not in ns["estimator.estimator-client"]["operations"]
