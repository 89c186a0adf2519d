"""einsum execution: flopscope's fnp.einsum against raw NumPy and opt_einsum, same expression and data.

For 3-6-operand expressions at n = 16-512 prints the best time of one call (ms) of:
  numpy      np.einsum(subscripts, *ops, optimize=True) (NumPy's greedy search, then its pairwise steps)
  np-path    np.einsum(subscripts, *ops, optimize=['einsum_path', *our path]): what ours hands NumPy,
             without our pricing and budget (ours - np-path = our added time per call)
  ours       fnp.einsum(..., optimize=True) under the primer: our path search, pricing and the
             budget, then NumPy along our path
  ours-0.12  fnp.einsum(...) without optimize= under flopscope-0.12, which prices the call by
             its optimal/greedy path (einsum.path_summed) and runs NumPy along it
  opt_einsum opt_einsum.contract(subscripts, *ops) (its 'auto' path, then its own BLAS steps)
and the ratios ours / numpy and ours-0.12 / numpy (< 1: ours is faster). The calls are timed in
alternating rounds so that machine drift hits all alike, with one BLAS thread
(OPENBLAS_NUM_THREADS=1 unless set). (A primer call without optimize= is
priced as NumPy's one nested loop over every index and runs that loop: not timed here.)

Optionally also times upstream flopscope 0.12.4's fnp.einsum (its default optimize='auto'),
given by --upstream PATH: a folder it was installed into with
`pip install --target PATH flopscope==0.12.4` (run in a subprocess with `python -S`, never
imported here), or the python of a venv that has it.

Run: python benchmarks/bench_einsum_exec.py [--quick] [--upstream PATH]   (needs opt_einsum: pip install ".[bench]")
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

# One BLAS thread unless told otherwise: on a shared machine, threads make the
# BLAS steps' times depend on the other tenants more than on the path.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import opt_einsum  # noqa: E402

import flopscope as flops  # noqa: E402
import flopscope.numpy as fnp  # noqa: E402
from flopscope import accounting  # noqa: E402


def cases(quick: bool):
    """(subscripts, n, shapes)."""
    def sq(n, k):
        return [(n, n)] * k

    table = [
        ("ij,ia,jb->ab", (64, 128, 256, 512), lambda n: sq(n, 3)),
        ("ij,jk,kl->il", (64, 256, 512), lambda n: sq(n, 3)),
        ("bi,bj,ij->b", (64, 256, 512), lambda n: sq(n, 3)),
        ("ai,bj,ck,ijk->abc", (16, 32, 64), lambda n: sq(n, 3) + [(n, n, n)]),
        ("ij,jk,kl,lm->im", (64, 256, 512), lambda n: sq(n, 4)),
        ("ab,bc,cd,de,ef->af", (64, 256), lambda n: sq(n, 5)),
        ("ab,bc,cd,de,ef,fg->ag", (64, 256), lambda n: sq(n, 6)),
    ]
    for subs, ns, shapes in table:
        for n in ns[:2] if quick else ns:
            yield subs, n, shapes(n)


def timed(model: str | None, fn, number: int) -> float:
    """Seconds for `number` calls of fn; ours inside one budget under `model`."""
    if model is None:
        t = time.perf_counter()
        for _ in range(number):
            fn()
        return time.perf_counter() - t
    flops.configure(cost_model=model)
    with flops.BudgetContext(10**18, quiet=True):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        return time.perf_counter() - t


def best_ms(timers: dict, repeat: int) -> dict:
    """Best-of-`repeat` ms per call of each (model, fn) timer, in alternating rounds."""
    once = {name: timed(model, fn, 1) for name, (model, fn) in timers.items()}  # warm-up
    number = max(1, int(0.05 / max(min(once.values()), 1e-6)))
    best = {name: float("inf") for name in timers}
    for _ in range(repeat):
        for name, (model, fn) in timers.items():
            best[name] = min(best[name], timed(model, fn, number) / number)
    return {name: t * 1e3 for name, t in best.items()}


UPSTREAM_CODE = """
import sys, json, time
if {insert}: sys.path.insert(0, {path!r})
import numpy as np, flopscope as flops, flopscope.numpy as fnp
out = []
for subs, shapes in json.loads(sys.argv[1]):
    rng = np.random.default_rng(0)
    ops = [rng.standard_normal(s) for s in shapes]
    with flops.BudgetContext(flop_budget=10**18, quiet=True):
        fnp.einsum(subs, *ops)
        best = float("inf")
        for _ in range({repeat}):
            t = time.perf_counter(); fnp.einsum(subs, *ops); best = min(best, time.perf_counter() - t)
    out.append(best * 1e3)
print(json.dumps(out))
"""


def upstream_ms(path: str, todo: list, repeat: int) -> list | None:
    runs_itself = os.path.isfile(path) and os.access(path, os.X_OK)
    code = UPSTREAM_CODE.format(insert=not runs_itself, path=path, repeat=repeat)
    command = [path, "-c", code] if runs_itself else [sys.executable, "-S", "-c", code]
    out = subprocess.run(command + [json.dumps(todo)], capture_output=True, text=True, cwd="/")
    if out.returncode != 0:
        print("upstream flopscope not runnable:", out.stderr.strip().splitlines()[-1:])
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--upstream", help="folder with upstream flopscope 0.12.4 installed (pip --target)")
    args = parser.parse_args()
    repeat = 3 if args.quick else 15
    before = flops._budget._settings["cost_model"]
    print(f"numpy {np.__version__}, opt_einsum {opt_einsum.__version__}, python {sys.version.split()[0]}; "
          f"best of {repeat}, float64 operands")
    header = (f"{'expression':<24}{'n':>5}{'numpy ms':>10}{'np-path ms':>12}{'ours ms':>10}{'ours-0.12 ms':>14}"
              f"{'opt_einsum ms':>15}{'ours/np':>9}{'0.12/np':>9}")
    rows, todo = [], []
    for subs, n, shapes in cases(args.quick):
        rng = np.random.default_rng(0)
        ops = [rng.standard_normal(s) for s in shapes]
        path = ["einsum_path", *accounting.einsum_path(subs, shapes, True, cost_model="primer")[0]]
        timers = {
            "numpy": (None, lambda: np.einsum(subs, *ops, optimize=True)),
            "np-our-path": (None, lambda: np.einsum(subs, *ops, optimize=path)),
            "ours": ("primer", lambda: fnp.einsum(subs, *ops, optimize=True)),
            "ours-0.12": ("flopscope-0.12", lambda: fnp.einsum(subs, *ops)),
            "opt_einsum": (None, lambda: opt_einsum.contract(subs, *ops)),
        }
        rows.append((subs, n, best_ms(timers, repeat)))
        todo.append((subs, shapes))
    flops.configure(cost_model=before)
    up = upstream_ms(args.upstream, todo, repeat) if args.upstream else None
    print(header + ("" if up is None else f"{'upstream ms':>13}"))
    for i, (subs, n, t) in enumerate(rows):
        line = (f"{subs:<24}{n:>5}{t['numpy']:>10.3f}{t['np-our-path']:>12.3f}{t['ours']:>10.3f}{t['ours-0.12']:>14.3f}"
                f"{t['opt_einsum']:>15.3f}"
                f"{t['ours'] / t['numpy']:>9.2f}{t['ours-0.12'] / t['numpy']:>9.2f}")
        print(line + ("" if up is None else f"{up[i]:>13.3f}"))


if __name__ == "__main__":
    main()
