"""select, piecewise, pad, gradient, unwrap, histogram2d, histogramdd: results
bit for bit against NumPy (as flopscope arrays), the charge recomputed here
from the textbook count of formulas/misc.hpp, statistics.hpp and counting.hpp,
NumPy's own spelling counted the same, and refusals free."""

import math

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp

from _compare import as_flopscope, charged, random_data, refused, same

RNG = np.random.default_rng(20261203)


def _depth(bins):
    return max(1, math.ceil(math.log2(bins)))


# --------------------------------------------------------------------------- select


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.complex128])
@pytest.mark.parametrize("shapes", [((4, 1), (1, 5)), ((), ()), ((0,), (0,)), ((2, 3, 4), (3, 4))])
def test_select_matches_numpy_and_charges_one_choice_per_condition(dtype, shapes):
    cshape, vshape = shapes
    conds = [np.asarray(RNG.random(cshape) < 0.3), np.asarray(RNG.random(cshape) < 0.6)]
    choices = [np.asarray(random_data(RNG, vshape, dtype)), np.asarray(random_data(RNG, vshape, dtype))]
    want = np.select(conds, choices, 2)
    got, used = charged(fnp.select, as_flopscope(conds), as_flopscope(choices), 2)
    same(got, want)
    complex_factor = 2 if np.dtype(dtype).kind == "c" else 1  # primer: both parts chosen (cost-model.md)
    assert used == want.size * 2 * complex_factor
    got, used2 = charged(np.select, as_flopscope(conds), as_flopscope(choices), 2)
    same(got, want)
    assert used2 == used


def test_select_refusals_are_free():
    x = np.arange(4.0)
    refused(np, fnp, "select", [x > 1], [x, x])
    refused(np, fnp, "select", [], [])
    refused(np, fnp, "select", [np.ones(3, bool)], [np.ones(4)])


# --------------------------------------------------------------------------- piecewise


def test_piecewise_charges_the_tests_and_the_functions_own_calls_once():
    x = np.linspace(-2, 2, 17)
    conds = [x < -1, (x >= -1) & (x < 1)]
    funcs = [lambda v: fnp.exp(v), lambda v: v * 2.0, 7.5]  # the third: the otherwise
    want = np.piecewise(x, conds, [np.exp, lambda v: v * 2.0, 7.5])
    got, used = charged(fnp.piecewise, fnp.asarray(x), conds, funcs)
    same(got, want)
    n_exp, n_mul = int(conds[0].sum()), int(conds[1].sum())
    assert used == x.size * 3 + n_exp + n_mul
    got, used2 = charged(np.piecewise, fnp.asarray(x), conds, funcs)  # NumPy's spelling runs ours
    same(got, want)
    assert used2 == used


def test_piecewise_plain_python_functions_are_free_beyond_the_tests():
    x = np.arange(6.0).reshape(2, 3)
    cond = x > 2
    want = np.piecewise(x, [cond], [lambda v: np.asarray(v).view(np.ndarray) ** 2, -1.0])
    got, used = charged(fnp.piecewise, fnp.asarray(x), [cond], [lambda v: np.asarray(v).view(np.ndarray) ** 2, -1.0])
    same(got, want)
    assert used == x.size * 2


def test_piecewise_scalar_input_and_scalar_condition():
    want = np.piecewise(np.float64(3.0), True, [lambda v: v + 1])
    got, used = charged(fnp.piecewise, 3.0, True, [lambda v: v + 1])
    np.testing.assert_array_equal(np.asarray(got), want)
    assert isinstance(got, fnp.ndarray)
    assert used == 1 + 1  # one test, one addition


def test_piecewise_wrong_number_of_functions_is_refused_for_free():
    x = np.arange(5.0)
    with pytest.raises(ValueError) as want:
        np.piecewise(x, [x > 1, x > 2], [1.0])
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(ValueError, match="condition"):
            fnp.piecewise(fnp.asarray(x), [x > 1, x > 2], [1.0])
    assert ctx.flops_used == 0 and "functions are expected" in str(want.value)


# --------------------------------------------------------------------------- pad


