"""The report envelope (spec 6.1): run_meta, run_config, results, whestbench_version."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, List, Optional

from whestbench.contest import Contest, ContestSpec
from whestbench.scoring import aggregate

SCHEMA_VERSION = "1.1"


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat()


def run_config(spec: ContestSpec, *, dataset: Optional[dict], mode: str, runner: str, cost_model: str,
               estimator_class: Optional[str], estimator_path: Optional[str], seed: Optional[int],
               extra: Optional[dict] = None) -> Dict[str, Any]:
    cfg: Dict[str, Any] = {
        "n_mlps": spec.n_mlps, "width": spec.width, "depth": spec.depth, "seed": seed,
        "flop_budget": spec.flop_budget, "setup_timeout_s": spec.setup_timeout_s,
        "wall_time_limit_s": spec.wall_time_limit_s, "residual_wall_time_limit_s": spec.residual_wall_time_limit_s,
        "lambda_flops_per_second": spec.lambda_flops_per_second,
        "ground_truth_samples": spec.ground_truth_samples, "runner": runner, "cost_model": cost_model,
    }
    if mode == "human":
        cfg.update({"estimator_class": estimator_class, "estimator_path": estimator_path})
    if dataset is not None:
        cfg["dataset"] = dict(dataset)
    if extra:
        cfg.update(extra)
    return cfg


def build_report(contest: Contest, records: List[Dict], *, mode: str, config: Dict[str, Any], host: Dict[str, Any],
                 started_at: str, duration_s: float) -> Dict[str, Any]:
    from whestbench import __version__

    results = aggregate(records, contest.spec.flop_budget)
    results.setdefault("breakdowns", {})["sampling"] = contest.sampling_breakdown
    return {
        "schema_version": SCHEMA_VERSION,
        "mode": mode,
        "run_meta": {"run_started_at_utc": started_at, "run_finished_at_utc": utc_now(),
                     "run_duration_s": duration_s, "host": host},
        "run_config": config,
        "results": results,
        "whestbench_version": __version__,
    }


def error_payload(stage: str, code: str, message: str, details: Optional[dict] = None,
                  traceback_text: Optional[str] = None) -> Dict[str, Any]:
    """The top-level error shape of every command (spec 3.6)."""
    from whestbench import __version__

    err: Dict[str, Any] = {"stage": stage, "code": code, "message": message}
    if details:
        err["details"] = details
    if traceback_text:
        err["traceback"] = traceback_text
    return {"ok": False, "error": err, "whestbench_version": __version__}
