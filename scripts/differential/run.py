"""Differential harness: every public op of flopscope.numpy (and linalg, fft)
over generated shapes, dtypes, Python-scalar operands and axis/keepdims
variants, run once under upstream flopscope 0.12.4 and once under ours;
compares the FLOPs charged, the refusals and the results, by op family.

    python scripts/differential/run.py --upstream /tmp/upstream/bin/python \\
        [--cost-model primer] [--ops add,sum,...] [--details OUT.json]

`--upstream` is an interpreter of an isolated venv with flopscope==0.12.4
(never importable by our package: it runs in its own process, from a temporary
directory). Each side runs worker.py on the same corpus (JSON), in a
subprocess. With the default profile (primer) the FLOP columns measure how far
our default billing is from upstream's; with the upstream profile they must
agree (issue: "Upstream's cost model as the profile flopscope-0.12").
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from expressions import SYMMETRIC_EXPRESSIONS, expression_cases  # noqa: E402
from worker import values as raw  # noqa: E402  (the same construction on both sides)
SHAPES = [[], [0], [7], [3, 4], [2, 3, 4]]
MATRIX_SHAPES = [[4, 4], [2, 3, 3], [0, 0], [5, 3]]
DTYPES = ["f8", "f4", "f2", "c16", "c8", "i8", "i4", "u1", "b1"]


def A(shape, dtype="f8", **flags):
    return {"kind": "array", "shape": list(shape), "dtype": dtype, **flags}


def D(name):
    return {"kind": "dtype", "name": name}


def V(value):
    if isinstance(value, complex):  # JSON has no complex numbers
        return {"kind": "complex", "re": value.real, "im": value.imag}
    return {"kind": "value", "value": value}


# Argument templates tried in order; the first NumPy accepts at the base shape is the op's.
TEMPLATES = [
    lambda s, d: [A(s, d)],
    lambda s, d: [A(s, d), A(s, d)],
    lambda s, d: [A(s, d), A(s[::-1], d)],  # contractions: (3, 4) with (4, 3)
    lambda s, d: [A(s, d, positive=True)],
    lambda s, d: [A(s, d), V(1)],
    lambda s, d: [A(s, d), V(0.5)],
    lambda s, d: [A(s, d), A(s, d), A(s, d)],
    lambda s, d: [V(5)],
    lambda s, d: [V(0.0), V(1.0), V(5)],
    lambda s, d: [{"kind": "list", "items": [A(s, d), A(s, d)]}],
]
VALUE_TEMPLATES = TEMPLATES[7:9]  # Python values only: the shape and dtype loops vary nothing


def numpy_twin(name):
    obj = np
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def try_numpy(fn, args, kwargs):
    """(True, NumPy's result) for these argument descriptions, or (False, None) if NumPy refuses."""
    rng = np.random.default_rng(0)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return True, fn(*[raw(a, rng) for a in args], **{k: raw(v, rng) for k, v in kwargs.items()})
    except Exception:  # noqa: BLE001
        return False, None


def accepts(fn, args, kwargs):
    return try_numpy(fn, args, kwargs)[0]


def public_ops():
    import flopscope.numpy as fnp

    names = []
    for prefix, module in (("", fnp), ("linalg.", fnp.linalg), ("fft.", fnp.fft)):
        for name in sorted(set(module.__all__)):
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type) and name not in {"save", "savez", "savez_compressed",
                                                                           "load", "savetxt", "loadtxt"}:
                names.append(prefix + name)
    return names


def corpus_for(op, case_id):
    fn = numpy_twin(op)
    if fn is None:
        return []
    matrix = op.startswith("linalg.")
    base = [4, 4] if matrix else [3, 4]
    template = None
    for t in TEMPLATES:
        args = t(base, "f8")
        if matrix:
            args = [dict(a, spd=True) if a["kind"] == "array" else a for a in args]
        if accepts(fn, args, {}):
            template = t
            break
    if template is None:
        return []
    if template in VALUE_TEMPLATES and not matrix:
        # An op that needs an axis= for n-d input (cumulative_sum): its arrays at a 1-d base.
        for t in TEMPLATES:
            if t not in VALUE_TEMPLATES and accepts(fn, t([7], "f8"), {}):
                template, base = t, [7]
                break
    t = template
    cases = []

    def add(args, kwargs=None):
        cases.append({"id": f"{case_id}-{len(cases)}", "op": op, "args": args, "kwargs": kwargs or {},
                      "seed": len(cases)})

    for shape in (MATRIX_SHAPES if matrix else SHAPES):
        for dtype in DTYPES:
            args = t(shape, dtype)
            if matrix:
                args = [dict(a, spd=True) if a["kind"] == "array" and shape[-1] == shape[-2] else a for a in args]
            add(args)
    args = t(base, "f8")
    if matrix:
        args = [dict(a, spd=True) if a["kind"] == "array" else a for a in args]
    n_arrays = sum(a["kind"] == "array" for a in args)
    if n_arrays == 2 and not matrix:  # broadcasting and Python-scalar operands
        add([A([3, 4]), A([4])])
        add([A([3, 1]), A([1, 4], "f4")])
        for value in (2, 2.5, True, 1j):
            add([A([3, 4], "f4"), V(value)])
            add([V(value), A([3, 4], "i4")])
    for kwargs in ({"axis": 0}, {"axis": -1}, {"keepdims": True}, {"axis": 0, "keepdims": True}):
        if accepts(fn, args, {k: V(v) for k, v in kwargs.items()}):
            add(args, {k: V(v) for k, v in kwargs.items()})
    # out= buffers of a wider and a narrower type, and explicit dtype= (spec 2.3).
    shape = result_shape(fn, args)
    if shape is not None:
        for dtype in ("f8", "f4"):
            if accepts(fn, args, {"out": A(shape, dtype)}):
                add(args, {"out": A(shape, dtype)})
    for name in ("float64", "float32"):
        if accepts(fn, args, {"dtype": D(name)}):
            add(args, {"dtype": D(name)})
    return cases


