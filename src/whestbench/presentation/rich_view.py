"""The Rich terminal report (spec 6.4): panels, progress bars, breakdown tables, final score."""

from __future__ import annotations

import contextlib
import sys
from typing import Dict, Optional

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table
from rich.text import Text

from whestbench.breakdowns import top_operations
from whestbench.presentation.common import FORMULA, context_rows, gauge_state, host_rows, secs, si, status

_GAUGE_STYLE = {"healthy": "green", "tight": "yellow", "busted": "red", "catastrophic": "bold red"}


class RateColumn(ProgressColumn):
    """Items per second (Rich's own speed column is for bytes)."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-" if speed is None else f"{speed:.2f} {self.unit}/s", style="progress.data.speed")


def _kv_table(rows) -> Table:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold cyan", no_wrap=True)
    t.add_column()
    for k, v in rows:
        t.add_row(k, str(v))
    return t


class RichView:
    def __init__(self, console: Optional[Console] = None, *, debug: bool = False, detail: str = "raw") -> None:
        self.console = console or Console()
        self.err = Console(stderr=True)
        self.debug = debug
        self.detail = detail

    # -- live part ------------------------------------------------------------------
    def header(self, config: Dict, host: Dict, estimator: Optional[str]) -> None:
        self.console.rule("[bold]WhestBench Report")
        self.console.print(Panel(_kv_table(context_rows(config, estimator)), title="Run Context", box=box.ROUNDED))
        self.console.print(Panel(_kv_table(host_rows(host)), title="Hardware & Runtime", box=box.ROUNDED))

    @contextlib.contextmanager
    def progress(self, description: str, total: int, unit: str = "MLP"):
        bar = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(bar_width=None),
                       MofNCompleteColumn(), RateColumn(unit), TimeElapsedColumn(), TextColumn("ETA"),
                       TimeRemainingColumn(), console=self.console)
        with bar:
            task = bar.add_task(description, total=total)
            yield lambda done, total_, record=None: bar.update(task, completed=done)

    def note(self, text: str) -> None:
        self.err.print(text, highlight=False)

    # -- final report -----------------------------------------------------------------
    def report(self, report: Dict) -> None:
        results, config = report["results"], report["run_config"]
        budget = config["flop_budget"]
        per = results.get("per_mlp", [])
        failed = [r for r in per if status(r) != "ok"]
        if failed:
            self.console.print(self._errors(failed))
        sampling = results.get("breakdowns", {}).get("sampling")
        if sampling:
            title = "Sampling Budget Breakdown (Ground Truth" + (", from the bake)" if sampling.get("time_source") == "bake"
                                                                 else ")")
            self.console.print(self._breakdown(sampling, title, residual=sampling.get("time_source") != "bake"))
        estimator = results.get("breakdowns", {}).get("estimator")
        if estimator:
            self.console.print(self._breakdown(estimator, "Estimator Budget Breakdown (all MLPs)", residual=True))
        self.console.print(self._gauge(results, budget))
        busted = sorted((r for r in per if r.get("budget_exhausted")), key=lambda r: -r["flops_used"])
        if busted:
            self.console.print(self._over_budget(busted, budget))
        if self.detail == "full":
            self.console.print(self._per_mlp(per, budget))
        self.console.print(self._final(results))
        self.console.print("[dim]Tip: --format json gives the whole report as JSON; --plots DIR writes PNG charts; "
                           "--detail full lists every MLP.[/]")

    def _errors(self, failed) -> Panel:
        t = Table(box=box.SIMPLE_HEAVY, expand=True)
        for col in ("MLP", "name", "reason", "message"):
            t.add_column(col, overflow="fold")
        blocks = [t]
        for r in failed:
            t.add_row(str(r["mlp_index"]), r.get("mlp_name") or "", status(r), r.get("failure_message") or "")
            if self.debug and r.get("traceback"):
                blocks.append(Text(f"--- MLP {r['mlp_index']} traceback ---\n{r['traceback'].rstrip()}", style="dim"))
        hint = "" if self.debug else " (tracebacks: --debug or --format json)"
        return Panel(Group(*blocks), title=f"Estimator Errors - {len(failed)} MLP(s) zeroed{hint}",
                     border_style="red", box=box.ROUNDED)

    def _breakdown(self, b: Dict, title: str, residual: bool) -> Panel:
        used = b.get("flops_used") or 0
        t = Table(box=box.SIMPLE, expand=True)
        for col, just in (("namespace", "left"), ("FLOPs", "right"), ("%", "right"), ("calls", "right"),
                          ("backend", "right"), ("overhead", "right")):
            t.add_column(col, justify=just)
        for ns, rec in sorted((b.get("by_namespace") or {}).items(), key=lambda kv: -kv[1]["flops_used"]):
            pct = f"{100 * rec['flops_used'] / used:.1f}" if used else "-"
            t.add_row(ns, f"{rec['flops_used']:,}", pct, f"{rec['calls']:,}", secs(rec["flopscope_backend_time_s"]),
                      secs(rec["flopscope_overhead_time_s"]))
        ops = Table(box=box.SIMPLE, title="top operations", expand=True)
        for col, just in (("op", "left"), ("FLOPs", "right"), ("%", "right"), ("calls", "right")):
            ops.add_column(col, justify=just)
        for op, f, c in top_operations(b, 8):
            ops.add_row(op, f"{f:,}", f"{100 * f / used:.1f}" if used else "-", f"{c:,}")
        times = (f"wall {secs(b.get('wall_time_s'))} = backend {secs(b.get('flopscope_backend_time_s'))} + "
                 f"overhead {secs(b.get('flopscope_overhead_time_s'))}")
        if residual:
            times += f" + residual {secs(b.get('residual_wall_time_s'))}"
        summary = Text(f"total {used:,} FLOPs ({si(used)})   {times}")
        return Panel(Group(t, ops, summary), title=title, box=box.ROUNDED)

    def _gauge(self, results: Dict, budget: int) -> Panel:
        state, mean, worst = gauge_state(results, budget)
        width = 40
        filled = min(width, int(round(mean * width)))
        style = _GAUGE_STYLE[state]
        line = Text()
        line.append("[" + "#" * filled + "-" * (width - filled) + "] ", style=style)
        line.append(f"{100 * mean:.3g}% of B on average  ({state})", style=style)
        if worst is not None:
            line.append(f"   worst over-budget MLP: {100 * worst:.1f}%", style="red")
        return Panel(line, title="Estimator FLOPs", box=box.ROUNDED)

    def _over_budget(self, busted, budget: int) -> Panel:
        t = Table(box=box.SIMPLE)
        for col in ("MLP", "name", "FLOPs used", "% of B"):
            t.add_column(col)
        for r in busted[:5]:
            t.add_row(str(r["mlp_index"]), r.get("mlp_name") or "", f"{r['flops_used']:,}",
                      f"{100 * r['flops_used'] / budget:.1f}")
        extra = Text(f"... and {len(busted) - 5} more") if len(busted) > 5 else Text("")
        return Panel(Group(t, extra), title="Over-Budget MLPs", border_style="red", box=box.ROUNDED)

    def _per_mlp(self, per, budget: int) -> Table:
        t = Table(title="Per-MLP results", box=box.SIMPLE_HEAVY)
        for col in ("MLP", "name", "final MSE", "mult", "score", "FLOPs", "util", "wall", "residual", "status"):
            t.add_column(col, justify="right" if col not in ("name", "status") else "left")
        for r in per:
            t.add_row(str(r["mlp_index"]), r.get("mlp_name") or "", f"{r['final_layer_mse']:.3e}",
                      f"{r['score_multiplier']:.3f}", f"{r['adjusted_final_layer_score']:.3e}", si(r["flops_used"]),
                      f"{r['effective_compute'] / budget:.3f}", secs(r["wall_time_s"]), secs(r["residual_wall_time_s"]),
                      status(r))
        return t

    def _final(self, results: Dict) -> Panel:
        t = Table(box=box.SIMPLE, show_header=False)
        t.add_column(style="bold")
        t.add_column(justify="right")
        n = len(results.get("per_mlp", []))
        t.add_row("adjusted final-layer score (primary score, lower is better)",
                  Text(f"{results['adjusted_final_layer_score']:.8f}", style="bold green"))
        t.add_row("final-layer MSE (raw)", f"{results['final_layer_mse']:.8f}")
        t.add_row("all-layers MSE (raw)", f"{results['all_layers_mse']:.8f}")
        t.add_row("best / worst MLP score", f"{results['best_mlp_adjusted_final_layer_score']:.3e} / "
                                            f"{results['worst_mlp_adjusted_final_layer_score']:.3e}")
        t.add_row("mean score multiplier", f"{results['mean_score_multiplier']:.4f}")
        t.add_row("mean compute utilisation (C / B)", f"{results['mean_compute_utilization']:.4f}")
        t.add_row("failed MLPs", Text(f"{results['n_failed_mlps']} of {n}",
                                      style="red" if results["n_failed_mlps"] else "green"))
        fb = results.get("failure_breakdown", {})
        if results["n_failed_mlps"]:
            t.add_row("failure breakdown", ", ".join(f"{k} {v}" for k, v in fb.items() if v))
        return Panel(t, title="Final Score", subtitle=FORMULA, box=box.DOUBLE)

    def error(self, payload: Dict) -> None:
        err = payload["error"]
        body = [Text(err["message"])]
        hint = (err.get("details") or {}).get("hint") if isinstance(err.get("details"), dict) else None
        if hint:
            body.append(Text(f"hint: {hint}", style="yellow"))
        if err.get("traceback") and self.debug:
            body.append(Text(err["traceback"].rstrip(), style="dim"))
        elif err.get("traceback"):
            body.append(Text("(--debug shows the traceback)", style="dim"))
        self.err.print(Panel(Group(*body), title=f"whest: {err['stage']} failed [{err['code']}]", border_style="red"))


def is_terminal() -> bool:
    return sys.stdout.isatty() and sys.gettrace() is None
