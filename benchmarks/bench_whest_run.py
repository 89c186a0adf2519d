"""Wall time of `whest run` here against upstream whestbench 0.16.2, side by side,
on the same flags and the same estimator file.

    python benchmarks/bench_whest_run.py --upstream /tmp/upstream/bin/python
        [--n-mlps 10 --width 256 --depth 8 --n-samples 200000 --runner local --repeat 2]
        [--participants] [--cost-model flopscope-0.12]

--participants adds the participant-style estimators of tests/whestbench/fixtures/participants/
(whitened Monte Carlo with eigh, Strassen with take/put_along_axis, a norm.ppf Latin hypercube,
mixed-precision mean propagation, covariance propagation with as_symmetric); --cost-model is
ours (flopscope-0.12: the same bills as upstream's grader, printed per MLP on both sides).

`--upstream` is an interpreter with upstream's packages, kept apart from ours
(never importable by our package), e.g.:
    python -m venv /tmp/upstream && /tmp/upstream/bin/pip install whestbench==0.16.2
Each run is a fresh process (`python -m whestbench run ... --format json`; upstream
through its own `whestbench.cli.main`, with only the width and depth of its
default contest swapped when they are not its fixed 1024 x 16);
the best of --repeat runs is reported per side, with the ratio ours / upstream
and the score each side printed (they differ only by the ground-truth draws:
upstream samples with NumPy, we with the C++ sampler).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
PARTICIPANTS = ROOT / "tests" / "whestbench" / "fixtures" / "participants"
ESTIMATORS = {
    "monte-carlo": ROOT / "examples" / "monte_carlo_estimator.py",
}
# Upstream's reference estimator, loaded by class from our templates would not be
# upstream's own; a file that only uses the shared SDK runs on both.
MEAN_PROPAGATION = '''
import flopscope as flops
import flopscope.numpy as fnp
from whestbench import BaseEstimator


class Estimator(BaseEstimator):
    """Mean propagation through each ReLU layer (Gaussian pre-activations)."""

    def predict(self, mlp, budget):
        mu = fnp.zeros(mlp.width)
        var = fnp.ones(mlp.width)
        rows = []
        for w in mlp.weights:
            m = mu @ w
            s = fnp.sqrt(fnp.maximum((var @ (w * w)), 1e-12))
            z = m / s
            mu = m * flops.stats.norm.cdf(z) + s * flops.stats.norm.pdf(z)
            var = fnp.maximum((m * m + s * s) * flops.stats.norm.cdf(z) + m * s * flops.stats.norm.pdf(z) - mu * mu,
                              0.0)
            rows.append(mu)
        return fnp.stack(rows)
'''


# Upstream's live runs are fixed at its graded shape (1024 x 16): for another
# shape this driver swaps the width and depth of its default contest spec and
# then runs its own `whest` main, so everything else is upstream's code path.
UPSTREAM_DRIVER = """
import dataclasses, sys
import whestbench.cli as cli
width, depth = int(sys.argv[1]), int(sys.argv[2])
default = cli._default_contest_spec
cli._default_contest_spec = lambda: dataclasses.replace(default(), width=width, depth=depth)
sys.exit(cli.main(sys.argv[3:]))
"""


def run(python: str, estimator: pathlib.Path, args: argparse.Namespace) -> tuple[float, dict]:
    common = ["run", "--estimator", str(estimator), "--runner", args.runner, "--n-mlps", str(args.n_mlps),
              "--n-samples", str(args.n_samples), "--seed", "1", "--format", "json"]
    if python == sys.executable:
        cmd = [python, "-m", "whestbench", *common, "--width", str(args.width), "--depth", str(args.depth)]
        if args.cost_model:
            cmd += ["--cost-model", args.cost_model]
    else:
        cmd = [python, "-c", UPSTREAM_DRIVER, str(args.width), str(args.depth), *common]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{python}: exit {done.returncode}\n{done.stderr[-2000:]}")
    start = done.stdout.find("{")
    return wall, json.loads(done.stdout[start:])


def score_of(report: dict) -> str:
    """The run's adjusted final-layer score (report schema, section 6)."""
    value = report.get("results", {}).get("adjusted_final_layer_score")
    return "?" if value is None else f"{value:.3g}"


def flops_of(report: dict) -> str:
    """FLOPs of the first MLP (each side's own count)."""
    per_mlp = report.get("results", {}).get("per_mlp") or [{}]
    value = per_mlp[0].get("flops_used")
    return "?" if value is None else f"{value:,}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True, help="python of an isolated venv with whestbench==0.16.2")
    p.add_argument("--n-mlps", type=int, default=10)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--n-samples", type=int, default=200_000)
    p.add_argument("--runner", default="local")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--participants", action="store_true", help="also the participant-style estimators")
    p.add_argument("--cost-model", default=None, help="our cost model (upstream's is its own)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mean_prop = pathlib.Path(tmp) / "mean_propagation.py"
        mean_prop.write_text(MEAN_PROPAGATION)
        estimators = {**ESTIMATORS, "mean-propagation": mean_prop}
        if args.participants:
            estimators.update({f.stem: f for f in sorted(PARTICIPANTS.glob("*.py"))})
        print(f"whest run --runner {args.runner} --n-mlps {args.n_mlps} --width {args.width} --depth {args.depth} "
              f"--n-samples {args.n_samples}; best of {args.repeat}")
        print(f"{'estimator':<20}{'ours s':>9}{'upstream s':>12}{'ratio':>8}{'our score':>12}{'upstream score':>16}"
              f"{'our FLOPs/MLP':>16}{'upstream FLOPs/MLP':>20}")
        for name, path in estimators.items():
            ours = min((run(sys.executable, path, args) for _ in range(args.repeat)), key=lambda r: r[0])
            theirs = min((run(args.upstream, path, args) for _ in range(args.repeat)), key=lambda r: r[0])
            print(f"{name:<20}{ours[0]:>9.1f}{theirs[0]:>12.1f}{ours[0] / theirs[0]:>8.2f}"
                  f"{score_of(ours[1]):>12}{score_of(theirs[1]):>16}{flops_of(ours[1]):>16}{flops_of(theirs[1]):>20}")


if __name__ == "__main__":
    main()
