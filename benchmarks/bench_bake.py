"""Ground-truth bake throughput (samples/s) here against upstream whestbench 0.16.2's
CPU bake on the same settings, side by side, and the Ray bake's scaling from one to
two local workers.

    python benchmarks/bench_bake.py --upstream /tmp/upstream/bin/python
        [--shapes 256x8:4:200000,1024x16:2:20000] [--ray-shape 256x8:4:200000]

Each shape is WIDTHxDEPTH:N_MLPS:N_SAMPLES. `--upstream` is an interpreter of an
isolated venv with upstream's packages (`python -m venv /tmp/upstream &&
/tmp/upstream/bin/pip install whestbench==0.16.2`), never importable by ours; its
`whest dataset bake` runs beside ours (`python -m whestbench dataset bake
--backend cpu`), each a fresh process, the same seeds file. Wall time includes
process start and writing the dataset. The Ray rows bake in this process on a
local Ray cluster started beforehand with num_cpus 1 and then 2 (startup not
timed), one single-threaded sampler per task.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time


def parse_shape(text: str) -> tuple:
    shape, n_mlps, n_samples = text.split(":")
    width, depth = shape.split("x")
    return int(width), int(depth), int(n_mlps), int(n_samples)


def timed(command: list, cwd: str) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{done.stderr[-2000:]}")
    return wall


def bake_commands(python: str, upstream: bool, width: int, depth: int, n_mlps: int, n_samples: int,
                  seeds: str, out: str) -> list:
    common = ["--n-mlps", str(n_mlps), "--width", str(width), "--depth", str(depth), "--n-samples",
              str(n_samples), "--mlp-seeds", seeds, "--output", out]
    if upstream:
        whest = str(pathlib.Path(python).with_name("whest"))
        return [whest, "dataset", "bake", *common]
    return [python, "-m", "whestbench", "dataset", "bake", *common, "--backend", "cpu", "--format", "plain"]


def ray_scaling(width: int, depth: int, n_mlps: int, n_samples: int, tmp: str) -> list:
    import ray

    from whestbench import bake as B

    rows = []
    for workers in (1, 2):
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        try:
            spec = B.make_spec(n_mlps=n_mlps, width=width, depth=depth, n_samples=n_samples, root_seed=7)
            out = os.path.join(tmp, f"ray-{workers}")
            t0 = time.perf_counter()
            B.bake(spec, out, ray_address="local")
            rows.append((workers, time.perf_counter() - t0))
        finally:
            ray.shutdown()
    return rows


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", help="python of an isolated venv with whestbench==0.16.2")
    p.add_argument("--shapes", default="256x8:4:200000,1024x16:2:20000")
    p.add_argument("--ray-shape", default="256x8:4:200000")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'shape':<10}{'MLPs':>6}{'samples':>10}{'ours s':>9}{'ours samples/s':>17}"
              f"{'upstream s':>12}{'upstream samples/s':>20}{'ratio':>8}")
        for text in args.shapes.split(","):
            width, depth, n_mlps, n_samples = parse_shape(text)
            seeds = os.path.join(tmp, f"seeds-{width}x{depth}.json")
            with open(seeds, "w") as f:
                json.dump([1000 + i for i in range(n_mlps)], f)
            total = n_mlps * n_samples
            ours = timed(bake_commands(sys.executable, False, width, depth, n_mlps, n_samples, seeds,
                                       os.path.join(tmp, f"ours-{width}")), tmp)
            line = f"{f'{width}x{depth}':<10}{n_mlps:>6}{n_samples:>10}{ours:>9.1f}{total / ours:>17,.0f}"
            if args.upstream:
                up = timed(bake_commands(args.upstream, True, width, depth, n_mlps, n_samples, seeds,
                                         os.path.join(tmp, f"up-{width}")), tmp)
                line += f"{up:>12.1f}{total / up:>20,.0f}{up / ours:>7.1f}x"
            print(line)
        if args.ray_shape:
            width, depth, n_mlps, n_samples = parse_shape(args.ray_shape)
            rows = ray_scaling(width, depth, n_mlps, n_samples, tmp)
            base = rows[0][1]
            for workers, wall in rows:
                print(f"ray {width}x{depth}, {n_mlps} MLPs x {n_samples:,} samples, {workers} worker(s): "
                      f"{wall:.1f} s, {n_mlps * n_samples / wall:,.0f} samples/s, speed-up {base / wall:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
