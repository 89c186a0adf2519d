"""flops.budget_live(): the session summary, refreshed on screen while code runs.

    with flops.budget_live():
        estimator.predict(mlp, budget)

With rich installed, a Rich Live panel (FLOPs used against the budget, the
top operations, the four time buckets) is redrawn a few times a second by
Rich's refresh thread; without rich, the plain summary is printed once, on
exit. Reading the meter takes the interpreter lock, like every counted call,
so a refresh never sees a call half-charged; the few microseconds each refresh
takes are the display's, spent on its own thread.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator

from ._budget import budget_summary, budget_summary_dict
from ._summary import _dur, _pct

_TOP_OPS = 10


class _LivePanel:
    """Rebuilt from the summary each time Rich draws it."""

    def __init__(self, by_namespace: bool):
        self.by_namespace = by_namespace

    def __rich__(self) -> Any:
        from rich.panel import Panel
        from rich.table import Table

        data = budget_summary_dict(by_namespace=self.by_namespace)
        used, budget = data["flops_used"], data["flop_budget"]
        head = Table.grid(padding=(0, 2))
        head.add_row("FLOPs used", f"{used:,}", f"{_pct(used, budget)} of {budget:,}")
        head.add_row("Remaining", f"{data['flops_remaining']:,}", f"cost model {data.get('cost_model', '?')}")
        wall = data["wall_time_s"]
        head.add_row("Wall time", _dur(wall),
                     f"backend {_dur(data['flopscope_backend_time_s'])}, overhead "
                     f"{_dur(data['flopscope_overhead_time_s'])}, residual {_dur(data['residual_wall_time_s'])}")
        ops = Table(title=f"top {_TOP_OPS} operations", expand=True)
        for column, justify in (("op", "left"), ("FLOPs", "right"), ("share", "right"), ("calls", "right")):
            ops.add_column(column, justify=justify)
        rows = sorted(data["operations"].items(), key=lambda kv: (-kv[1]["flop_cost"], kv[0]))[:_TOP_OPS]
        for name, rec in rows:
            ops.add_row(name, f"{rec['flop_cost']:,}", _pct(rec["flop_cost"], used), f"{rec['calls']:,}")
        parts = [head, ops]
        if self.by_namespace and data.get("by_namespace"):
            spaces = Table(title="by namespace", expand=True)
            for column, justify in (("namespace", "left"), ("FLOPs", "right"), ("calls", "right")):
                spaces.add_column(column, justify=justify)
            for ns, rec in sorted(data["by_namespace"].items(), key=lambda kv: -kv[1]["flops_used"]):
                spaces.add_row(ns or "(unlabeled)", f"{rec['flops_used']:,}", f"{rec['calls']:,}")
            parts.append(spaces)
        from rich.console import Group

        return Panel(Group(*parts), title="flopscope budget (live)")


@contextlib.contextmanager
def budget_live(by_namespace: bool = False, refresh_per_second: float = 4.0) -> Iterator[None]:
    """Shows the session summary live while the block runs (rich), or prints it on exit (plain text)."""
    if not refresh_per_second > 0:
        raise ValueError("budget_live: refresh_per_second must be positive")
    try:
        from rich.live import Live
    except ImportError:
        Live = None
    if Live is None:
        try:
            yield
        finally:
            print(budget_summary(by_namespace=by_namespace), file=sys.stdout)
        return
    with Live(_LivePanel(by_namespace), refresh_per_second=refresh_per_second, transient=False):
        yield
