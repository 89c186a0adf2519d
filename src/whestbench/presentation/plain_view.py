"""Plain-text report: one `key: value` or space-separated row per line, no box drawing."""

from __future__ import annotations

import contextlib
import sys
from typing import Dict, Optional

from whestbench.breakdowns import top_operations
from whestbench.presentation.common import FORMULA, context_rows, gauge_state, host_rows, status


class PlainView:
    def __init__(self, out=None, *, debug: bool = False, detail: str = "raw") -> None:
        self.out = out or sys.stdout
        self.debug = debug
        self.detail = detail

    def _p(self, text: str = "") -> None:
        print(text, file=self.out)

    def header(self, config: Dict, host: Dict, estimator: Optional[str]) -> None:
        self._p("== WhestBench Report ==")
        self._p("[run context]")
        for k, v in context_rows(config, estimator):
            self._p(f"{k}: {v}")
        self._p("[hardware & runtime]")
        for k, v in host_rows(host):
            self._p(f"{k}: {v}")
        self.out.flush()

    @contextlib.contextmanager
    def progress(self, description: str, total: int, unit: str = "MLP"):
        def update(done, total_, record=None):
            extra = f" {status(record)} score={record['adjusted_final_layer_score']:.3e}" if record else ""
            print(f"{description}: {done}/{total_}{extra}", file=sys.stderr, flush=True)

        yield update

    def note(self, text: str) -> None:
        print(text, file=sys.stderr)

    def report(self, report: Dict) -> None:
        results, config = report["results"], report["run_config"]
        budget = config["flop_budget"]
        per = results.get("per_mlp", [])
        failed = [r for r in per if status(r) != "ok"]
        if failed:
            self._p("[estimator errors]")
            for r in failed:
                self._p(f"mlp={r['mlp_index']} name={r.get('mlp_name')} reason={status(r)} "
                        f"message={r.get('failure_message')}")
                if self.debug and r.get("traceback"):
                    self._p(r["traceback"].rstrip())
        for key, title in (("sampling", "sampling budget breakdown"), ("estimator", "estimator budget breakdown")):
            b = results.get("breakdowns", {}).get(key)
            if not b:
                continue
            self._p(f"[{title}]")
            self._p(f"flops_used: {b['flops_used']}  wall_time_s: {b['wall_time_s']:.4f}  "
                    f"backend_s: {b['flopscope_backend_time_s']:.4f}  overhead_s: {b['flopscope_overhead_time_s']:.4f}"
                    f"  residual_s: {b['residual_wall_time_s']:.4f}")
            for ns, rec in sorted((b.get("by_namespace") or {}).items(), key=lambda kv: -kv[1]["flops_used"]):
                self._p(f"namespace={ns} flops={rec['flops_used']} calls={rec['calls']}")
            for op, f, c in top_operations(b, 8):
                self._p(f"op={op} flops={f} calls={c}")
        state, mean, worst = gauge_state(results, budget)
        self._p(f"[estimator flops] mean_fraction_of_budget={mean:.6f} state={state}"
                + (f" worst_over_budget_fraction={worst:.4f}" if worst is not None else ""))
        if self.detail == "full":
            self._p("[per mlp]")
            for r in per:
                self._p(f"mlp={r['mlp_index']} name={r.get('mlp_name')} final_mse={r['final_layer_mse']:.6e} "
                        f"mult={r['score_multiplier']:.4f} score={r['adjusted_final_layer_score']:.6e} "
                        f"flops={r['flops_used']} wall_s={r['wall_time_s']:.4f} "
                        f"residual_s={r['residual_wall_time_s']:.4f} status={status(r)}")
        self._p("[final score]")
        self._p(f"adjusted_final_layer_score: {results['adjusted_final_layer_score']:.8e}  (primary score)")
        for k in ("final_layer_mse", "all_layers_mse", "best_mlp_adjusted_final_layer_score",
                  "worst_mlp_adjusted_final_layer_score", "mean_score_multiplier", "mean_compute_utilization"):
            self._p(f"{k}: {results[k]:.8e}")
        self._p(f"failed_mlps: {results['n_failed_mlps']} of {len(per)}")
        self._p("failure_breakdown: " + " ".join(f"{k}={v}" for k, v in results["failure_breakdown"].items()))
        self._p(f"formula: {FORMULA}")

    def error(self, payload: Dict) -> None:
        err = payload["error"]
        print(f"error: stage={err['stage']} code={err['code']} message={err['message']}", file=sys.stderr)
        details = err.get("details")
        if isinstance(details, dict) and details.get("hint"):
            print(f"hint: {details['hint']}", file=sys.stderr)
        if err.get("traceback") and self.debug:
            print(err["traceback"].rstrip(), file=sys.stderr)
