"""Scoring rules (spec 3.1, 3.2, 4) on synthetic predict outcomes: no timing involved."""

import math

import numpy as np
import pytest

from whestbench import budget as B
from whestbench.contest import ContestSpec
from whestbench.runners.base import PredictOutcome
from whestbench.scoring import (BudgetExhaustionWarning, CombinedBudgetExhaustionWarning,
                                ResidualWallTimeExhaustionWarning, aggregate, score_outcome)

D, W = 2, 4
TARGET = np.arange(D * W, dtype=np.float32).reshape(D, W) / 10
ZERO_MSE = float(np.mean(TARGET[-1] ** 2))


def spec(**kw):
    base = dict(width=W, depth=D, n_mlps=1, flop_budget=1000, ground_truth_samples=10,
                wall_time_limit_s=10.0, residual_wall_time_limit_s=0.5, lambda_flops_per_second=0.0)
    base.update(kw)
    return ContestSpec(**base)


def ok(flops=100, wall=0.2, backend=0.1, overhead=0.05, residual=0.05, preds=None):
    p = TARGET + 0.1 if preds is None else preds
    return PredictOutcome("ok", predictions=p.astype(np.float32), flops_used=flops, wall_time_s=wall,
                          flopscope_backend_time_s=backend, flopscope_overhead_time_s=overhead,
                          residual_wall_time_s=residual, breakdown={"flops_used": flops})


def test_clean_mlp_scores_mse_times_floor_multiplier():
    r = score_outcome(0, "a", TARGET, ok(flops=50), spec())
    assert r["final_layer_mse"] == pytest.approx(0.01, rel=1e-5)
    assert r["score_multiplier"] == 0.1  # 50 / 1000 is under the 0.1 floor
    assert r["adjusted_final_layer_score"] == pytest.approx(0.001, rel=1e-5)
    assert r["per_layer_mse"] == pytest.approx([0.01, 0.01], rel=1e-5)
    assert r["traceback"] is None and r["failure_message"] is None and "error" not in r
    assert not any(r[f] for f in ("budget_exhausted", "time_exhausted", "residual_wall_time_exhausted",
                                  "combined_budget_exhausted"))


def test_multiplier_above_floor():
    r = score_outcome(0, "a", TARGET, ok(flops=500), spec())
    assert r["score_multiplier"] == pytest.approx(0.5)


def test_wall_post_check_comes_first():
    r = score_outcome(0, "a", TARGET, ok(wall=11.0, residual=5.0), spec())
    assert r["time_exhausted"] and not r["residual_wall_time_exhausted"]
    assert r["final_layer_mse"] == pytest.approx(ZERO_MSE) and r["score_multiplier"] == 1.0
    assert "wall time" in r["failure_message"] and "post-check" in r["traceback"]


def test_residual_post_check(recwarn):
    r = score_outcome(0, "a", TARGET, ok(residual=0.6), spec())
    assert r["residual_wall_time_exhausted"] and not r["time_exhausted"]
    assert r["adjusted_final_layer_score"] == pytest.approx(ZERO_MSE)
    assert "residual" in r["traceback"]
    assert any(issubclass(w.category, ResidualWallTimeExhaustionWarning) for w in recwarn)


def test_no_residual_limit_means_no_gate():
    r = score_outcome(0, "a", TARGET, ok(residual=99.0, wall=99.5), spec(residual_wall_time_limit_s=None,
                                                                          wall_time_limit_s=None))
    assert not r["residual_wall_time_exhausted"] and r["final_layer_mse"] == pytest.approx(0.01, rel=1e-5)


def test_lambda_pushes_combined_over_budget(recwarn):
    # C = 600 + 1000 * 0.45 = 1050 > 1000
    r = score_outcome(0, "a", TARGET, ok(flops=600, residual=0.45), spec(lambda_flops_per_second=1000.0))
    assert r["combined_budget_exhausted"] and r["effective_compute"] == pytest.approx(1050)
    assert r["score_multiplier"] == 1.0 and r["final_layer_mse"] == pytest.approx(ZERO_MSE)
    assert any(issubclass(w.category, CombinedBudgetExhaustionWarning) for w in recwarn)


def test_spending_exactly_the_budget_passes():
    r = score_outcome(0, "a", TARGET, ok(flops=600, residual=0.4), spec(lambda_flops_per_second=1000.0))
    assert r["effective_compute"] == pytest.approx(1000) and not r["combined_budget_exhausted"]
    assert r["score_multiplier"] == pytest.approx(1.0) and r["final_layer_mse"] == pytest.approx(0.01, rel=1e-5)


