"""Scoring: the per-MLP loop, the run-level limits, and the aggregates (spec 3.1, 3.2, 4).

Order of the checks for one MLP (spec 8.1): an exception from predict (budget,
time, or anything else) first; then, for a clean return, the wall-time
post-check, the residual-time post-check, and the combined C = F + lambda R > B
check, each skipped once an earlier one failed. Any failure zeroes the
predictions and sets the multiplier to 1; every failure carries a message and a
traceback in its record.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable, Dict, List, Optional

import numpy as np

from whestbench import budget as _b
from whestbench.breakdowns import merge
from whestbench.contest import Contest, ContestSpec
from whestbench.runners.base import BUDGET_EXHAUSTED, ERROR, TIME_EXHAUSTED, PredictOutcome, Runner, RunnerError

FLAGS = ("budget_exhausted", "time_exhausted", "residual_wall_time_exhausted", "combined_budget_exhausted")


class ScoringExhaustionWarning(UserWarning):
    """An MLP's predictions were zeroed because a limit was exceeded."""


class BudgetExhaustionWarning(ScoringExhaustionWarning):
    pass


class TimeExhaustionWarning(ScoringExhaustionWarning):
    pass


class ResidualWallTimeExhaustionWarning(ScoringExhaustionWarning):
    pass


class CombinedBudgetExhaustionWarning(ScoringExhaustionWarning):
    pass


_WARNINGS = {"budget_exhausted": BudgetExhaustionWarning, "time_exhausted": TimeExhaustionWarning,
             "residual_wall_time_exhausted": ResidualWallTimeExhaustionWarning,
             "combined_budget_exhausted": CombinedBudgetExhaustionWarning}


def _mses(predictions: np.ndarray, target: np.ndarray):
    """final-layer, all-layers and per-layer MSE, computed in float32 (spec 3.1 step 8)."""
    sq = np.square(predictions.astype(np.float32) - target.astype(np.float32))
    return float(np.mean(sq[-1])), float(np.mean(sq)), [float(v) for v in np.mean(sq, axis=1)]


def residual_s(outcome: PredictOutcome) -> float:
    """R of the limits and of C = F + lambda*R: the residual wall time, or under the sandbox runner the
    larger of it and the sandbox's CPU time during predict (CPU work on other threads counts too)."""
    cpu = outcome.residual_cpu_time_s
    return float(outcome.residual_wall_time_s) if cpu is None else max(float(outcome.residual_wall_time_s), float(cpu))


def _post_check(outcome: PredictOutcome, spec: ContestSpec, effective: float):
    """(flag, message) for the first run-level limit a clean predict exceeded, else (None, None)."""
    wall, resid = outcome.wall_time_s, residual_s(outcome)
    if spec.wall_time_limit_s is not None and wall > spec.wall_time_limit_s:
        return "time_exhausted", (f"wall time {wall:.3f}s exceeded --wall-time-limit {spec.wall_time_limit_s:g}s "
                                  "(checked after predict returned)")
    if spec.residual_wall_time_limit_s is not None and resid > spec.residual_wall_time_limit_s:
        return "residual_wall_time_exhausted", (
            (f"residual wall time {resid:.3f}s (time outside counted flopscope calls) exceeded "
             if outcome.residual_cpu_time_s is None else
             f"residual time {resid:.3f}s (the larger of the residual wall time and the sandbox's CPU time "
             f"during predict) exceeded ")
            + 
            f"--residual-wall-time-limit {spec.residual_wall_time_limit_s:g}s")
    if _b.is_combined_budget_exhausted(effective, spec.flop_budget):
        return "combined_budget_exhausted", (
            f"effective compute C = F + lambda*R = {outcome.flops_used:,} + {spec.lambda_flops_per_second:g}"
            f"*{resid:.3f}s = {effective:,.0f} exceeded the budget B = {spec.flop_budget:,}")
    return None, None


