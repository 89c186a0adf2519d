"""Formatting shared by the human renderers."""

from __future__ import annotations

from typing import Dict, Optional

from whestbench.scoring import FLAGS

FORMULA = "score = final MSE x max(0.1, C/B), C = F + lambda*R; a failed MLP scores zeros at x1"


def si(n: Optional[float]) -> str:
    """1234567 -> '1.23M' (FLOP counts)."""
    if n is None:
        return "-"
    n = float(n)
    for unit, scale in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{unit}"
    return f"{n:.0f}"


def secs(s: Optional[float]) -> str:
    if s is None:
        return "-"
    return f"{s * 1000:.1f}ms" if s < 1 else f"{s:.2f}s"


def limit(s: Optional[float]) -> str:
    return "off" if s is None else f"{s:g}s"


def status(record: Dict) -> str:
    """'ok', a flag name, or the error code."""
    if record.get("error_code"):
        return record["error_code"]
    for flag in FLAGS:
        if record.get(flag):
            return flag
    return "ok"


def gauge_state(results: Dict, budget: int) -> tuple:
    """(state, mean utilisation, worst busted %) of the estimator FLOPs gauge (spec 6.4)."""
    per = results.get("per_mlp", [])
    if not per:
        return "healthy", 0.0, None
    mean = sum(r["flops_used"] for r in per) / len(per) / budget
    busted = [r for r in per if r.get("budget_exhausted")]
    worst = max((r["flops_used"] / budget for r in busted), default=None)
    if mean >= 1.0:
        state = "catastrophic"
    elif busted:
        state = "busted"
    elif mean >= 0.8:
        state = "tight"
    else:
        state = "healthy"
    return state, mean, worst


def context_rows(config: Dict, estimator: Optional[str]) -> list:
    """(label, value) rows of the Run Context panel."""
    ds = config.get("dataset")
    truth = (f"dataset {ds['path']} [{ds.get('split')}] ({ds.get('n_samples', config.get('ground_truth_samples')):,} "
             "samples per MLP, baked)" if ds else
             f"{config['ground_truth_samples']:,} Monte-Carlo samples per MLP (C++ sampler)")
    rows = [
        ("estimator", estimator or "-"),
        ("runner", config.get("runner", "-")),
        ("contest", f"{config['n_mlps']} MLPs of width {config['width']} x depth {config['depth']}"),
        ("ground truth", truth),
        ("FLOP budget B", f"{config['flop_budget']:,} ({si(config['flop_budget'])})"),
        ("lambda (FLOPs per residual second)", f"{config['lambda_flops_per_second']:g}"),
        ("wall-time limit", limit(config.get("wall_time_limit_s"))),
        ("residual wall-time limit", limit(config.get("residual_wall_time_limit_s"))),
        ("setup timeout", limit(config.get("setup_timeout_s"))),
        ("seed", "none" if config.get("seed") is None else str(config["seed"])),
        ("cost model", config.get("cost_model", "-")),
    ]
    if config.get("memory_limit_mb") is not None:
        rows.append(("memory cap", f"{config['memory_limit_mb']} MB" + (
            " (advisory: local runner)" if config.get("runner") in ("local", "inprocess") else "")))
    if config.get("max_threads"):
        rows.append(("max threads", str(config["max_threads"])))
    return rows


def host_rows(host: Dict) -> list:
    ram = host.get("ram_total_bytes")
    return [
        ("host", f"{host.get('hostname')} ({host.get('platform')})"),
        ("cpu", f"{host.get('cpu_brand')} - {host.get('cpu_count_logical')} logical / "
                f"{host.get('cpu_count_physical')} physical cores"),
        ("memory", f"{ram / 2**30:.1f} GiB" if ram else "unknown"),
        ("python", host.get("python_version")),
        ("numpy / flopscope / whestbench",
         f"{host.get('numpy_version')} / {host.get('flopscope_version')} / {host.get('whestbench_version')}"),
    ]
