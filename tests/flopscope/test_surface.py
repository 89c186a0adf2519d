"""The counted surface: every exported name has a cost rule, every ufunc matches
NumPy bit for bit and is charged nout * numel(broadcast output), every counted
function is priced by the primer's rules, operators/methods/np.* calls are
counted like their functions."""

from __future__ import annotations

import math
import operator
import os
import tempfile

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import accounting

EXPORTED = flops._core.exported
TABLE = accounting.op_table()
RULES = {"free", "pointwise", "reduction", "deviation", "contraction", "sort", "external", "partition", "search",
         "linalg", "fft", "statistics", "distribution", "polynomial", "counting", "numeric"}
COUNTED_NAMES = sorted(n for n in fnp.__all__ if n in EXPORTED)
UFUNC_NAMES = sorted(n for n in COUNTED_NAMES if hasattr(EXPORTED[n], "numpy_ufunc"))
FUNCTION_NAMES = sorted(n for n in COUNTED_NAMES if not hasattr(EXPORTED[n], "numpy_ufunc"))


def cost_of(fn):
    """(result, flops charged) of fn() inside a fresh context."""
    with flops.BudgetContext(10**12, quiet=True) as ctx:
        result = fn()
    return result, ctx.flops_used


def plain(a):
    return np.asarray(a).view(np.ndarray) if isinstance(a, np.ndarray) else np.asarray(a)


