"""Summary dictionaries: merging (O(distinct ops)) and the text rendering of spec section 4.7."""

from __future__ import annotations

from typing import Any

_TIME_KEYS = ("wall_time_s", "flopscope_backend_time_s", "flopscope_overhead_time_s", "residual_wall_time_s")


def _merge_ops(into: dict[str, Any], ops: dict[str, Any]) -> None:
    for name, rec in ops.items():
        tgt = into.setdefault(name, {"flop_cost": 0, "calls": 0, "flopscope_backend_time_s": 0.0,
                                     "flopscope_overhead_time_s": 0.0})
        for k in tgt:
            tgt[k] += rec.get(k, 0)


def merge_summaries(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any]:
    """Sums two summary dicts (budgets, usage, times, per-op and per-namespace figures)."""
    out: dict[str, Any] = {"flop_budget": 0, "flops_used": 0, "flops_remaining": 0, "operations": {},
                           **{k: 0.0 for k in _TIME_KEYS}, "by_namespace": {}}
    for part in (a, b):
        if not part:
            continue
        for k in ("flop_budget", "flops_used", "flops_remaining", *_TIME_KEYS):
            out[k] += part.get(k, 0)
        _merge_ops(out["operations"], part.get("operations", {}))
        for ns, rec in part.get("by_namespace", {}).items():
            tgt = out["by_namespace"].setdefault(ns, {"flops_used": 0, "calls": 0, "flopscope_backend_time_s": 0.0,
                                                      "flopscope_overhead_time_s": 0.0, "operations": {}})
            for k in ("flops_used", "calls", "flopscope_backend_time_s", "flopscope_overhead_time_s"):
                tgt[k] += rec.get(k, 0)
            _merge_ops(tgt["operations"], rec.get("operations", {}))
        if "cost_model" in part:
            out["cost_model"] = part["cost_model"]
    return out


def _pct(part: float, total: float) -> str:
    return f"{100 * part / total:.1f}%" if total else "0.0%"


def _dur(seconds: float) -> str:
    """A duration in the unit that shows its figures: 1.234s, 12.3ms, 45.6us, 789ns."""
    if seconds >= 1.0:
        return f"{seconds:.3f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g}ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.3g}us"
    return f"{seconds * 1e9:.0f}ns"


def _calls(n: int) -> str:
    return f"[{n} call]" if n == 1 else f"[{n} calls]"


def format_summary(data: dict[str, Any], namespace: str | None = None) -> str:
    """Renders a summary dict as plain text."""
    header = "flopscope FLOP Budget Summary" + (f" [{namespace}]" if namespace else "")
    used, budget = data["flops_used"], data["flop_budget"]
    lines = [
        header,
        "=" * len(header),
        f"  Total budget:    {budget:>20,}",
        f"  Used:            {used:>20,}  ({_pct(used, budget)})",
        f"  Remaining:       {data['flops_remaining']:>20,}  ({_pct(data['flops_remaining'], budget)})",
    ]
    if "cost_model" in data:
        lines.append(f"  Cost model:      {data['cost_model']:>20}")
    if data.get("by_namespace"):
        lines += ["", "  By namespace:"]
        for ns, rec in sorted(data["by_namespace"].items(), key=lambda kv: -kv[1]["flops_used"]):
            lines.append(
                f"    {ns or '(unlabeled)':<24} {rec['flops_used']:>12,}  ({_pct(rec['flops_used'], used):>6})  "
                f"{_calls(rec['calls'])}  Backend {_dur(rec['flopscope_backend_time_s'])}  "
                f"Overhead {_dur(rec['flopscope_overhead_time_s'])}"
            )
    ops = data["operations"]
    if ops:
        lines += ["", "  By operation:"]
        for name, rec in sorted(ops.items(), key=lambda kv: (-kv[1]["flop_cost"], kv[0])):
            lines.append(f"    {name:<20} {rec['flop_cost']:>12,}  ({_pct(rec['flop_cost'], used):>6})  "
                         f"{_calls(rec['calls'])}")
    wall = data["wall_time_s"]
    lines += [
        "",
        f"  Total Wall Time:     {_dur(wall)}",
        f"  Flopscope Backend:   {_dur(data['flopscope_backend_time_s'])}  ({_pct(data['flopscope_backend_time_s'], wall)})",
        f"  Flopscope Overhead:  {_dur(data['flopscope_overhead_time_s'])}  ({_pct(data['flopscope_overhead_time_s'], wall)})",
        f"  Residual Wall Time:  {_dur(data['residual_wall_time_s'])}  ({_pct(data['residual_wall_time_s'], wall)})",
    ]
    timed = [(n, r) for n, r in ops.items() if r["flopscope_backend_time_s"] > 0]
    if timed:
        lines += ["", "  By operation (time):"]
        for name, rec in sorted(timed, key=lambda kv: -kv[1]["flopscope_backend_time_s"]):
            t = rec["flopscope_backend_time_s"]
            lines.append(f"    {name:<20} {_dur(t)}  ({_pct(t, wall):>6})  {_calls(rec['calls'])}")
    return "\n".join(lines)
