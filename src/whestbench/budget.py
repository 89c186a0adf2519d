"""Limits, defaults and the score formulas (spec sections 3.5 and 4)."""

from __future__ import annotations

import math

DEFAULT_FLOP_BUDGET = 2**41
DEFAULT_LAMBDA_FLOPS_PER_SECOND = 0.0
#: Deprecated alias kept for scripts written against upstream: the Phase 1 rate, not the default.
LAMBDA_FLOPS_PER_SECOND = 1e11
DEFAULT_WALL_TIME_LIMIT_S = 120.0
DEFAULT_RESIDUAL_WALL_TIME_LIMIT_S = 0.4
DEFAULT_SETUP_TIMEOUT_S = 5.0
DEFAULT_PREDICT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_LIMIT_MB = 8192
DEFAULT_N_SAMPLES = 200_000
DEFAULT_N_MLPS = 10
DEFAULT_WIDTH = 1024
DEFAULT_DEPTH = 16
MULTIPLIER_FLOOR = 0.1
#: The transport timeout of the subprocess runner is max(predict_timeout_s, wall limit + this).
TRANSPORT_GRACE_S = 5.0


def effective_compute(flops_used: float, residual_wall_time_s: float, lambda_flops_per_second: float) -> float:
    """C = F + lambda * R."""
    return float(flops_used) + float(lambda_flops_per_second) * float(residual_wall_time_s)


def is_combined_budget_exhausted(effective: float, flop_budget: float) -> bool:
    """C > B, strictly (spending exactly B passes); never when B <= 0."""
    return flop_budget > 0 and effective > flop_budget


def score_multiplier(effective: float, flop_budget: float, failed: bool) -> float:
    """1.0 for a failed MLP (or B <= 0), else max(0.1, C / B)."""
    if failed or flop_budget <= 0:
        return 1.0
    return max(MULTIPLIER_FLOOR, effective / flop_budget)


def check_positive(name: str, value, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
