"""Seeded random differential tests against NumPy: the same calls, with random
shapes, dtypes and keyword arguments, through fnp.*, through np.* on flopscope
arrays and (ufuncs) through the operators' functions. They must agree with NumPy
on success or failure, give NumPy's bits, dtype and shape as flopscope arrays,
charge nothing when they fail, and (ufuncs) charge nout * broadcast size."""

import math
import random
import warnings

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp

SHAPES = [(), (1,), (3,), (2, 3), (2, 1), (0,), (4, 0), (2, 1, 3)]
DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint16, np.bool_, np.complex128]
UFUNCS = sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc) and hasattr(fnp, n))


def make(rng, shape, dtype):
    data = (np.arange(math.prod(shape)) * 7 % 5) - 1.5
    return data.astype(dtype).reshape(shape)


def run_counted(fn):
    """(result, error, flops charged) of fn() inside a fresh budget."""
    with flops.BudgetContext(flop_budget=10**12, quiet=True) as ctx:
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fn(), None, ctx.flops_used
        except Exception as e:  # noqa: BLE001 - compared with NumPy's outcome
            return None, e, ctx.flops_used


def run_numpy(fn):
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(), None
    except Exception as e:  # noqa: BLE001
        return None, e


def assert_same(ref, got, where):
    if isinstance(ref, bool):  # allclose, array_equal, array_equiv return Python bools
        assert type(got) is type(ref) and got == ref, where
        return
    refs = ref if isinstance(ref, tuple) else (ref,)
    gots = got if isinstance(got, tuple) else (got,)
    assert len(refs) == len(gots), where
    for r, g in zip(refs, gots):
        assert isinstance(g, fnp.ndarray), (where, type(g))
        r, g = np.asarray(r), np.asarray(g)
        assert (r.dtype, r.shape) == (g.dtype, g.shape), where
        assert np.array_equal(r, g, equal_nan=True), where


# The primer's complex factors of the ufuncs (cost-model.md, "Complex operands"): the real
# operations of the complex formula; 2 (both parts) for the others; comparisons 1.
PRIMER_COMPLEX = {
    "multiply": 6, "square": 6, "reciprocal": 6, "divide": 11, "true_divide": 11, "absolute": 4, "abs": 4,
    "sign": 6, "exp": 5, "expm1": 6, "exp2": 7, "log": 6, "log2": 8, "log10": 8, "log1p": 7, "sqrt": 10,
    "sin": 6, "cos": 6, "sinh": 6, "cosh": 6, "tan": 9, "tanh": 9, "power": 17, "pow": 17, "float_power": 17,
    **dict.fromkeys(["arcsin", "arccos", "arcsinh", "arccosh", "asin", "acos", "asinh", "acosh"], 26),
    **dict.fromkeys(["arctan", "arctanh", "atan", "atanh"], 23),
    **dict.fromkeys(["equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "maximum",
                     "minimum", "fmax", "fmin"], 1),
}


def primer_complex_factor(name, inputs, kw):
    """A call with a complex input runs NumPy's complex loop (unless dtype= asks for a real one)."""
    complex_call = any(x.dtype.kind == "c" for x in inputs) and np.dtype(kw.get("dtype", np.complex128)).kind == "c"
    return PRIMER_COMPLEX.get(name, 2) if complex_call else 1


@pytest.mark.parametrize("seed", range(6))
def test_random_ufunc_calls_match_numpy(seed):
    rnd = random.Random(seed)
    for _ in range(250):
        name = rnd.choice(UFUNCS)
        u = getattr(np, name)
        inputs = [make(rnd, rnd.choice(SHAPES), rnd.choice(DTYPES)) for _ in range(u.nin)]
        kw = {}
        r = rnd.random()
        if r < 0.2:
            kw["dtype"] = rnd.choice(DTYPES)
        elif r < 0.3:
            kw["where"] = np.array(True)
        elif r < 0.45:
            kw["casting"] = rnd.choice(["no", "unsafe", "same_kind"])
        route = rnd.choice(["fnp", "np_on_flopscope"])
        ref, ref_err = run_numpy(lambda: u(*inputs, **kw))
        if route == "fnp":
            got, err, used = run_counted(lambda: getattr(fnp, name)(*inputs, **kw))
        else:
            got, err, used = run_counted(lambda: u(*[fnp.asarray(x) for x in inputs], **kw))
        where = (name, route, [x.shape for x in inputs], [x.dtype.name for x in inputs], kw, ref_err, err)
        assert (ref_err is None) == (err is None), where
        if err is not None:
            assert used == 0, where
            continue
        assert_same(ref, got, where)
        out_size = math.prod(np.broadcast_shapes(*[x.shape for x in inputs]))
        assert used == u.nout * out_size * primer_complex_factor(name, inputs, kw), where