def score_outcome(index: int, name: str, target: np.ndarray, outcome: PredictOutcome, spec: ContestSpec) -> Dict:
    """The per-MLP record (spec 6.2) for one predict outcome."""
    depth, width = target.shape
    B, lam = spec.flop_budget, spec.lambda_flops_per_second
    flags = dict.fromkeys(FLAGS, False)
    record_error = None
    predictions = np.zeros((depth, width), dtype=np.float32)
    message, tb = None, outcome.traceback
    timing = {k: float(getattr(outcome, k)) for k in
              ("wall_time_s", "flopscope_backend_time_s", "flopscope_overhead_time_s", "residual_wall_time_s")}
    flops_used, breakdown = int(outcome.flops_used), outcome.breakdown

    if outcome.status == ERROR:
        message = outcome.message or outcome.error_code or "predict failed"
        record_error = {"message": message, "details": outcome.details} if outcome.details else message
        flops_used, breakdown = 0, None
        timing = dict.fromkeys(timing, 0.0)
        effective = 0.0
        tb = tb or f"{outcome.error_code}: {message}"
    elif outcome.status in (BUDGET_EXHAUSTED, TIME_EXHAUSTED):
        flag = "budget_exhausted" if outcome.status == BUDGET_EXHAUSTED else "time_exhausted"
        flags[flag] = True
        if flag == "budget_exhausted":
            # Upstream whestbench 0.16.2's grader (its default, in-process runner) reports the
            # budget for a budget-exhausted MLP, whatever was charged before the refused call;
            # the breakdown keeps the metered figure (measured side by side).
            flops_used = B
        effective = _b.effective_compute(flops_used, residual_s(outcome), lam)
        message = outcome.message or flag
    else:
        effective = _b.effective_compute(flops_used, residual_s(outcome), lam)
        flag, message = _post_check(outcome, spec, effective)
        if flag is None:
            predictions = outcome.predictions
        else:
            flags[flag] = True
            tb = f"whestbench post-check after predict returned: {message}\npredictions zeroed for this MLP"

    failed = record_error is not None or any(flags.values())
    for flag, on in flags.items():
        if on:
            warnings.warn(f"MLP {index}: {message}", _WARNINGS[flag], stacklevel=2)
    multiplier = _b.score_multiplier(effective, B, failed)
    final_mse, all_mse, per_layer = _mses(predictions, target)
    record = {
        "mlp_index": index, "mlp_name": name,
        "final_layer_mse": final_mse, "all_layers_mse": all_mse, "per_layer_mse": per_layer,
        "adjusted_final_layer_score": final_mse * multiplier, "score_multiplier": multiplier,
        "flops_used": flops_used, "effective_compute": effective,
        **flags, **timing,
        "residual_cpu_time_s": (None if outcome.residual_cpu_time_s is None or outcome.status == ERROR
                                else float(outcome.residual_cpu_time_s)),
        "breakdowns": {"estimator": breakdown},
        "failure_message": message if failed else None,
        "traceback": tb if failed else None,
    }
    if record_error is not None:
        record["error"] = record_error
        record["error_code"] = outcome.error_code or "PREDICT_ERROR"
    return record


class ScoringInterrupted(KeyboardInterrupt):
    """A real Ctrl-C stopped the scoring loop; `records` holds the MLPs scored before it."""

    def __init__(self, records: List[Dict]):
        super().__init__(f"interrupted after {len(records)} MLP(s)")
        self.records = records


def evaluate_estimator(runner: Runner, contest: Contest, *, fail_fast: bool = False,
                       on_progress: Optional[Callable[[int, int, Dict], None]] = None) -> List[Dict]:
    """Runs predict on every MLP of the contest and scores it; the runner must be started.

    With fail_fast, the first predict error is raised as a RunnerError (its cause: the
    estimator's own exception under the local runner) instead of recorded. A real Ctrl-C
    (runners report an estimator's own KeyboardInterrupt as its MLP's error) raises
    ScoringInterrupted, a KeyboardInterrupt that carries the records scored so far.
    """
    spec = contest.spec
    records: List[Dict] = []
    try:
        for i, (mlp, target) in enumerate(zip(contest.mlps, contest.targets)):
            outcome = runner.predict(mlp, spec.flop_budget)
            if fail_fast and outcome.status == ERROR:
                raise RunnerError("predict", outcome.error_code or "PREDICT_ERROR",
                                  outcome.message or "predict failed", outcome.details,
                                  outcome.traceback) from outcome.exception
            record = score_outcome(i, mlp.name, target, outcome, spec)
            records.append(record)
            if on_progress is not None:
                on_progress(i + 1, len(contest.mlps), record)
    except ScoringInterrupted:
        raise
    except KeyboardInterrupt as exc:
        raise ScoringInterrupted(records) from exc
    return records


def is_failed(record: Dict) -> bool:
    return bool(record.get("error_code")) or any(record.get(f) for f in FLAGS)


def aggregate(records: List[Dict], flop_budget: int) -> Dict:
    """The run-level results (spec 4): the leaderboard score is the mean adjusted score."""
    n = len(records)
    if n == 0:
        return {"adjusted_final_layer_score": math.inf, "n_failed_mlps": 0, "per_mlp": []}
    scores = [r["adjusted_final_layer_score"] for r in records]
    return {
        "adjusted_final_layer_score": float(np.mean(scores)),
        "final_layer_mse": float(np.mean([r["final_layer_mse"] for r in records])),
        "all_layers_mse": float(np.mean([r["all_layers_mse"] for r in records])),
        "per_layer_mse": [float(v) for v in np.mean([r["per_layer_mse"] for r in records], axis=0)],
        "best_mlp_adjusted_final_layer_score": float(min(scores)),
        "worst_mlp_adjusted_final_layer_score": float(max(scores)),
        "mean_score_multiplier": float(np.mean([r["score_multiplier"] for r in records])),
        "mean_compute_utilization": float(np.mean([r["effective_compute"] / flop_budget for r in records])),
        "n_failed_mlps": sum(is_failed(r) for r in records),
        "mean_effective_compute": float(np.mean([r["effective_compute"] for r in records])),
        "failure_breakdown": {**{f: sum(bool(r[f]) for r in records) for f in FLAGS},
                              "error": sum(bool(r.get("error_code")) for r in records)},
        "per_mlp": records,
        "breakdowns": {"estimator": merge(r["breakdowns"]["estimator"] for r in records)},
    }
