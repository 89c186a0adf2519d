"""Round trip with upstream whestbench 0.16.2: a dataset we bake (whole, and in
slices merged) must load in upstream's own loader with the weights, seeds and
names upstream itself derives, and score with upstream's `whest run --dataset`.

    python scripts/check_upstream_datasets.py --upstream /tmp/upstream/bin/python

`--upstream` is an interpreter of an isolated venv with whestbench==0.16.2 (never
importable by our package). Prints one line per check and exits non-zero on a
mismatch. The reverse direction (upstream-written datasets load in ours) is in
the test suite (tests/whestbench/test_datasets.py).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Runs under upstream: loads our dataset with upstream's loader and re-derives
# each MLP from its input seed with upstream's own code.
UPSTREAM_CHECK = r"""
import json, sys
import numpy as np
from whestbench.dataset import load_dataset, mlp_at
from whestbench.seeds import derive_seed_streams, derive_estimator_seed
from whestbench.generation import sample_mlp
from whestbench.naming import assign_unique_names
import flopscope.numpy as fnp

ds = load_dataset(sys.argv[1], **({"split": sys.argv[2]} if len(sys.argv) > 2 else {}))
seeds = [int(s) for s in ds["mlp_seed"]]
names = assign_unique_names([derive_estimator_seed(s) for s in seeds])
bad = []
for i, s in enumerate(seeds):
    mlp = mlp_at(ds, i)
    w_ss = derive_seed_streams(s)[0]
    ref = sample_mlp(mlp.width, mlp.depth, fnp.random.default_rng(w_ss))
    same = all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(mlp.weights, ref.weights))
    if not same:
        bad.append(f"weights of MLP {i}")
    if mlp.seed != derive_estimator_seed(s):
        bad.append(f"estimator seed of MLP {i}")
    if ds[i]["mlp_name"] != names[i]:
        bad.append(f"name of MLP {i}: {ds[i]['mlp_name']} != {names[i]}")
print(json.dumps({"n_mlps": len(seeds), "mismatches": bad}))
"""


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    args = p.parse_args()
    from whestbench import bake as B
    from whestbench.merge import combine_splits, merge_datasets

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        spec = dict(n_mlps=6, width=32, depth=3, n_samples=20_000, root_seed=2026)
        whole = B.bake(B.make_spec(**spec), f"{tmp}/whole")
        parts = [B.bake(B.make_spec(**spec, mlp_range=B.parse_slice(f"{k}/3", 6)), f"{tmp}/part{k}")
                 for k in range(3)]
        merged = merge_datasets(parts, f"{tmp}/merged")
        holdout = B.bake(B.make_spec(**{**spec, "root_seed": 7}, split="holdout"), f"{tmp}/holdout")
        combined = combine_splits([whole, holdout], f"{tmp}/combined")
        for name, path, split in (("whole bake", whole, None), ("3 slices merged", merged, None),
                                  ("combined splits (holdout)", combined, "holdout")):
            out = subprocess.run([args.upstream, "-c", UPSTREAM_CHECK, path, *([split] if split else [])],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(f"FAIL upstream could not load our {name}:\n{out.stderr[-1500:]}")
                failures += 1
                continue
            result = json.loads(out.stdout.strip().splitlines()[-1])
            ok = not result["mismatches"]
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} upstream loads our {name}: {result['n_mlps']} MLPs, weights, "
                  f"estimator seeds and names as upstream derives them {result['mismatches'] or ''}")
        whest = pathlib.Path(args.upstream).parent / "whest"
        run = subprocess.run([str(whest), "run", "--estimator", str(ROOT / "examples" / "monte_carlo_estimator.py"),
                              "--dataset", whole, "--format", "json"], capture_output=True, text=True, cwd=tmp)
        ok = run.returncode == 0 and "adjusted_final_layer_score" in run.stdout
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} upstream `whest run --dataset` scores against our bake"
              + ("" if ok else f":\n{run.stderr[-1500:]}"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