def assert_same(actual, expected):
    """Bit-for-bit equality of values and dtype (tuples/lists element-wise)."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_same(a, e)
        return
    a, e = plain(actual), plain(expected)
    assert a.dtype == e.dtype, (a.dtype, e.dtype)
    assert a.shape == e.shape, (a.shape, e.shape)
    np.testing.assert_array_equal(a, e, strict=True)


def assert_fnp_arrays(result):
    if isinstance(result, (tuple, list)):
        for r in result:
            assert_fnp_arrays(r)
        return
    assert type(result) in (fnp.ndarray, flops.SymmetricTensor), type(result)  # as_symmetric's is tagged


def rule_of(name):
    obj = EXPORTED[name]
    return TABLE.get(name, TABLE.get(getattr(obj, "__name__", name)))


# --------------------------------------------------------------------------- rules


def test_surface_is_not_empty():
    assert len(UFUNC_NAMES) > 60
    assert len(FUNCTION_NAMES) > 50
    assert set(TABLE.values()) <= RULES


@pytest.mark.parametrize("name", COUNTED_NAMES)
def test_exported_name_has_a_rule(name):
    """Every counted export is in the op table (aliases under NumPy's canonical name)."""
    obj = EXPORTED[name]
    # The object itself, or a Python wrapper (pickle-free file I/O) naming the row it runs.
    assert getattr(fnp, name) is obj or getattr(getattr(fnp, name), "__flopscope_op__", None) == name
    rule = rule_of(name)
    assert rule in RULES, f"{name} ({getattr(obj, '__name__', '?')}) has no rule in op_table()"
    if hasattr(obj, "numpy_ufunc"):
        # a ufunc computes something: never silently free
        assert rule in {"pointwise", "contraction"}, (name, rule)
        assert getattr(np, name) is obj.numpy_ufunc or obj.numpy_ufunc.__name__ == obj.__name__


# --------------------------------------------------------------------------- ufuncs

_RNG = np.random.default_rng(1234)
_PREFERRED = ["d", "l", "?"]


def _loop_for(uf):
    """Pick a loop (input type chars) to test: all-float64, else all-int64, else bool, else any numeric mix."""
    loops = [t.split("->")[0] for t in uf.types]
    for want in _PREFERRED:
        for ins in loops:
            if set(ins) == {want}:
                return ins
    for ins in loops:
        if all(c in "dlqi?f" for c in ins):
            return ins
    return None


def _values(char, shape):
    dt = np.dtype(char)
    if dt.kind == "f":
        return _RNG.uniform(0.1, 0.9, size=shape).astype(dt)
    if dt.kind in "iu":
        return _RNG.integers(1, 6, size=shape).astype(dt)
    if dt.kind == "b":
        return _RNG.integers(0, 2, size=shape).astype(bool)
    raise TypeError(char)


ELEMENTWISE_UFUNCS = [n for n in UFUNC_NAMES if EXPORTED[n].numpy_ufunc.signature is None]
GUFUNCS = [n for n in UFUNC_NAMES if EXPORTED[n].numpy_ufunc.signature is not None]
BINARY_UFUNCS = [n for n in ELEMENTWISE_UFUNCS if EXPORTED[n].numpy_ufunc.nin == 2]


@pytest.mark.parametrize("name", ELEMENTWISE_UFUNCS)
def test_ufunc_matches_numpy_and_costs_nout_numel(name):
    counted = EXPORTED[name]
    uf = counted.numpy_ufunc
    loop = _loop_for(uf)
    if loop is None:
        pytest.skip(f"{name}: no float64/int64/bool loop in {uf.types}")
    shapes = [(3, 4), (4,), (1,)][: uf.nin]
    args = [_values(c, s) for c, s in zip(loop, shapes)]
    with np.errstate(all="ignore"):
        try:
            expected = uf(*args)
        except TypeError as exc:  # unsupported loop: reported as a skip, never a pass
            pytest.skip(f"{name}: NumPy rejects {loop}: {exc}")
        result, used = cost_of(lambda: counted(*[fnp.asarray(a) for a in args]))
    assert_same(result, expected)
    assert_fnp_arrays(result)
    assert used == uf.nout * 12, (name, used)


@pytest.mark.parametrize("name", BINARY_UFUNCS)
def test_binary_ufunc_broadcast_output(name):
    counted = EXPORTED[name]
    uf = counted.numpy_ufunc
    loop = _loop_for(uf)
    if loop is None:
        pytest.skip(f"{name}: no float64/int64/bool loop in {uf.types}")
    a, b = _values(loop[0], (5, 1)), _values(loop[1], (1, 3))
    with np.errstate(all="ignore"):
        expected = uf(a, b)
        result, used = cost_of(lambda: counted(fnp.asarray(a), b))
    assert_same(result, expected)
    assert used == uf.nout * 15


@pytest.mark.parametrize("name", GUFUNCS)
def test_gufunc_contraction_cost(name):
    counted = EXPORTED[name]
    uf = counted.numpy_ufunc
    a = _RNG.uniform(size=(2, 3, 4))
    cases = {
        "matmul": ((a, _RNG.uniform(size=(4, 5))), 2 * 3 * 4 * 5),
        "vecdot": ((a, _RNG.uniform(size=(4,))), 2 * 3 * 4),
        "matvec": ((a, _RNG.uniform(size=(4,))), 2 * 3 * 4),
        "vecmat": ((_RNG.uniform(size=(3,)), _RNG.uniform(size=(2, 3, 4))), 2 * 3 * 4),
    }
    if name not in cases:
        pytest.fail(f"gufunc {name} has no test case")
    args, want = cases[name]
    expected = uf(*args)
    result, used = cost_of(lambda: counted(*[fnp.asarray(x) for x in args]))
    assert_same(result, expected)
    assert_fnp_arrays(result)
    assert used == want


# --------------------------------------------------------------------------- functions

X = _RNG.uniform(-1, 1, size=(3, 4))
V = _RNG.uniform(-1, 1, size=(5,))
W = _RNG.uniform(-1, 1, size=(5,))
M = _RNG.uniform(-1, 1, size=(4, 2))
SQ = _RNG.uniform(-1, 1, size=(4, 4))
I = np.array([[3, 0, 1, 7], [2, 2, 9, 1], [5, 4, 0, 6]])
B = np.array([[True, False, True, True], [False, False, True, False], [True, True, True, True]])
XN = X.copy()
XN[1, 2] = np.nan


_TMP = tempfile.mkdtemp(prefix="flopscope-test-")


def _file(name):
    return os.path.join(_TMP, name)


def _sortcost(n, slices):
    return n * max(1, math.ceil(math.log2(n))) * slices


def _mutated(m, name, dst, *args, **kw):
    """The result of an in-place helper: a copy of dst after the write."""
    out = m.copy(dst)
    getattr(m, name)(out, *args, **kw)
    return out


def _in_printoptions(m):
    with m.printoptions(precision=3):
        return np.get_printoptions()["precision"]


# name -> (call(module, inputs), expected FLOPs); inputs are converted to fnp arrays for fnp
FUNCTION_CASES = {
    # reductions: numel(input) regardless of axis
    "sum": (lambda m, a: m.sum(a["X"], axis=0), 12),
    "mean": (lambda m, a: m.mean(a["X"], axis=1), 12),
    "var": (lambda m, a: m.var(a["X"]), 12),
    "max": (lambda m, a: m.max(a["X"], axis=0), 12),
    "min": (lambda m, a: m.min(a["X"]), 12),
    "amax": (lambda m, a: m.amax(a["X"], axis=1), 12),
    "amin": (lambda m, a: m.amin(a["X"]), 12),
    "prod": (lambda m, a: m.prod(a["X"], axis=1), 12),
    "all": (lambda m, a: m.all(a["B"], axis=0), 12),
    "any": (lambda m, a: m.any(a["B"]), 12),
    "argmax": (lambda m, a: m.argmax(a["X"], axis=1), 12),
    "argmin": (lambda m, a: m.argmin(a["X"]), 12),
    "cumsum": (lambda m, a: m.cumsum(a["X"], axis=1), 12),
    "cumprod": (lambda m, a: m.cumprod(a["X"]), 12),
    "nansum": (lambda m, a: m.nansum(a["XN"], axis=0), 12),
    "nanmean": (lambda m, a: m.nanmean(a["XN"]), 12),
    "nanmax": (lambda m, a: m.nanmax(a["XN"], axis=1), 12),
    "nanmin": (lambda m, a: m.nanmin(a["XN"]), 12),
    "nanprod": (lambda m, a: m.nanprod(a["XN"]), 12),
    "nanvar": (lambda m, a: m.nanvar(a["XN"], axis=0), 12),
    "ptp": (lambda m, a: m.ptp(a["X"], axis=0), 12),
    "count_nonzero": (lambda m, a: m.count_nonzero(a["I"]), 12),
    "trace": (lambda m, a: m.trace(a["X"], offset=1), 3),  # the diagonal (0,1), (1,2), (2,3) it sums
    # std: numel(input) + numel(output)
    "std": (lambda m, a: m.std(a["X"], axis=0), 12 + 4),
    "nanstd": (lambda m, a: m.nanstd(a["XN"], axis=1), 12 + 3),
    # pointwise non-ufuncs: numel of the broadcast output
    "where": (lambda m, a: m.where(a["B"], a["X"], 0.5), 12),
    "clip": (lambda m, a: m.clip(a["X"], -0.5, 0.5), 12),
    "round": (lambda m, a: m.round(a["X"], 2), 12),
    "around": (lambda m, a: m.around(a["X"], 1), 12),
    "isclose": (lambda m, a: m.isclose(a["X"], a["X"][0]), 12),
    # contractions
    "dot": (lambda m, a: m.dot(a["X"], a["M"]), 3 * 4 * 2),
    "inner": (lambda m, a: m.inner(a["V"], a["W"]), 5),
    "outer": (lambda m, a: m.outer(a["V"], a["X"]), 5 * 12),
    "tensordot": (lambda m, a: m.tensordot(a["X"], a["M"], axes=1), 3 * 4 * 2),
    "vdot": (lambda m, a: m.vdot(a["V"], a["W"]), 5),
    "einsum": (lambda m, a: m.einsum("ij,jk->ik", a["X"], a["M"]), 3 * 4 * 2),
    # sorting: n * ceil(log2 n) per slice
    "sort": (lambda m, a: m.sort(a["X"], axis=1), _sortcost(4, 3)),
    "argsort": (lambda m, a: m.argsort(a["X"], axis=0), _sortcost(3, 4)),
    # partitioning: n * len(kth) per slice; binary search: ceil(log2 n) per value searched
    "partition": (lambda m, a: m.partition(a["X"], 2), 4 * 1 * 3),
    "argpartition": (lambda m, a: m.argpartition(a["X"], [0, 2], axis=0), 3 * 2 * 4),
    "searchsorted": (lambda m, a: m.searchsorted(a["S"], a["X"]), 12 * 3),  # 12 values, 5 sorted: ceil(log2 5) = 3
    # comparisons of whole arrays: one per element of the broadcast pair
    "allclose": (lambda m, a: m.allclose(a["X"], a["X"][0]), 12),
    "array_equal": (lambda m, a: m.array_equal(a["X"], a["X"]), 12),
    "array_equiv": (lambda m, a: m.array_equiv(a["X"], a["X"][:1]), 12),
    # free
    "array": (lambda m, a: m.array([[1.0, 2.0], [3.0, 4.0]]), 0),
    "asarray": (lambda m, a: m.asarray(a["X"]), 0),
    "asanyarray": (lambda m, a: m.asanyarray(a["X"]), 0),
    "ascontiguousarray": (lambda m, a: m.ascontiguousarray(a["X"].T), 0),
    "zeros": (lambda m, a: m.zeros((3, 2)), 0),
    "ones": (lambda m, a: m.ones((2, 3), dtype=np.float32), 0),
    "empty": (lambda m, a: m.empty((2, 3)).shape, 0),
    "full": (lambda m, a: m.full((2, 2), 7.5), 0),
    "eye": (lambda m, a: m.eye(4), 0),
    "identity": (lambda m, a: m.identity(3), 0),
    "arange": (lambda m, a: m.arange(10), 0),
    # scalar endpoints are free (test_holes_pricing_sweep); array ones: 4 per endpoint + 2 per sample
    "linspace": (lambda m, a: m.linspace(0.0, a["V"], 7), 4 * 5 + 2 * 7 * 5),
    "zeros_like": (lambda m, a: m.zeros_like(a["X"]), 0),
    "ones_like": (lambda m, a: m.ones_like(a["X"]), 0),
    "empty_like": (lambda m, a: m.empty_like(a["X"]).shape, 0),
    "full_like": (lambda m, a: m.full_like(a["X"], 3.0), 0),
    "reshape": (lambda m, a: m.reshape(a["X"], (4, 3)), 0),
    "transpose": (lambda m, a: m.transpose(a["X"]), 0),
    "stack": (lambda m, a: m.stack([a["X"], a["X"]]), 0),
    "concatenate": (lambda m, a: m.concatenate([a["X"], a["X"]], axis=1), 0),
    "hstack": (lambda m, a: m.hstack([a["X"], a["X"]]), 0),
    "vstack": (lambda m, a: m.vstack([a["X"], a["X"]]), 0),
    "row_stack": (lambda m, a: m.row_stack([a["X"], a["X"]]), 0),  # NumPy 2 deprecates it (vstack)
    "dstack": (lambda m, a: m.dstack([a["X"], a["X"]]), 0),
    "column_stack": (lambda m, a: m.column_stack([a["V"], a["W"]]), 0),
    "squeeze": (lambda m, a: m.squeeze(a["X"][None]), 0),
    "expand_dims": (lambda m, a: m.expand_dims(a["X"], 0), 0),
    "broadcast_to": (lambda m, a: m.broadcast_to(a["V"], (2, 5)), 0),
    "broadcast_arrays": (lambda m, a: m.broadcast_arrays(a["V"], a["X"][:, :1]), 0),
    "copy": (lambda m, a: m.copy(a["X"]), 0),
    "astype": (lambda m, a: m.astype(a["X"], np.float32), 0),
    "ravel": (lambda m, a: m.ravel(a["X"]), 0),
    "swapaxes": (lambda m, a: m.swapaxes(a["X"], 0, 1), 0),
    "moveaxis": (lambda m, a: m.moveaxis(a["X"], 0, -1), 0),
    "atleast_1d": (lambda m, a: m.atleast_1d(a["V"]), 0),
    "atleast_2d": (lambda m, a: m.atleast_2d(a["V"]), 0),
    "atleast_3d": (lambda m, a: m.atleast_3d(a["X"]), 0),
    "flip": (lambda m, a: m.flip(a["X"], 1), 0),
    "split": (lambda m, a: m.split(a["X"], 2, axis=1), 0),
    "array_split": (lambda m, a: m.array_split(a["V"], 3), 0),
    "tile": (lambda m, a: m.tile(a["V"], 2), 0),
    "repeat": (lambda m, a: m.repeat(a["V"], 2), 0),
    "diag": (lambda m, a: m.diag(a["SQ"]), 0),
    "diagonal": (lambda m, a: m.diagonal(a["SQ"]), 0),
    "tril": (lambda m, a: m.tril(a["SQ"]), 0),
    "triu": (lambda m, a: m.triu(a["SQ"], 1), 0),
    "take": (lambda m, a: m.take(a["V"], [0, 3, 1]), 0),
    "shape": (lambda m, a: m.shape(a["X"]), 0),
    "ndim": (lambda m, a: m.ndim(a["X"]), 0),
    "size": (lambda m, a: m.size(a["X"]), 0),
    "result_type": (lambda m, a: m.result_type(np.float32, np.int64), 0),
    "can_cast": (lambda m, a: m.can_cast(np.float32, np.float64), 0),
    "promote_types": (lambda m, a: m.promote_types(np.int8, np.float32), 0),
    # files (free): written and read back
    "save": (lambda m, a: (m.save(_file("s.npy"), a["X"]), m.load(_file("s.npy")))[1], 0),
    "load": (lambda m, a: (m.save(_file("l.npy"), a["V"]), m.load(_file("l.npy")))[1], 0),
    "savez": (lambda m, a: (m.savez(_file("z.npz"), x=a["X"]), m.load(_file("z.npz"))["x"])[1], 0),
    "savez_compressed": (lambda m, a: (m.savez_compressed(_file("c.npz"), a["V"]),
                                       m.load(_file("c.npz"))["arr_0"])[1], 0),
    "savetxt": (lambda m, a: (m.savetxt(_file("t.txt"), a["X"]), m.loadtxt(_file("t.txt")))[1], 0),
    "loadtxt": (lambda m, a: (m.savetxt(_file("u.txt"), a["V"]), m.loadtxt(_file("u.txt")))[1], 0),
    # order statistics and moments (test_statistics.py covers each in depth)
    "median": (lambda m, a: m.median(a["X"], axis=1), 3 * 5),
    "nanmedian": (lambda m, a: m.nanmedian(a["XN"], axis=1), 3 * 5 + 12),
    "percentile": (lambda m, a: m.percentile(a["X"], [25, 75]), 2 * 15),
    "quantile": (lambda m, a: m.quantile(a["X"], 0.5, axis=0), 4 * 6),
    "nanpercentile": (lambda m, a: m.nanpercentile(a["XN"], 50), 15 + 12),
    "nanquantile": (lambda m, a: m.nanquantile(a["XN"], 0.5), 15 + 12),
    "average": (lambda m, a: m.average(a["X"], axis=1, weights=a["X"][0]), 12 + 4 + 3),
    "cov": (lambda m, a: m.cov(a["X"]), 9 * 4 + 2 * 12 + 9),
    "corrcoef": (lambda m, a: m.corrcoef(a["X"]), 9 * 4 + 2 * 12 + 9 + 3 + 18),
    "diff": (lambda m, a: m.diff(a["X"]), 3 * 3),
    "convolve": (lambda m, a: m.convolve(a["V"], a["W"][:3]), 15),
    "correlate": (lambda m, a: m.correlate(a["V"], a["W"][:3]), 9),
    "kron": (lambda m, a: m.kron(a["V"], a["W"]), 25),
    "cross": (lambda m, a: m.cross(a["X"][:, :3], a["V"][:3]), 3 * 6),
    "unique": (lambda m, a: m.unique(a["I"]), 12 * 4),
    "unique_all": (lambda m, a: m.unique_all(a["I"]), 48),
    "unique_counts": (lambda m, a: m.unique_counts(a["I"]), 48),
    "unique_inverse": (lambda m, a: m.unique_inverse(a["I"]), 48),
    "unique_values": (lambda m, a: m.unique_values(a["I"]), 48),
    # sets, histograms, counting (test_statistics.py covers each in depth)
    "isin": (lambda m, a: m.isin(a["V"], a["W"]), 10 * 4),
    "intersect1d": (lambda m, a: m.intersect1d(a["V"], a["W"]), 40),
    "union1d": (lambda m, a: m.union1d(a["V"], a["W"]), 40),
    "setdiff1d": (lambda m, a: m.setdiff1d(a["V"], a["W"]), 40),
    "setxor1d": (lambda m, a: m.setxor1d(a["V"], a["W"]), 40),
    "lexsort": (lambda m, a: m.lexsort(a["X"]), 3 * 4 * 2),
    "sort_complex": (lambda m, a: m.sort_complex(a["V"]), 5 * 3),
    "histogram": (lambda m, a: m.histogram(a["V"], bins=4), 5 * 2 + 5),
    "histogram_bin_edges": (lambda m, a: m.histogram_bin_edges(a["V"], bins=4), 5),
    "histogram2d": (lambda m, a: m.histogram2d(a["V"], a["W"], bins=4), 5 * (2 + 2 + 1) + 5 + 5),
    "histogramdd": (lambda m, a: m.histogramdd(a["M"], bins=4), 4 * (2 + 2 + 1) + 5 + 5),
    "select": (lambda m, a: m.select([a["B"]], [a["X"]], 0.5), 12),
    "piecewise": (lambda m, a: m.piecewise(a["X"], [a["B"]], [lambda v: v, 0.0]), 12 * 2),
    "pad": (lambda m, a: m.pad(a["X"], 1, mode="mean"), 3 * 4 + 4 * 5),
    "gradient": (lambda m, a: m.gradient(a["X"]), 2 * 12 * 2),
    "unwrap": (lambda m, a: m.unwrap(a["X"]), 12 * 3 * 3),
    "bincount": (lambda m, a: m.bincount(a["I"].ravel()), 12),
    "digitize": (lambda m, a: m.digitize(a["V"], a["S"]), 5 * 3),
    "interp": (lambda m, a: m.interp(a["V"], a["S"], a["W"]), 5 * (3 + 3)),
    "ediff1d": (lambda m, a: m.ediff1d(a["V"]), 4),
    "trapezoid": (lambda m, a: m.trapezoid(a["X"]), 3 * 3 * 3),
    "nonzero": (lambda m, a: m.nonzero(a["I"]), 12),
    "argwhere": (lambda m, a: m.argwhere(a["I"]), 12),
    "flatnonzero": (lambda m, a: m.flatnonzero(a["I"]), 12),
    "sinc": (lambda m, a: m.sinc(a["X"]), 12),
    "i0": (lambda m, a: m.i0(a["X"]), 12),
    "angle": (lambda m, a: m.angle(a["X"]), 12),
    "nan_to_num": (lambda m, a: m.nan_to_num(a["XN"]), 12),
    "fix": (lambda m, a: m.fix(a["X"]), 12),
    "isneginf": (lambda m, a: m.isneginf(a["X"]), 12),
    "isposinf": (lambda m, a: m.isposinf(a["X"]), 12),
    "iscomplex": (lambda m, a: m.iscomplex(a["X"]), 12),
    "isreal": (lambda m, a: m.isreal(a["X"]), 12),
    "real_if_close": (lambda m, a: m.real_if_close(a["X"]), 12),
    "real": (lambda m, a: m.real(a["X"]), 0),
    "imag": (lambda m, a: m.imag(a["X"]), 0),
    "nanargmax": (lambda m, a: m.nanargmax(a["XN"], axis=1), 12),
    "nanargmin": (lambda m, a: m.nanargmin(a["XN"]), 12),
    "nancumsum": (lambda m, a: m.nancumsum(a["XN"], axis=0), 12),
    "nancumprod": (lambda m, a: m.nancumprod(a["XN"]), 12),
    "cumulative_sum": (lambda m, a: m.cumulative_sum(a["X"], axis=1), 12),
    "cumulative_prod": (lambda m, a: m.cumulative_prod(a["V"]), 5),
    # polynomials and windows (test_polynomial.py covers each in depth)
    "polyval": (lambda m, a: m.polyval(a["V"], a["X"]), 4 * 12),
    "polyadd": (lambda m, a: m.polyadd(a["V"], a["W"][:2]), 5),
    "polysub": (lambda m, a: m.polysub(a["V"], a["W"]), 5),
    "polymul": (lambda m, a: m.polymul(a["V"], a["W"]), 25),
    "polydiv": (lambda m, a: m.polydiv(a["V"], a["S"][:2]), 4 * 3),
    "polyder": (lambda m, a: m.polyder(a["V"]), 4),
    "polyint": (lambda m, a: m.polyint(a["V"]), 5),
    "poly": (lambda m, a: m.poly(a["V"]), 15),
    "roots": (lambda m, a: m.roots(a["V"]), 10 * 64),
    "polyfit": (lambda m, a: m.polyfit(a["S"], a["V"], 1), 5 + 4 * 5 * 4 + 8 * 8 + 2 * 7 * 2 + 2),
    "vander": (lambda m, a: m.vander(a["V"]), 15),
    "bartlett": (lambda m, a: m.bartlett(6), 24),
    "hanning": (lambda m, a: m.hanning(6), 30),
    "hamming": (lambda m, a: m.hamming(6), 30),
    "blackman": (lambda m, a: m.blackman(6), 66),
    "kaiser": (lambda m, a: m.kaiser(6, 5.0), 48),
    # data movement, indexing and in-place helpers (free: no arithmetic)
    "take_along_axis": (lambda m, a: m.take_along_axis(a["X"], I % 4, axis=1), 0),
    "compress": (lambda m, a: m.compress([True, False, True], a["X"], axis=0), 0),
    "extract": (lambda m, a: m.extract(a["B"], a["X"]), 0),
    "choose": (lambda m, a: m.choose(I % 2, [a["X"], a["X"][::-1]]), 0),
    "roll": (lambda m, a: m.roll(a["X"], 1, axis=1), 0),
    "rollaxis": (lambda m, a: m.rollaxis(a["X"], 1), 0),
    "rot90": (lambda m, a: m.rot90(a["X"]), 0),
    "flipud": (lambda m, a: m.flipud(a["X"]), 0),
    "fliplr": (lambda m, a: m.fliplr(a["X"]), 0),
    "append": (lambda m, a: m.append(a["V"], a["W"]), 0),
    "insert": (lambda m, a: m.insert(a["V"], 2, 9.0), 0),
    "delete": (lambda m, a: m.delete(a["X"], 1, axis=0), 0),
    "resize": (lambda m, a: m.resize(a["V"], (2, 4)), 0),
    "block": (lambda m, a: m.block([[a["X"], a["X"]]]), 0),
    "concat": (lambda m, a: m.concat([a["V"], a["W"]]), 0),
    "dsplit": (lambda m, a: m.dsplit(a["X"][None], 2), 0),
    "hsplit": (lambda m, a: m.hsplit(a["X"], 2), 0),
    "vsplit": (lambda m, a: m.vsplit(a["X"], 3), 0),
    "unstack": (lambda m, a: m.unstack(a["X"]), 0),
    "permute_dims": (lambda m, a: m.permute_dims(a["X"], (1, 0)), 0),
    "matrix_transpose": (lambda m, a: m.matrix_transpose(a["X"]), 0),
    "diagflat": (lambda m, a: m.diagflat(a["V"]), 0),
    "tri": (lambda m, a: m.tri(3, 4), 0),
    "trim_zeros": (lambda m, a: m.trim_zeros(a["I"][:, 1]), 0),
    "asfortranarray": (lambda m, a: m.asfortranarray(a["X"]), 0),
    "require": (lambda m, a: m.require(a["X"], requirements=["F"]), 0),
    "frombuffer": (lambda m, a: m.frombuffer(b"\x01\x02\x03", dtype=np.uint8), 0),
    "from_dlpack": (lambda m, a: m.from_dlpack(a["X"]), 0),
    "fill_diagonal": (lambda m, a: _mutated(m, "fill_diagonal", a["SQ"], 2.0), 0),
    # flopscope's own (NumPy has none; m is None for NumPy's expected value). primer: one
    # comparison per element per generator; Reynolds |G| per element (docs/cost-model.md).
    "as_symmetric": (lambda m, a: m.as_symmetric(a["SYM"], symmetry=(0, 1)) if m else a["SYM"], 16),
    "is_symmetric": (lambda m, a: m.is_symmetric(a["SYM"], symmetry=(0, 1)) if m else True, 16),
    "symmetrize": (lambda m, a: m.symmetrize(a["SQ"], symmetry=(0, 1)) if m else (a["SQ"] + a["SQ"].T) / 2, 32),
    "put_along_axis": (lambda m, a: _mutated(m, "put_along_axis", a["X"], I[:, :1] % 4, 0.0, axis=1), 0),
    "put": (lambda m, a: _mutated(m, "put", a["X"], [0, 5], [1.0, 2.0]), 0),
    "putmask": (lambda m, a: _mutated(m, "putmask", a["X"], a["B"], 3.0), 0),
    "place": (lambda m, a: _mutated(m, "place", a["X"], a["B"], [4.0, 5.0]), 0),
    "copyto": (lambda m, a: _mutated(m, "copyto", a["X"], a["SQ"][1:, :], where=a["B"]), 0),
    "indices": (lambda m, a: m.indices((2, 3)), 0),
    "ix_": (lambda m, a: m.ix_([0, 2], [1, 3]), 0),
    "meshgrid": (lambda m, a: m.meshgrid(a["V"], a["W"][:2]), 0),
    "tril_indices": (lambda m, a: m.tril_indices(3), 0),
    "tril_indices_from": (lambda m, a: m.tril_indices_from(a["SQ"], -1), 0),
    "triu_indices": (lambda m, a: m.triu_indices(3, 1), 0),
    "triu_indices_from": (lambda m, a: m.triu_indices_from(a["SQ"]), 0),
    "diag_indices": (lambda m, a: m.diag_indices(3), 0),
    "diag_indices_from": (lambda m, a: m.diag_indices_from(a["SQ"]), 0),
    "mask_indices": (lambda m, a: m.mask_indices(3, np.tril), 0),
    "ravel_multi_index": (lambda m, a: m.ravel_multi_index(([0, 2], [1, 3]), (3, 4)), 0),
    "unravel_index": (lambda m, a: m.unravel_index([1, 7], (3, 4)), 0),
    "packbits": (lambda m, a: m.packbits(a["B"], axis=1), 0),
    "unpackbits": (lambda m, a: m.unpackbits(np.array([5, 200], np.uint8)), 0),
    # metadata queries (free, non-array results)
    "broadcast_shapes": (lambda m, a: m.broadcast_shapes((3, 1), (4,)), 0),
    "common_type": (lambda m, a: m.common_type(a["X"], a["I"]), 0),
    "min_scalar_type": (lambda m, a: m.min_scalar_type(1000), 0),
    "mintypecode": (lambda m, a: m.mintypecode("fd"), 0),
    "isscalar": (lambda m, a: m.isscalar(a["X"]), 0),
    "iscomplexobj": (lambda m, a: m.iscomplexobj(a["X"]), 0),
    "isrealobj": (lambda m, a: m.isrealobj(a["X"]), 0),
    "isfortran": (lambda m, a: m.isfortran(a["X"]), 0),
    "issubdtype": (lambda m, a: m.issubdtype(np.int8, np.integer), 0),
    "isdtype": (lambda m, a: m.isdtype(np.dtype(np.float32), "real floating"), 0),
    "iterable": (lambda m, a: m.iterable(a["V"]), 0),
    "typename": (lambda m, a: m.typename("F"), 0),
    "shares_memory": (lambda m, a: m.shares_memory(a["X"], a["V"]), 0),
    "may_share_memory": (lambda m, a: m.may_share_memory(a["X"], a["X"]), 0),
    "get_printoptions": (lambda m, a: m.get_printoptions()["precision"], 0),
    "set_printoptions": (lambda m, a: m.set_printoptions(precision=8), 0),
    "printoptions": (lambda m, a: _in_printoptions(m), 0),
    "einsum_path": (lambda m, a: m.einsum_path("ij,jk->ik", a["X"], a["M"], optimize="greedy"), 0),
    # priced creation: one power per sample, one finiteness test per element
    "logspace": (lambda m, a: m.logspace(0, 1, 6), 6),
    "geomspace": (lambda m, a: m.geomspace([1.0, 2.0], 8.0, 5), 10 + 11 * 2 + (4 * 2 + 2 * 5 * 2) + 10),
    "asarray_chkfinite": (lambda m, a: m.asarray_chkfinite(a["X"]), 12),
}
S = np.sort(V)
SYM = SQ + SQ.T
INPUTS = {"X": X, "V": V, "W": W, "M": M, "SQ": SQ, "I": I, "B": B, "XN": XN, "S": S, "SYM": SYM}
NON_ARRAY_RESULTS = {"shape", "ndim", "size", "result_type", "can_cast", "promote_types", "empty", "empty_like",
                     "allclose", "array_equal", "array_equiv", "is_symmetric",
                     "savez", "savez_compressed",
                     "broadcast_shapes", "common_type", "min_scalar_type", "mintypecode", "isscalar", "iscomplexobj",
                     "isrealobj", "isfortran", "issubdtype", "isdtype", "iterable", "typename", "shares_memory",
                     "may_share_memory", "get_printoptions", "set_printoptions", "printoptions", "einsum_path"}  # NpzFile members are loaded lazily by numpy


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_has_a_case_and_rule_matches(name):
    if name not in FUNCTION_CASES:
        pytest.fail(f"counted function {name} has no representative test case")
    want = FUNCTION_CASES[name][1]
    rule = rule_of(name)
    assert (rule == "free") == (want == 0), (name, rule, want)


@pytest.mark.parametrize("name", sorted(FUNCTION_CASES))
def test_function_matches_numpy_and_cost(name):
    if name not in EXPORTED:
        pytest.skip(f"{name} is not exported by flopscope.numpy")
    call, want = FUNCTION_CASES[name]
    np_mod = np if hasattr(np, name) else None
    if name == "astype":
        expected = np.asarray(X).astype(np.float32)
    else:
        expected = call(np_mod, INPUTS)
    fnp_inputs = {k: fnp.asarray(v) for k, v in INPUTS.items()}
    with np.errstate(all="ignore"):
        result, used = cost_of(lambda: call(fnp, fnp_inputs))
    assert_same(result, expected)
    assert used == want, (name, used, want)
    if name not in NON_ARRAY_RESULTS:
        assert_fnp_arrays(result)


def test_internal_ndarray_inplace_entries():
    # '_ndarray.sort' / '_ndarray.partition' back the in-place methods.
    assert rule_of("_ndarray.sort") == "sort"
    assert rule_of("_ndarray.partition") == "partition"


def test_comparisons_are_free_when_numpy_compares_nothing():
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        assert fnp.array_equal(fnp.ones(3), fnp.ones(4)) is False  # shapes differ
        assert fnp.array_equiv(fnp.ones(3), fnp.ones(4)) is False  # do not broadcast
    assert ctx.flops_used == 0


def test_partition_and_search_methods_are_counted_like_the_functions():
    x = _RNG.uniform(size=(4, 6))
    a = fnp.asarray(x.copy())
    with flops.BudgetContext(flop_budget=10**6, quiet=True) as ctx:
        assert a.partition(2) is None  # in place, like numpy
        after_partition = ctx.flops_used
        idx = a.argpartition((1, 3), axis=0)
        after_argpartition = ctx.flops_used
        pos = fnp.asarray(np.sort(x[0])).searchsorted(x[1])
    np.testing.assert_array_equal(np.asarray(a), np.partition(x, 2))
    np.testing.assert_array_equal(np.asarray(idx), np.argpartition(np.partition(x, 2), (1, 3), axis=0))
    np.testing.assert_array_equal(np.asarray(pos), np.searchsorted(np.sort(x[0]), x[1]))
    assert isinstance(idx, fnp.ndarray) and isinstance(pos, fnp.ndarray)
    assert after_partition == 6 * 1 * 4
    assert after_argpartition - after_partition == 4 * 2 * 6
    assert ctx.flops_used - after_argpartition == 6 * 3  # ceil(log2 6) = 3


# --------------------------------------------------------------------------- ufunc methods


def test_ufunc_reduce_accumulate_reduceat_cost_input_size():
    x = np.arange(12.0).reshape(3, 4)
    for meth, kw in [("reduce", {"axis": 0}), ("reduce", {"axis": None}), ("accumulate", {"axis": 1})]:
        r, used = cost_of(lambda: getattr(fnp.add, meth)(fnp.asarray(x), **kw))
        assert_same(r, getattr(np.add, meth)(x, **kw))
        assert used == 12, (meth, kw, used)
    v = np.arange(8.0)
    r, used = cost_of(lambda: fnp.add.reduceat(fnp.asarray(v), [0, 4, 6]))
    assert_same(r, np.add.reduceat(v, [0, 4, 6]))
    assert used == 8
    r, used = cost_of(lambda: fnp.maximum.reduce(fnp.asarray(x), axis=1))
    assert_same(r, np.maximum.reduce(x, axis=1))
    assert used == 12


def test_ufunc_outer_costs_product_times_nout():
    a, b = np.arange(3.0) + 1, np.arange(5.0) + 1
    r, used = cost_of(lambda: fnp.multiply.outer(fnp.asarray(a), b))
    assert_same(r, np.multiply.outer(a, b))
    assert used == 15
    r, used = cost_of(lambda: fnp.divmod.outer(fnp.asarray(a), b))
    assert_same(r, np.divmod.outer(a, b))
    assert used == 30


def test_ufunc_at_costs_number_of_indices():
    a = np.arange(10.0)
    f = fnp.asarray(a.copy())
    _, used = cost_of(lambda: fnp.add.at(f, [0, 1, 1, 7], 1.0))
    np.add.at(a, [0, 1, 1, 7], 1.0)
    assert_same(f, a)
    assert used == 4


# --------------------------------------------------------------------------- operators

A = _RNG.uniform(0.5, 2.0, size=(3, 4))
C = _RNG.uniform(0.5, 2.0, size=(4,))
IA = _RNG.integers(1, 8, size=(3, 4))
IC = _RNG.integers(1, 4, size=(4,))

BINARY_OPS = [
    (operator.add, "add", "float"), (operator.sub, "subtract", "float"), (operator.mul, "multiply", "float"),
    (operator.truediv, "divide", "float"), (operator.floordiv, "floor_divide", "float"),
    (operator.mod, "remainder", "float"), (operator.pow, "power", "float"),
    (operator.lt, "less", "float"), (operator.le, "less_equal", "float"), (operator.gt, "greater", "float"),
    (operator.ge, "greater_equal", "float"), (operator.eq, "equal", "float"), (operator.ne, "not_equal", "float"),
    (operator.and_, "bitwise_and", "int"), (operator.or_, "bitwise_or", "int"), (operator.xor, "bitwise_xor", "int"),
    (operator.lshift, "left_shift", "int"), (operator.rshift, "right_shift", "int"),
]
INPLACE = {
    "add": operator.iadd, "subtract": operator.isub, "multiply": operator.imul, "divide": operator.itruediv,
    "floor_divide": operator.ifloordiv, "remainder": operator.imod, "power": operator.ipow,
    "bitwise_and": operator.iand, "bitwise_or": operator.ior, "bitwise_xor": operator.ixor,
    "left_shift": operator.ilshift, "right_shift": operator.irshift,
}


@pytest.mark.parametrize("op,fname,kind", BINARY_OPS, ids=[b[1] for b in BINARY_OPS])
def test_binary_operator_costs_like_function(op, fname, kind):
    a, c = (A, C) if kind == "float" else (IA, IC)
    fa = fnp.asarray(a)
    r_op, used_op = cost_of(lambda: op(fa, c))
    r_fn, used_fn = cost_of(lambda: getattr(fnp, fname)(fa, c))
    assert_same(r_op, op(a, c))
    assert_same(r_fn, op(a, c))
    assert_fnp_arrays(r_op)
    assert used_op == used_fn == 12
    # reflected operand
    r_rev, used_rev = cost_of(lambda: op(c, fa))
    assert_same(r_rev, op(c, a))
    assert used_rev == 12


@pytest.mark.parametrize("fname", sorted(INPLACE))
def test_inplace_operator_costs_like_function_and_mutates(fname):
    iop = INPLACE[fname]
    a, c = (A, C) if fname not in {"bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"} else (IA, IC)
    f = fnp.asarray(a.copy())
    ident = id(f)
    expected = iop(a.copy(), c)
    _, used = cost_of(lambda: iop(f, c))
    assert used == 12
    g = fnp.asarray(a.copy())
    with flops.BudgetContext(10**12, quiet=True) as ctx:
        g2 = iop(g, c)
    assert ctx.flops_used == 12
    assert g2 is g and id(g) != 0
    assert_same(g, expected)
    assert id(f) == ident


def test_matmul_operators():
    a, m = fnp.asarray(X), fnp.asarray(M)
    r, used = cost_of(lambda: a @ m)
    _, used_fn = cost_of(lambda: fnp.matmul(a, m))
    assert_same(r, X @ M)
    assert used == used_fn == 3 * 4 * 2
    r, used = cost_of(lambda: X @ m)  # reflected: numpy array on the left
    assert_same(r, X @ M)
    assert used == 24
    s = fnp.asarray(SQ.copy())
    expected = SQ @ SQ
    _, used = cost_of(lambda: s.__imatmul__(fnp.asarray(SQ)))
    assert used == 64
    assert_same(s, expected)


@pytest.mark.parametrize("op,fname,kind", [
    (operator.neg, "negative", "float"), (operator.pos, "positive", "float"),
    (abs, "absolute", "float"), (operator.invert, "invert", "int"),
])
def test_unary_operator_costs_like_function(op, fname, kind):
    a = A - 1.0 if kind == "float" else IA
    fa = fnp.asarray(a)
    r, used = cost_of(lambda: op(fa))
    _, used_fn = cost_of(lambda: getattr(fnp, fname)(fa))
    assert_same(r, op(a))
    assert_fnp_arrays(r)
    assert used == used_fn == 12


# --------------------------------------------------------------------------- methods

METHODS = [
    ("sum", {"axis": 0}, 12), ("mean", {}, 12), ("var", {"axis": 1}, 12), ("std", {"axis": 0}, 16),
    ("max", {}, 12), ("min", {"axis": 1}, 12), ("prod", {}, 12), ("all", {}, 12), ("any", {"axis": 0}, 12),
    ("argmax", {}, 12), ("argmin", {"axis": 0}, 12), ("cumsum", {"axis": 1}, 12), ("cumprod", {}, 12),
    ("clip", {"min": -0.5, "max": 0.5}, 12), ("argsort", {"axis": 1}, _sortcost(4, 3)),
]


@pytest.mark.parametrize("meth,kw,want", METHODS, ids=[m[0] for m in METHODS])
def test_method_counted_as_function(meth, kw, want):
    fx = fnp.asarray(X)
    r, used = cost_of(lambda: getattr(fx, meth)(**kw))
    fn = "clip" if meth == "clip" else meth
    _, used_fn = cost_of(lambda: getattr(fnp, fn)(fx, **kw))
    assert_same(r, getattr(X, meth)(**kw))
    assert used == used_fn == want


def test_method_dot_and_sort():
    fx = fnp.asarray(X)
    r, used = cost_of(lambda: fx.dot(fnp.asarray(M)))
    assert_same(r, X.dot(M))
    assert used == 24
    s = fnp.asarray(X.copy())
    expected = np.sort(X, axis=1)
    r, used = cost_of(lambda: s.sort(axis=1))
    assert r is None
    assert_same(s, expected)
    assert used == _sortcost(4, 3)


def test_views_indexing_copy_astype_are_free():
    fx = fnp.asarray(X)
    for fn in [lambda: fx[0], lambda: fx[:, 1:3], lambda: fx.T, lambda: fx.copy(), lambda: fx.astype(np.float32),
               lambda: fx.reshape(4, 3), lambda: fx[fx.view(np.ndarray) > 0], lambda: fx.ravel()]:
        r, used = cost_of(fn)
        assert used == 0
        assert_fnp_arrays(r)
    g = fnp.asarray(X.copy())
    _, used = cost_of(lambda: g.__setitem__((0, 0), 5.0))
    assert used == 0 and g[0, 0] == 5.0


def test_random_is_free():
    def draw():
        rng = fnp.random.default_rng(42)
        return rng.standard_normal((100, 8))
    r, used = cost_of(draw)
    assert used == 0
    assert_same(r, np.random.default_rng(42).standard_normal((100, 8)))


# --------------------------------------------------------------------------- np.* on flopscope arrays


def test_numpy_calls_on_flopscope_arrays_are_counted():
    fx = fnp.asarray(X)
    cases = [
        (lambda m: m.exp(fx), lambda: np.exp(X), 12),
        (lambda m: m.sum(fx), lambda: np.sum(X), 12),
        (lambda m: m.add.reduce(fx), lambda: np.add.reduce(X), 12),
        (lambda m: m.concatenate([fx, fx]), lambda: np.concatenate([X, X]), 0),
        (lambda m: m.matmul(fx, fnp.asarray(M)), lambda: np.matmul(X, M), 24),
        (lambda m: m.mean(fx, axis=0), lambda: np.mean(X, axis=0), 12),
        (lambda m: m.std(fx), lambda: np.std(X), 13),
        (lambda m: m.maximum(fx, 0.0), lambda: np.maximum(X, 0.0), 12),
        (lambda m: m.add.outer(fnp.asarray(V), fnp.asarray(W)), lambda: np.add.outer(V, W), 25),
    ]
    for call, ref, want in cases:
        r_np, used_np = cost_of(lambda: call(np))
        r_fnp, used_fnp = cost_of(lambda: call(fnp))
        assert_same(r_np, ref())
        assert used_np == used_fnp == want


def test_numpy_results_are_flopscope_arrays():
    fx = fnp.asarray(X)
    r, _ = cost_of(lambda: np.exp(fx))
    assert type(r) is fnp.ndarray


def test_raw_numpy_and_python_inputs_are_counted():
    r, used = cost_of(lambda: fnp.add(X, 1.0))
    assert_same(r, X + 1.0)
    assert used == 12
    r, used = cost_of(lambda: fnp.add([1.0, 2.0], [3.0, 4.0]))
    assert_same(r, np.add([1.0, 2.0], [3.0, 4.0]))
    assert used == 2
    r, used = cost_of(lambda: fnp.sum([1, 2, 3]))
    assert_same(r, np.sum([1, 2, 3]))
    assert used == 3
    r, used = cost_of(lambda: fnp.exp(1.5))
    assert_same(r, np.exp(1.5))
    assert used == 1
    r, used = cost_of(lambda: fnp.matmul(X, M))
    assert_same(r, X @ M)
    assert used == 24
    r, used = cost_of(lambda: fnp.multiply(3, 4))
    assert used == 1
    assert int(r) == 12


# --------------------------------------------------------------------------- regressions of bugs found in review


def test_round_method_counted_as_function():
    fx = fnp.asarray(X)
    r, used = cost_of(lambda: fx.round(1))
    assert_same(r, X.round(1))
    assert used == cost_of(lambda: fnp.round(fx, 1))[1] == 12


@pytest.mark.parametrize("idx", [slice(0, 3), (slice(None), 0), Ellipsis], ids=["slice", "tuple-slice", "ellipsis"])
def test_ufunc_at_with_slice_index(idx):
    a = np.zeros((5, 4))
    f = fnp.asarray(a.copy())
    _, used = cost_of(lambda: fnp.add.at(f, idx, 1.0))
    np.add.at(a, idx, 1.0)
    assert_same(f, a)
    assert used == np.zeros((5, 4))[idx].size


@pytest.mark.parametrize("idx", [([0, 1], [2, 3]), np.array([True, False, True, False, False]), [0, 0, 2]],
                         ids=["tuple-of-arrays", "bool-mask", "row-indices"])
def test_ufunc_at_multidim_counts_updated_elements(idx):
    a = np.zeros((5, 4))
    f = fnp.asarray(a.copy())
    _, used = cost_of(lambda: fnp.add.at(f, idx, 1.0))
    np.add.at(a, idx, 1.0)
    assert_same(f, a)
    want = np.zeros((5, 4))[idx].size  # elements updated (= number of indices on a 1-D target)
    assert used == want


def test_std_empty_input_nonempty_output():
    e = np.ones((0, 3))
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r, used = cost_of(lambda: fnp.std(fnp.asarray(e), axis=0))
            assert_same(r, np.std(e, axis=0))
    assert used == 3


@pytest.mark.parametrize("lo, hi", [(None, 1.0), (0.0, None), (np.zeros(3), None)])
def test_one_sided_clip_is_counted_like_numpy_runs_it(lo, hi):
    a = np.linspace(-2, 2, 6).reshape(2, 3)
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        got = fnp.clip(a, lo, hi)
    np.testing.assert_array_equal(np.asarray(got), np.clip(a, lo, hi))
    assert ctx.flops_used == 6  # pointwise over the broadcast output


@pytest.mark.parametrize("call", [
    lambda a, lo: fnp.clip(a, a_min=lo, a_max=None),
    lambda a, lo: fnp.clip(a, min=lo),
    lambda a, lo: fnp.asarray(a).clip(min=lo),
    lambda a, lo: fnp.asarray(a).clip(lo, None),
], ids=["a_min=", "min=", "method min=", "method positional"])
def test_clip_bounds_by_keyword_take_part_in_the_output_shape(call):
    a = np.linspace(-2, 2, 3)
    lo = np.zeros((4, 3))
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        got = call(a, lo)
    np.testing.assert_array_equal(np.asarray(got), np.clip(a, lo, None))
    assert ctx.flops_used == 12  # the (4, 3) output, not a's 3 elements


@pytest.mark.parametrize("axis", [0, -1])
def test_reductions_of_0d_arrays_accept_numpys_axes(axis):
    x = np.array(3.5)
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        got = fnp.sum(x, axis=axis)
        fnp.add.reduce(fnp.asarray(x), axis=axis)
    assert np.asarray(got) == np.sum(x, axis=axis)
    assert ctx.flops_used == 2


def test_reductions_of_0d_arrays_refuse_what_numpy_refuses_and_charge_nothing():
    x = np.array(3.5)
    with pytest.raises(np.exceptions.AxisError):
        np.sum(x, axis=(0,))
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        with pytest.raises(np.exceptions.AxisError):
            fnp.sum(x, axis=(0,))
        with pytest.raises(np.exceptions.AxisError):
            fnp.add.reduce(fnp.asarray(x), axis=1)
    assert ctx.flops_used == 0


@pytest.mark.parametrize("n", [10, 600])  # below and above the size re-typed in place
def test_out_is_handed_back_itself_like_numpy(n):
    x = fnp.asarray(np.linspace(-1, 1, n))
    o, q, r = fnp.zeros(n), fnp.zeros(n), fnp.zeros(n)
    assert fnp.add(x, x, out=o) is o
    assert np.multiply(x, 2.0, out=o) is o
    assert fnp.multiply(x, 2.0, o) is o
    quotient, remainder = fnp.divmod(x, 0.5, out=(q, r))
    assert quotient is q and remainder is r
    s = fnp.zeros(1)
    assert fnp.sum(x.reshape(1, n), axis=1, out=s) is s
    assert fnp.random.default_rng(0).random(out=o) is o
    assert fnp.asarray(x) is x
    np.testing.assert_array_equal(np.asarray(o), np.random.default_rng(0).random(n))


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "amax", "amin"])
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint16, np.int64, np.float16, np.float32, np.float64,
                                   np.complex64])
def test_bare_reductions_equal_numpy_and_return_flopscope_arrays(name, dtype):
    # sum/prod/max/min(a[, axis]) call ufunc.reduce directly (with out=... where
    # NumPy has it, so that a whole reduction comes back as an array): the value,
    # dtype and shape must be NumPy's own, and a 0-d result a flopscope array.
    x = (np.arange(1, 7).reshape(2, 3) % 4).astype(dtype)
    for axis in ((), (None,), (0,), (1,), (-1,)):
        got = getattr(fnp, name)(fnp.asarray(x), *axis)
        assert_same(got, getattr(np, name)(x, *axis))
        assert type(got) is fnp.ndarray
        if name in ("sum", "prod", "max", "min"):
            assert_same(getattr(fnp.asarray(x), name)(*axis), getattr(x, name)(*axis))