def _pad_cost(shape, width, mode, stat_length=None, reflect_type="even"):
    """The count of formulas/misc.cpp, written out independently."""
    nd = len(shape)
    w = np.broadcast_to(np.asarray(width), (nd, 2))
    lengths = np.broadcast_to(np.asarray(-1 if stat_length is None else stat_length), (nd, 2))
    if math.prod(shape) == 0:
        return 0
    total = 0
    for d in range(nd):
        cross = math.prod([shape[e] + w[e].sum() if e < d else shape[e] for e in range(nd) if e != d])
        n = shape[d]
        if mode in ("maximum", "minimum", "mean", "median"):
            ls = [n if (l < 0 or l > n) else int(l) for l in lengths[d]]
            cost = [cross * (l + 1 if l else 0) if mode == "median" else cross * l for l in ls]
            total += cost[0] + (0 if ls == [n, n] else cost[1])
        elif mode == "linear_ramp" or (mode in ("reflect", "symmetric") and reflect_type == "odd" and n > 1):
            total += 2 * cross * int(w[d].sum())
    return total


PAD_CASES = [
    ((3, 4), 1, "constant", {}),
    ((3, 4), ((1, 2), (0, 3)), "edge", {}),
    ((5,), 3, "wrap", {}),
    ((3, 4), (2, 1), "reflect", {}),
    ((3, 4), (2, 1), "reflect", {"reflect_type": "odd"}),
    ((1, 4), 2, "symmetric", {"reflect_type": "odd"}),
    ((3, 4), 2, "mean", {}),
    ((3, 4, 2), ((1, 0), (2, 2), (0, 1)), "maximum", {"stat_length": 2}),
    ((6,), (2, 3), "minimum", {"stat_length": (1, 4)}),
    ((4, 5), 1, "median", {"stat_length": ((2, 3), (1, 1))}),
    ((4, 5), 2, "linear_ramp", {"end_values": (1, -1)}),
    ((0, 3), ((0, 0), (1, 1)), "mean", {}),
    ((3, 4), np.array([[1, 0], [2, 2]]), "mean", {}),
    ((2, 2), [np.int64(1), np.int64(2)], "mean", {}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
@pytest.mark.parametrize("shape,width,mode,kw", PAD_CASES)
def test_pad_matches_numpy_and_charges_only_arithmetic(shape, width, mode, kw, dtype):
    a = random_data(RNG, shape, dtype)
    want = np.pad(a, width, mode=mode, **kw)
    got, used = charged(fnp.pad, fnp.asarray(a), width, mode=mode, **kw)
    same(got, want)
    assert used == _pad_cost(shape, width, mode, kw.get("stat_length"), kw.get("reflect_type", "even"))
    got, used2 = charged(np.pad, fnp.asarray(a), width, mode=mode, **kw)
    same(got, want)
    assert used2 == used


@pytest.mark.parametrize("args,kw", [
    ((np.ones(3), -1), {}),
    ((np.ones(3), 1.5), {}),
    ((np.ones((2, 2)), (1, 2, 3)), {}),
    ((np.ones(3), 1), {"mode": "nope"}),
    ((np.ones(3), 1), {"mode": "maximum", "stat_length": 0}),
    ((np.ones((0, 2)), 1), {"mode": "edge"}),
    ((np.ones(3), 1), {"mode": "edge", "stat_length": 2}),
])
def test_pad_refusals_are_free(args, kw):
    refused(np, fnp, "pad", *args, **kw)


def test_pad_with_a_callable_mode_is_refused_for_free():
    def fill(vector, width, axis, kwargs):
        vector[: width[0]] = 1

    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(ValueError, match="callable mode"):
            fnp.pad(fnp.ones(4), 1, mode=fill)
    assert ctx.flops_used == 0


# --------------------------------------------------------------------------- gradient


def _gradient_cost(shape, axes, edge_order, coordinates):
    total = 0
    size = math.prod(shape)
    for k, ax in enumerate(axes):
        L = shape[ax]
        m = size // L
        c = (3 if coordinates[k] else 2) * m * (L - 2) + (6 if edge_order == 2 else 4) * m
        if coordinates[k]:
            c += 2 * (L - 1) + 9 * (L - 2) + (18 if edge_order == 2 else 0)
        total += c
    return total


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.complex128])
@pytest.mark.parametrize("shape,spacing,kw", [
    ((7,), (), {}),
    ((4, 6), (), {}),
    ((4, 6), (0.5,), {}),
    ((4, 6), (2.0, 3.0), {"edge_order": 2}),
    ((4, 6), (np.array([0.0, 1.0, 3.0, 7.0]), 1.0), {}),
    ((3, 4, 5), (np.cumsum(np.arange(1.0, 6.0)),), {"axis": 2, "edge_order": 2}),
    ((3, 4, 5), (), {"axis": (0, 2)}),
])
def test_gradient_matches_numpy(shape, spacing, kw, dtype):
    f = random_data(RNG, shape, dtype)
    want = np.gradient(f, *spacing, **kw)
    got, used = charged(fnp.gradient, fnp.asarray(f), *as_flopscope(list(spacing)), **kw)
    same(got, want)
    axis = kw.get("axis")
    axes = list(range(len(shape))) if axis is None else ([axis] if isinstance(axis, int) else list(axis))
    coords = [np.ndim(spacing[k]) == 1 if len(spacing) == len(axes) else False for k in range(len(axes))]
    complex_factor = 2 if np.dtype(dtype).kind == "c" else 1  # primer: both parts (cost-model.md)
    assert used == complex_factor * _gradient_cost(shape, axes, kw.get("edge_order", 1), coords)
    got, used2 = charged(np.gradient, fnp.asarray(f), *spacing, **kw)
    same(got, want)
    assert used2 == used


