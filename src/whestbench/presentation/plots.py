"""PNG charts of a report (`whest run --plots DIR`), drawn with matplotlib."""

from __future__ import annotations

import os
from typing import Dict, List

from whestbench.breakdowns import top_operations
from whestbench.presentation.common import si


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def write_plots(report: Dict, directory: str) -> List[str]:
    """Writes per_layer_mse.png, flops.png and time_buckets.png; returns their paths."""
    os.makedirs(directory, exist_ok=True)
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    results, config = report["results"], report["run_config"]
    per = results.get("per_mlp", [])
    paths = []

    fig, ax = plt.subplots(figsize=(8, 4.5))
    layers = list(range(1, config["depth"] + 1))
    for r in per:
        ax.plot(layers, [max(v, 1e-30) for v in r["per_layer_mse"]], color="tab:blue", alpha=0.25, linewidth=1)
    if per:
        ax.plot(layers, [max(v, 1e-30) for v in results["per_layer_mse"]], color="tab:red", linewidth=2.5,
                marker="o", label="mean over MLPs")
        ax.legend()
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer")
    ax.set_ylabel("MSE of predicted neuron means")
    ax.set_title(f"Per-layer MSE ({len(per)} MLPs, faint lines: single MLPs)")
    ax.grid(True, which="both", alpha=0.3)
    paths.append(_save(fig, plt, directory, "per_layer_mse.png"))

    est = (results.get("breakdowns") or {}).get("estimator") or {}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.8))
    ns = sorted((est.get("by_namespace") or {}).items(), key=lambda kv: kv[1]["flops_used"])
    _barh(a1, [k for k, _ in ns], [v["flops_used"] for _, v in ns], "FLOPs by namespace (all MLPs)")
    ops = list(reversed(top_operations(est, 12)))
    _barh(a2, [o for o, _, _ in ops], [f for _, f, _ in ops], "FLOPs by operation (top 12)")
    fig.suptitle(f"Estimator FLOPs: {si(est.get('flops_used', 0))} in total, budget {si(config['flop_budget'])} per MLP")
    paths.append(_save(fig, plt, directory, "flops.png"))

    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(per) + 3), 4.5))
    buckets = (("wall_time_s", "wall", "tab:gray"), ("flopscope_backend_time_s", "backend", "tab:blue"),
               ("flopscope_overhead_time_s", "overhead", "tab:orange"), ("residual_wall_time_s", "residual", "tab:red"))
    width = 0.2
    xs = list(range(len(per)))
    for k, (key, label, color) in enumerate(buckets):
        ax.bar([x + (k - 1.5) * width for x in xs], [r[key] for r in per], width, label=label, color=color)
    title = "Time per predict: wall = backend + overhead + residual"
    cap = config.get("residual_wall_time_limit_s")
    tallest = max((r["wall_time_s"] for r in per), default=0.0)
    if cap and cap <= 3 * tallest:
        ax.axhline(cap, color="tab:red", linestyle="--", linewidth=1, label="residual limit")
    elif cap:
        title += f"\n(residual limit {cap:g}s is off the scale)"
    ax.set_xticks(xs)
    ax.set_xticklabels([str(r["mlp_index"]) for r in per])
    ax.set_xlabel("MLP")
    ax.set_ylabel("seconds")
    ax.set_title(title)
    ax.legend()
    ax.grid(True, axis="y", alpha=0.3)
    paths.append(_save(fig, plt, directory, "time_buckets.png"))
    return paths


def _barh(ax, labels, values, title) -> None:
    if not values:
        ax.text(0.5, 0.5, "no counted work", ha="center", va="center", transform=ax.transAxes)
    else:
        bars = ax.barh(labels, values, color="tab:blue")
        for bar, v in zip(bars, values):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, " " + si(v), va="center", fontsize=8)
        ax.set_xlim(0, max(values) * 1.25 or 1)
    ax.set_title(title)
    ax.set_xlabel("FLOPs")


def _save(fig, plt, directory: str, name: str) -> str:
    path = os.path.join(directory, name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
