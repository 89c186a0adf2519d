"""FLOP / time breakdowns in the report's shape (spec 6.3), and their sums over MLPs.

A breakdown is {flop_budget, flops_used, flops_remaining, wall_time_s,
flopscope_backend_time_s, flopscope_overhead_time_s, residual_wall_time_s,
by_namespace: {dotted name: {flops_used, calls, flopscope_backend_time_s,
flopscope_overhead_time_s, operations: {op: {flop_cost, calls, ...}}}}}.
"""

from __future__ import annotations

from typing import Iterable, Optional

TIME_KEYS = ("wall_time_s", "flopscope_backend_time_s", "flopscope_overhead_time_s", "residual_wall_time_s")
_COUNT_KEYS = ("flop_budget", "flops_used", "flops_remaining")
_NS_KEYS = ("flops_used", "calls", "flopscope_backend_time_s", "flopscope_overhead_time_s")
_OP_KEYS = ("flop_cost", "calls", "flopscope_backend_time_s", "flopscope_overhead_time_s")
SAMPLING_NAMESPACE = "sampling.sample_layer_statistics"


def _empty_ns() -> dict:
    return {"flops_used": 0, "calls": 0, "flopscope_backend_time_s": 0.0, "flopscope_overhead_time_s": 0.0,
            "operations": {}}


def merge(parts: Iterable[Optional[dict]]) -> Optional[dict]:
    """The sum of several breakdowns (None entries skipped); None when there are none."""
    out = None
    for part in parts:
        if not part:
            continue
        if out is None:
            out = {k: 0 for k in _COUNT_KEYS}
            out.update({k: 0.0 for k in TIME_KEYS})
            out["by_namespace"] = {}
            for k in ("cost_model", "time_source"):
                if k in part:
                    out[k] = part[k]
        for k in _COUNT_KEYS + TIME_KEYS:
            out[k] += part.get(k, 0) or 0
        for ns, rec in (part.get("by_namespace") or {}).items():
            tgt = out["by_namespace"].setdefault(ns, _empty_ns())
            for k in _NS_KEYS:
                tgt[k] += rec.get(k, 0) or 0
            for op, r in (rec.get("operations") or {}).items():
                top = tgt["operations"].setdefault(op, {k: 0 for k in _OP_KEYS})
                for k in _OP_KEYS:
                    top[k] += r.get(k, 0) or 0
    return out


def sampling_breakdown(op_flops: dict, wall_time_s: float, flop_budget: int) -> dict:
    """The breakdown of one C++ sampler call: its closed-form FLOPs per op, and its wall time,
    all of it native compute (booked as backend time; per-op times are not measured)."""
    used = int(sum(op_flops.values()))
    ops = {op: {"flop_cost": int(f), "calls": 1, "flopscope_backend_time_s": 0.0, "flopscope_overhead_time_s": 0.0}
           for op, f in op_flops.items()}
    return {
        "flop_budget": int(flop_budget), "flops_used": used, "flops_remaining": int(flop_budget) - used,
        "wall_time_s": wall_time_s, "flopscope_backend_time_s": wall_time_s, "flopscope_overhead_time_s": 0.0,
        "residual_wall_time_s": 0.0, "time_source": "sampler",
        "by_namespace": {SAMPLING_NAMESPACE: {"flops_used": used, "calls": len(ops),
                                              "flopscope_backend_time_s": wall_time_s,
                                              "flopscope_overhead_time_s": 0.0, "operations": ops}},
    }


def top_operations(breakdown: Optional[dict], n: int = 10) -> list:
    """[(op, flops, calls)] over all namespaces, largest first."""
    if not breakdown:
        return []
    ops: dict = {}
    for rec in (breakdown.get("by_namespace") or {}).values():
        for op, r in (rec.get("operations") or {}).items():
            f, c = ops.get(op, (0, 0))
            ops[op] = (f + int(r.get("flop_cost", 0)), c + int(r.get("calls", 0)))
    return sorted(((op, f, c) for op, (f, c) in ops.items()), key=lambda t: (-t[1], t[0]))[:n]