@pytest.mark.parametrize("args,kw", [
    ((np.ones(2),), {"edge_order": 2}),
    ((np.ones((3, 4)), 1.0, 2.0, 3.0), {}),
    ((np.ones(4), np.arange(3.0)), {}),
    ((np.ones(4),), {"edge_order": 3}),
    ((np.ones((3, 4)),), {"axis": 2}),
])
def test_gradient_refusals_are_free(args, kw):
    refused(np, fnp, "gradient", *args, **kw)


# --------------------------------------------------------------------------- unwrap


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("shape,kw", [((20,), {}), ((3, 9), {"axis": 0}), ((4, 6), {"period": 6}),
                                      ((5,), {"discont": 1.0}), ((0,), {}), ((1,), {})])
def test_unwrap_matches_numpy_and_charges_twelve_per_difference(shape, kw, dtype):
    p = np.cumsum(RNG.uniform(-4, 4, shape), axis=kw.get("axis", -1)).astype(dtype)
    want = np.unwrap(p, **kw)
    got, used = charged(fnp.unwrap, fnp.asarray(p), **kw)
    same(got, want)
    L = shape[kw.get("axis", -1)]
    assert used == (12 * (math.prod(shape) // L) * (L - 1) if L > 1 else 0)
    _, used2 = charged(np.unwrap, fnp.asarray(p), **kw)
    assert used2 == used


def test_unwrap_refusals_are_free():
    refused(np, fnp, "unwrap", np.float64(1.0))
    refused(np, fnp, "unwrap", np.ones((2, 3)), axis=2)


# --------------------------------------------------------------------------- histogram2d / histogramdd


@pytest.mark.parametrize("bins,per_dim", [(10, (10, 10)), ([4, 16], (4, 16)), (np.linspace(-3, 3, 9), (8, 8)),
                                          ([np.linspace(-3, 3, 5), np.linspace(-2, 2, 7)], (4, 6))])
@pytest.mark.parametrize("weighted", [False, True])
def test_histogram2d_matches_numpy(bins, per_dim, weighted):
    x, y = RNG.standard_normal((2, 200))
    w = RNG.random(200) if weighted else None
    want = np.histogram2d(x, y, bins=bins, weights=w)
    got, used = charged(fnp.histogram2d, fnp.asarray(x), fnp.asarray(y), bins=as_flopscope(bins), weights=w)
    same(got, want)
    bx, by = per_dim
    assert used == 200 * (_depth(bx) + _depth(by) + 1) + bx + by + 2 + (200 if weighted else 0)
    _, used2 = charged(np.histogram2d, fnp.asarray(x), fnp.asarray(y), bins=bins, weights=w)
    assert used2 == used


@pytest.mark.parametrize("form", ["array", "list"])
def test_histogramdd_matches_numpy(form):
    sample = RNG.standard_normal((150, 3))
    given = sample if form == "array" else [sample[:, 0], sample[:, 1], sample[:, 2]]
    bins = (2, 5, 9)
    want = np.histogramdd(given, bins=bins, density=True)
    got, used = charged(fnp.histogramdd, as_flopscope(given), bins=bins, density=True)
    same(got[0], want[0])
    for g, e in zip(got[1], want[1]):
        same(g, e)
    assert used == 150 * (sum(_depth(b) for b in bins) + 2) + sum(b + 1 for b in bins)
    _, used2 = charged(np.histogramdd, as_flopscope(given), bins=bins, density=True)
    assert used2 == used


def test_histogram_nd_refusals_are_free():
    refused(np, fnp, "histogram2d", np.ones(5), np.ones(4))
    refused(np, fnp, "histogramdd", np.ones((5, 2)), bins=(3, 4, 5))
    refused(np, fnp, "histogramdd", np.ones((5, 2)), bins=-1)