def test_residual_check_precedes_combined():
    r = score_outcome(0, "a", TARGET, ok(flops=600, residual=0.6), spec(lambda_flops_per_second=1000.0))
    assert r["residual_wall_time_exhausted"] and not r["combined_budget_exhausted"]


def test_budget_exhausted_bills_b(recwarn):
    out = PredictOutcome("budget_exhausted", flops_used=0, wall_time_s=0.1, residual_wall_time_s=0.01,
                         message="matmul would cost", traceback="Traceback ... BudgetExhaustedError")
    r = score_outcome(0, "a", TARGET, out, spec())
    assert r["budget_exhausted"] and r["flops_used"] == 1000 and r["effective_compute"] == 1000
    assert r["wall_time_s"] == 0.1 and "BudgetExhaustedError" in r["traceback"]
    assert r["final_layer_mse"] == pytest.approx(ZERO_MSE) and r["score_multiplier"] == 1.0
    assert any(issubclass(w.category, BudgetExhaustionWarning) for w in recwarn)
    # Something was charged before the refused call: upstream's grader still reports the budget,
    # its breakdown the metered figure (measured on upstream whestbench 0.16.2 / flopscope 0.12.4:
    # budget 3001, 3000 charged -> flops_used 3001, breakdown flops_used 3000).
    out.flops_used = 700
    out.breakdown = {"flops_used": 700}
    r = score_outcome(0, "a", TARGET, out, spec())
    assert r["flops_used"] == 1000 and r["effective_compute"] == 1000
    assert r["breakdowns"]["estimator"] == {"flops_used": 700}


def test_error_zeroes_everything_and_keeps_the_message():
    out = PredictOutcome("error", flops_used=55, wall_time_s=1.0, error_code="ESTIMATOR_BAD_SHAPE",
                         message="predictions must have shape (2, 4), got (4, 2)",
                         details={"expected_shape": [2, 4], "got_shape": [4, 2]}, traceback="tb text")
    r = score_outcome(3, "x", TARGET, out, spec())
    assert r["error_code"] == "ESTIMATOR_BAD_SHAPE" and r["error"]["details"]["got_shape"] == [4, 2]
    assert r["flops_used"] == 0 and r["effective_compute"] == 0 and r["wall_time_s"] == 0
    assert r["breakdowns"]["estimator"] is None and r["traceback"] == "tb text"
    assert not any(r[f] for f in ("budget_exhausted", "time_exhausted"))
    assert r["adjusted_final_layer_score"] == pytest.approx(ZERO_MSE)


def test_aggregate_fields_and_failure_breakdown():
    s = spec()
    recs = [score_outcome(0, "a", TARGET, ok(flops=500), s),
            score_outcome(1, "b", TARGET, ok(residual=0.9), s),
            score_outcome(2, "c", TARGET, PredictOutcome("error", error_code="PREDICT_ERROR", message="boom"), s)]
    agg = aggregate(recs, s.flop_budget)
    scores = [r["adjusted_final_layer_score"] for r in recs]
    assert agg["adjusted_final_layer_score"] == pytest.approx(np.mean(scores))
    assert agg["best_mlp_adjusted_final_layer_score"] == min(scores)
    assert agg["worst_mlp_adjusted_final_layer_score"] == max(scores)
    assert agg["n_failed_mlps"] == 2
    assert agg["failure_breakdown"] == {"budget_exhausted": 0, "time_exhausted": 0,
                                        "residual_wall_time_exhausted": 1, "combined_budget_exhausted": 0,
                                        "error": 1}
    assert agg["mean_score_multiplier"] == pytest.approx((0.5 + 1 + 1) / 3)
    assert agg["mean_compute_utilization"] == pytest.approx((0.5 + 0.1 + 0) / 3)
    assert len(agg["per_layer_mse"]) == D
    assert math.isinf(aggregate([], 1000)["adjusted_final_layer_score"])


def test_budget_formulas():
    assert B.effective_compute(10, 2.0, 3.0) == 16.0
    assert B.is_combined_budget_exhausted(11, 10) and not B.is_combined_budget_exhausted(10, 10)
    assert not B.is_combined_budget_exhausted(11, 0)
    assert B.score_multiplier(1, 100, False) == 0.1 and B.score_multiplier(50, 100, True) == 1.0
    assert B.score_multiplier(50, 0, False) == 1.0


@pytest.mark.parametrize("kw", [dict(width=0), dict(n_mlps=-1), dict(flop_budget=0), dict(lambda_flops_per_second=-1),
                                dict(wall_time_limit_s=0), dict(residual_wall_time_limit_s=-1.0), dict(seed="x"),
                                dict(ground_truth_samples=1.5)])
def test_spec_validation(kw):
    with pytest.raises(ValueError):
        spec(**kw).validate()