FUNCTIONS = ["sum", "mean", "var", "std", "max", "min", "prod", "all", "any", "argmax", "argmin", "cumsum",
             "cumprod", "nansum", "nanmean", "nanmax", "nanmin", "count_nonzero", "ptp", "where", "clip",
             "round", "isclose", "dot", "inner", "outer", "vdot", "tensordot", "einsum", "sort", "argsort",
             "matmul", "partition", "argpartition", "searchsorted", "allclose", "array_equal", "array_equiv",
             "trace"]
EINSUMS = ["ij,jk->ik", "i,i->", "ij->j", "ij->ji", "bij,bjk->bik", "i,j->ij", "...i,...i->...", "ij,ij->"]
FSHAPES = [(), (3,), (2, 3), (2, 1, 3), (0, 3), (3, 3)]
FDTYPES = [np.float64, np.float32, np.int64, np.bool_, np.complex128]


def random_function_call(rnd):
    name = rnd.choice(FUNCTIONS)
    kw = {}
    arr = lambda dtype=None: make(rnd, rnd.choice(FSHAPES), dtype or rnd.choice(FDTYPES))  # noqa: E731
    if name == "einsum":
        spec = rnd.choice(EINSUMS)
        args = [spec] + [arr() for _ in range(spec.split("->")[0].count(",") + 1)]
        if rnd.random() < 0.4:
            kw["optimize"] = rnd.choice([True, False, "greedy", "optimal"])
    elif name in ("partition", "argpartition"):
        args = [arr(rnd.choice([np.float64, np.int64, np.float32])), rnd.choice([0, 1, -1, 2, [0, 1], (0, 2), 5])]
        if rnd.random() < 0.6:
            kw["axis"] = rnd.choice([None, 0, 1, -1, 3])
    elif name == "trace":
        args = [arr()]
        for key, choices in (("offset", [-3, -1, 0, 1, 2, 7]), ("axis1", [0, 1, -1, 2]), ("axis2", [0, 1, -1, 2])):
            if rnd.random() < 0.4:
                kw[key] = rnd.choice(choices)
    elif name == "searchsorted":
        args = [np.sort(make(rnd, rnd.choice([(0,), (1,), (5,), (9,)]), np.float64)), arr(np.float64)]
        if rnd.random() < 0.3:
            kw["side"] = rnd.choice(["left", "right"])
    elif name in ("dot", "inner", "outer", "vdot", "tensordot", "isclose", "matmul", "allclose", "array_equal",
                  "array_equiv"):
        args = [arr(), arr()]
        if name == "tensordot" and rnd.random() < 0.6:
            kw["axes"] = rnd.choice([0, 1, 2, ([0], [0]), ([1], [0])])
    elif name == "where":
        args = [arr(np.bool_), arr(), arr()]
    elif name == "clip":
        args = [arr(np.float64), rnd.choice([0, None, make(rnd, (3,), np.float64)]), rnd.choice([1, None])]
    else:
        args = [arr()]
        if rnd.random() < 0.7:
            kw["axis"] = rnd.choice([None, 0, 1, -1, 2, (0, 1), (0,), 5])
        if rnd.random() < 0.3 and name not in ("sort", "argsort", "cumsum", "cumprod", "argmax", "argmin", "round",
                                               "count_nonzero"):
            kw["keepdims"] = True
        if rnd.random() < 0.2 and name in ("sum", "mean", "prod", "cumsum", "nansum"):
            kw["dtype"] = rnd.choice(FDTYPES)
        if rnd.random() < 0.2 and name in ("var", "std"):
            kw["ddof"] = rnd.choice([0, 1, 5])
    return name, args, kw


@pytest.mark.parametrize("seed", range(6))
def test_random_function_calls_match_numpy(seed):
    rnd = random.Random(1000 + seed)
    for _ in range(250):
        name, args, kw = random_function_call(rnd)
        ref, ref_err = run_numpy(lambda: getattr(np, name)(*args, **kw))
        for route in ("fnp", "np_on_flopscope"):
            if route == "fnp":
                got, err, used = run_counted(lambda: getattr(fnp, name)(*args, **kw))
            else:
                fargs = [fnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
                got, err, used = run_counted(lambda: getattr(np, name)(*fargs, **kw))
            where = (name, route, [getattr(a, "shape", a) for a in args], kw, ref_err, err)
            assert (ref_err is None) == (err is None), where
            if err is not None:
                assert used == 0, where
                continue
            assert_same(ref, got, where)
