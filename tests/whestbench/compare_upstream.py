"""Side-by-side checks against upstream whestbench 0.16.2 (a manual script, not part of the suite).

    pip install --target /tmp/upstream-wb whestbench==0.16.2
    python tests/whestbench/compare_upstream.py /tmp/upstream-wb

Upstream runs only in subprocesses with PYTHONPATH set to its folder; nothing of it is imported
here. Checks: sample_mlp weights bit for bit; dataset scores equal; `whest run` wall time for
10 MLPs at 256x8 with 200,000 samples and `whest smoke-test` wall time, ours vs upstream.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from whestbench import sample_mlp

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET = os.path.join(HERE, "data", "upstream-datasets", "multi_split_v3.0")
CASES = [(4, 2, 0), (64, 3, 7), (256, 8, 123), (1024, 2, 99)]

UPSTREAM_WEIGHTS = """
import sys, numpy as np, flopscope.numpy as fnp
from whestbench.generation import sample_mlp
out = {}
for w, d, s in %r:
    m = sample_mlp(w, d, fnp.random.default_rng(np.random.SeedSequence(s)))
    out[f"{w}_{d}_{s}"] = np.stack([np.asarray(x) for x in m.weights])
np.savez(sys.argv[1], **out)
""" % (CASES,)

UPSTREAM_RUN_256 = """
import dataclasses, sys
import whestbench.cli as cli
default = cli._default_contest_spec
cli._default_contest_spec = lambda: dataclasses.replace(default(), width=256, depth=8)  # upstream has no --width
sys.exit(cli.main(sys.argv[1:]))
"""

ZEROS = """import flopscope.numpy as fnp
from whestbench import BaseEstimator
class Estimator(BaseEstimator):
    def predict(self, mlp, budget):
        return fnp.zeros((mlp.depth, mlp.width), dtype=fnp.float32) + 0.25
"""


def upstream(folder, args, script=None):
    env = dict(os.environ, PYTHONPATH=folder)
    cmd = [sys.executable, "-c", script] if script else [sys.executable, os.path.join(folder, "bin", "whest")]
    t = time.perf_counter()
    proc = subprocess.run(cmd + args, env=env, capture_output=True, text=True)
    return proc, time.perf_counter() - t


def ours(args):
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "whestbench"] + args, capture_output=True, text=True)
    return proc, time.perf_counter() - t


def main(folder):
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "w.npz")
    proc, _ = upstream(folder, [path], UPSTREAM_WEIGHTS)
    assert proc.returncode == 0, proc.stderr
    up = np.load(path)
    for w, d, s in CASES:
        mine = sample_mlp(w, d, np.random.default_rng(np.random.SeedSequence(s))).stacked_weights()
        print(f"weights {w}x{d} seed {s}: identical = {np.array_equal(up[f'{w}_{d}_{s}'], mine)}")

    est = os.path.join(tmp, "quarter.py")
    with open(est, "w") as fh:
        fh.write(ZEROS)
    args = ["run", "--estimator", est, "--dataset", DATASET, "--split", "holdout", "--format", "json"]
    a = json.loads(upstream(folder, args)[0].stdout)["results"]
    b = json.loads(ours(args)[0].stdout)["results"]
    for k in ("adjusted_final_layer_score", "final_layer_mse", "all_layers_mse"):
        print(f"dataset {k}: upstream {a[k]!r} ours {b[k]!r} equal = {a[k] == b[k]}")

    run = ["run", "--estimator", est, "--n-mlps", "10", "--n-samples", "200000", "--seed", "1", "--format", "json"]
    for label, fn in (("upstream", lambda: upstream(folder, run, UPSTREAM_RUN_256)),
                      ("ours", lambda: ours(run + ["--width", "256", "--depth", "8"]))):
        times = sorted(fn()[1] for _ in range(3))
        print(f"whest run 10 MLPs 256x8 200k samples, {label}: median {times[1]:.2f}s (runs {times})")
    for label, fn in (("upstream", lambda: upstream(folder, ["smoke-test", "--format", "json"])),
                      ("ours", lambda: ours(["smoke-test", "--format", "json"]))):
        times = sorted(fn()[1] for _ in range(3))
        print(f"whest smoke-test, {label}: median {times[1]:.2f}s (runs {times})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/upstream-wb")
