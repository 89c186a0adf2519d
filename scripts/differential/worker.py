"""Runs a differential corpus under whatever flopscope this interpreter imports
(ours, or upstream's in its isolated venv) and writes what each call did.

    python worker.py CORPUS.json OUT.json

Per case: the FLOPs charged, whether it raised (and the exception type), and
a digest of the result (dtype, shape and bytes of every array in it). Inputs
are rebuilt from their description with a seeded NumPy generator, so both
sides see the same values. Only flopscope's public API is used.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings

import numpy as np

import flopscope as flops
import flopscope.numpy as fnp

DTYPES = {"f2": np.float16, "f4": np.float32, "f8": np.float64, "c8": np.complex64, "c16": np.complex128,
          "i8": np.int64, "i4": np.int32, "u1": np.uint8, "b1": np.bool_}


def values(spec, rng):
    """The NumPy value of an argument description (also used by run.py to test
    which calls NumPy accepts)."""
    kind = spec["kind"]
    if kind == "value":
        return spec["value"]
    if kind == "complex":
        return complex(spec["re"], spec["im"])
    if kind == "list":
        return [values(s, rng) for s in spec["items"]]
    if kind == "dtype":
        return np.dtype(spec["name"])
    if kind != "array":
        raise ValueError(f"unknown argument kind {kind!r}")
    dt = DTYPES[spec["dtype"]]
    shape = tuple(spec["shape"])
    x = rng.standard_normal(shape)
    if spec.get("positive"):
        x = np.abs(x) + 0.5
    if spec.get("spd"):  # symmetric positive definite stacks (cholesky, eigh, solve)
        x = x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])
    if np.issubdtype(dt, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    if np.issubdtype(dt, np.integer):
        x = np.round(np.abs(x) * 3) if spec.get("positive") else np.round(x * 3)
    if dt is np.bool_:
        x = x > 0
    return np.asarray(x).astype(dt)


def build(spec, rng):
    """The argument as the op under test receives it: arrays as flopscope arrays."""
    v = values(spec, rng)
    if spec["kind"] == "array":
        return fnp.asarray(v)
    if spec["kind"] == "list":
        return [fnp.asarray(x) if isinstance(x, np.ndarray) else x for x in v]
    return v


def resolve(name):
    obj = fnp
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def digest(result):
    h = hashlib.sha256()

    def walk(r):
        if isinstance(r, (tuple, list)):
            for item in r:
                walk(item)
            return
        if r is None or not isinstance(r, (np.ndarray, np.generic, int, float, complex, bool)):
            h.update(type(r).__name__.encode())  # a context manager, a dtype, ...: its type only
            return
        a = np.asarray(r)
        a = np.ascontiguousarray(a.view(np.ndarray) if isinstance(a, np.ndarray) else a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())

    walk(result)
    return h.hexdigest()[:16]


def run_case(case):
    rng = np.random.default_rng(case["seed"])
    if "code" in case:  # an expression over the arrays a, b, c (expressions.py)
        arrays = [build(s, rng) for s in case["args"]]
        names = dict(zip("abc", arrays), fnp=fnp, np=np, flops=flops)
        fn, args, kwargs = (lambda: eval(case["code"], names)), [], {}  # noqa: S307 - our own corpus
    else:
        try:
            fn = resolve(case["op"])
        except AttributeError:
            return {"status": "missing"}
        args = [build(s, rng) for s in case["args"]]
        kwargs = {k: build(v, rng) for k, v in case["kwargs"].items()}
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a refusal is a result here
            return {"status": "raised", "error": type(exc).__name__, "flops": int(ctx.flops_used),
                    "names": op_names(ctx)}
    return {"status": "ok", "flops": int(ctx.flops_used), "digest": digest(result), "names": op_names(ctx)}


def op_names(ctx):
    """The op names the call's breakdown reports, with their FLOPs ({name: flops})."""
    return {op: int(r["flop_cost"]) for op, r in ctx.summary_dict().get("operations", {}).items()}


def main() -> None:
    with open(sys.argv[1]) as f:
        corpus = json.load(f)
    out = {case["id"]: run_case(case) for case in corpus}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