def result_shape(fn, args):
    """The shape of NumPy's (single array) result for these arguments, or None."""
    _, r = try_numpy(fn, args, {})
    return list(r.shape) if isinstance(r, np.ndarray) else None


def family_of(op, table):
    import flopscope.numpy as fnp

    if op.startswith("expr: "):
        return "expressions"
    if op.startswith(("linalg.", "fft.")):
        return op.split(".")[0]
    obj = getattr(fnp, op, None)
    if hasattr(obj, "numpy_ufunc"):
        return "ufunc:" + ("elementwise" if obj.numpy_ufunc.signature is None else "contraction")
    return table.get(op, "?")


def run_side(python, corpus_path, out_path, cwd, env=None):
    done = subprocess.run([python, str(HERE / "worker.py"), corpus_path, out_path], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise SystemExit(f"{python} worker failed:\n{done.stderr[-3000:]}")
    with open(out_path) as f:
        return json.load(f)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True, help="python of an isolated venv with flopscope==0.12.4")
    p.add_argument("--cost-model", default=None, help="our profile (default: flopscope's default)")
    p.add_argument("--ops", default=None, help="comma-separated op names (default: every public op)")
    p.add_argument("--details", default=None, help="write every mismatch to this JSON file")
    p.add_argument("--symmetric", action="store_true", help="only the symmetric-tensor expressions")
    args = p.parse_args()
    import flopscope as flops

    table = flops.accounting.op_table()
    ops = args.ops.split(",") if args.ops else public_ops()
    corpus = [c for i, op in enumerate(ops) for c in corpus_for(op, i)]
    if args.symmetric:
        corpus = expression_cases(len(ops), SYMMETRIC_EXPRESSIONS)
    elif not args.ops:
        corpus += expression_cases(len(ops))
    with tempfile.TemporaryDirectory() as tmp:
        corpus_path = os.path.join(tmp, "corpus.json")
        with open(corpus_path, "w") as f:
            json.dump(corpus, f)
        env_model = {"FLOPSCOPE_COST_MODEL": args.cost_model} if args.cost_model else {}
        ours = run_side(sys.executable, corpus_path, os.path.join(tmp, "ours.json"), tmp, env_model)
        theirs = run_side(args.upstream, corpus_path, os.path.join(tmp, "theirs.json"), tmp)

    rows = collections.defaultdict(lambda: collections.Counter())
    by_op = collections.defaultdict(lambda: collections.Counter())
    details = []
    for case in corpus:
        o, t = ours[case["id"]], theirs[case["id"]]
        fam = family_of(case["op"], table)
        r = rows[fam]
        r["cases"] += 1
        if t["status"] == "missing" or o["status"] == "missing":
            r["missing"] += 1
            continue
        kind = None
        if (o["status"] == "raised") != (t["status"] == "raised"):
            kind = "refusal"
        elif o["status"] == "ok" and o["digest"] != t["digest"]:
            kind = "result"
        elif o["status"] == "raised" and o["flops"] == 0 and t["flops"] > 0:
            # Both refused; upstream keeps what it charged before NumPy raised
            # (spec 4.2: failed calls are not refunded). Ours costs nothing by design.
            kind = "billed_refusal"
        elif o["flops"] != t["flops"]:
            kind = "flops"
        elif o.get("names") != t.get("names"):
            kind = "names"  # same bill, reported under another op name in the breakdown
        if kind is None:
            r["equal"] += 1
        else:
            r[kind] += 1
            by_op[case["op"]][kind] += 1
            details.append({"case": case, "ours": o, "upstream": t, "mismatch": kind})
    print(f"corpus: {len(corpus)} cases over {len(ops)} ops; our profile: {args.cost_model or 'the default'}")
    print(f"{'family':<26}{'cases':>7}{'equal':>7}{'flops':>7}{'names':>7}{'refusal':>9}{'result':>8}{'missing':>9}"
          f"{'billed refusal':>16}")
    total = collections.Counter()
    for fam in sorted(rows):
        r = rows[fam]
        total.update(r)
        print(f"{fam:<26}{r['cases']:>7}{r['equal']:>7}{r['flops']:>7}{r['names']:>7}{r['refusal']:>9}{r['result']:>8}"
              f"{r['missing']:>9}{r['billed_refusal']:>16}")
    print(f"{'all':<26}{total['cases']:>7}{total['equal']:>7}{total['flops']:>7}{total['names']:>7}{total['refusal']:>9}"
          f"{total['result']:>8}{total['missing']:>9}{total['billed_refusal']:>16}")
    print("billed refusal: both refused the call; upstream keeps the FLOPs it charged before NumPy "
          "raised (spec 4.2), ours charges nothing (a deliberate deviation)")
    worst = sorted(by_op.items(), key=lambda kv: -sum(kv[1].values()))[:15]
    print("most mismatched ops: " + ", ".join(f"{op} ({sum(c.values())})" for op, c in worst))
    if args.details:
        with open(args.details, "w") as f:
            json.dump(details, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
