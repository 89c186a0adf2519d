"""Order statistics, moments, differences, convolutions and unique, against NumPy
side by side: results bit for bit, flopscope result types (tuples included),
FLOPs charged (recomputed here from the textbook counts), NumPy's own function
on flopscope arrays counted the same, refusals free."""

import math
import warnings

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from _compare import as_flopscope, charged as _charged, refused as _refused, same as _same

RNG = np.random.default_rng(11)


def check(name, args, expected, **kw):
    want = getattr(np, name)(*args, **kw)
    got, used = _charged(getattr(fnp, name), *map(as_flopscope, args), **kw)
    _same(got, want)
    assert used == expected, (name, kw, used, expected)
    got2, used2 = _charged(getattr(np, name), *map(as_flopscope, args), **kw)  # NumPy's own, on our arrays
    _same(got2, want)
    assert used2 == expected


def refused(name, *args, **kw):
    _refused(np, fnp, name, *args, **kw)


def sort_cost(n):
    return 0 if n == 0 else n * max(1, math.ceil(math.log2(n)) if n > 1 else 0)


SHAPES = [(7,), (4, 6), (2, 3, 5), (0, 3)]


def _slices(shape, axis):
    axes = range(len(shape)) if axis is None else [axis % len(shape)]
    length = math.prod(shape[a] for a in axes)
    return length, (math.prod(shape) // length if length else
                    math.prod(d for i, d in enumerate(shape) if i not in axes))


@pytest.mark.parametrize("shape", SHAPES)
def test_median_and_quantiles(shape):
    a = RNG.standard_normal(shape)
    with np.errstate(all="ignore"):
        for axis in [None, 0, -1]:
            n, count = _slices(shape, axis)
            per = 0 if n == 0 else count * (n + 1)
            if n or shape == (0, 3):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # NumPy's mean-of-empty warning
                    check("median", (a,), per, axis=axis)
                    check("nanmedian", (a,), per + (math.prod(shape) if n else 0), axis=axis)
            for q in (0.25, np.array([0.1, 0.5, 0.9])):
                nq = np.size(q)
                cost = 0 if n == 0 else count * nq * (n + 3)
                if n:
                    check("quantile", (a, q), cost, axis=axis)
                    check("percentile", (a, 100 * q), cost, axis=axis)
                    check("nanquantile", (a, q), cost + math.prod(shape), axis=axis)
                    check("nanpercentile", (a, 100 * q), cost + math.prod(shape), axis=axis)
    if a.size:
        refused("quantile", a, 1.5)


@pytest.mark.parametrize("shape", SHAPES[:3])
def test_average(shape):
    a = RNG.standard_normal(shape)
    check("average", (a,), a.size)
    check("average", (a,), a.size, axis=-1)
    w = RNG.random(shape[-1])
    check("average", (a,), a.size + w.size + a.size // shape[-1], axis=-1, weights=w)
    refused("average", a, axis=-1, weights=np.ones(shape[-1] + 1))


@pytest.mark.parametrize("shape,rowvar", [((4, 6), True), ((4, 6), False), ((9,), True), ((3, 10), True)])
def test_cov_corrcoef(shape, rowvar):
    m = RNG.standard_normal(shape)
    f, s = (1, shape[0]) if len(shape) == 1 else ((shape[0], shape[1]) if rowvar else (shape[1], shape[0]))
    cost = f * f * s + 2 * f * s + f * f
    check("cov", (m,), cost, rowvar=rowvar)
    check("cov", (m,), cost + f * s, rowvar=rowvar, aweights=RNG.random(s))
    check("corrcoef", (m,), cost + f + 2 * f * f, rowvar=rowvar)
    if len(shape) == 2:
        y = RNG.standard_normal(shape)
        f2 = 2 * f
        check("cov", (m, y), f2 * f2 * s + 2 * f2 * s + f2 * f2, rowvar=rowvar)
    refused("cov", RNG.standard_normal((2, 2, 2)))


@pytest.mark.parametrize("shape", SHAPES)
def test_diff(shape):
    a = RNG.standard_normal(shape)
    for n in (0, 1, 2, 9):
        for axis in (0, -1):
            L = shape[axis]
            others = math.prod(shape) // L if L else math.prod(d for i, d in enumerate(shape) if i != axis % len(shape))
            # each of the n passes costs at least 1 (NumPy runs a subtract per pass, empty or not)
            check("diff", (a,), sum(max(others * (L - j), 1) for j in range(1, n + 1)), n=n, axis=axis)
    L = shape[-1] + 2
    others = math.prod(shape[:-1])
    check("diff", (a,), max(others * (L - 1), 1), prepend=0.0, append=1.0)  # the one pass runs even when empty
    refused("diff", a, n=-1)


def _overlaps(n, m):
    p, q = max(n, m), min(n, m)
    return [min(k + 1, q, n + m - 1 - k) for k in range(n + m - 1)]


@pytest.mark.parametrize("n,m", [(5, 3), (3, 5), (1, 1), (8, 8), (10, 1), (2, 7)])
def test_convolve_correlate(n, m):
    a, v = RNG.standard_normal(n), RNG.standard_normal(m)
    full = _overlaps(n, m)
    p, q = max(n, m), min(n, m)
    first = (q - 1) // 2
    costs = {"full": n * m, "valid": (p - q + 1) * q, "same": sum(full[first:first + p])}
    assert sum(full) == n * m
    for mode, cost in costs.items():
        check("convolve", (a, v), cost, mode=mode)
        check("correlate", (a, v), cost, mode=mode)
    check("convolve", (a, v), n * m)
    check("correlate", (a, v), costs["valid"])
    refused("convolve", a, np.ones(0))
    refused("convolve", a, v, mode="bogus")


def test_kron_cross():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 1, 2))
    check("kron", (a, b), a.size * b.size)
    u, w = RNG.standard_normal((5, 3)), RNG.standard_normal(3)
    check("cross", (u, w), 5 * 6)
    check("cross", (RNG.standard_normal((5, 2)), w), 5 * 4)
    check("cross", (RNG.standard_normal((5, 2)), RNG.standard_normal((1, 2))), 5 * 2)
    check("cross", (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))), 4 * 6, axis=0)
    refused("cross", np.ones((2, 4)), np.ones((2, 4)))
    got, used = _charged(fnp.linalg.cross, fnp.asarray(u), fnp.asarray(w))
    _same(got, np.linalg.cross(u, w))
    assert used == 30


@pytest.mark.parametrize("shape", [(12,), (3, 4), (0,)])
def test_unique_family(shape):
    a = np.round(RNG.standard_normal(shape) * 2)
    n = a.size
    check("unique", (a,), sort_cost(n))
    check("unique", (a,), sort_cost(n), return_counts=True, return_index=True, return_inverse=True)
    for name in ("unique_all", "unique_counts", "unique_inverse", "unique_values"):
        check(name, (a,), sort_cost(n))
    if len(shape) == 2:
        check("unique", (a,), sort_cost(shape[0]) * shape[1], axis=0)
        refused("unique", a, axis=2)


# ---- sets, histograms, searching, counting, elementwise helpers

A100 = np.round(RNG.standard_normal(100) * 3)
B28 = np.round(RNG.standard_normal(28) * 3)


def test_set_operations():
    n = sort_cost(128)  # the concatenation of 100 and 28 values, sorted
    for name in ("isin", "intersect1d", "union1d", "setdiff1d", "setxor1d"):
        check(name, (A100, B28), n)
    check("intersect1d", (A100, B28), n, return_indices=True)
    check("isin", (A100, B28), n, invert=True)
    check("isin", (A100.reshape(10, 10), B28), n)


def test_sorting_helpers():
    keys = np.stack([A100, B28.repeat(4)[:100]])
    check("lexsort", (keys,), 2 * sort_cost(100))
    check("lexsort", (RNG.standard_normal((3, 4, 5)),), 3 * 4 * sort_cost(5))
    z = RNG.standard_normal((4, 6)) + 1j * RNG.standard_normal((4, 6))
    check("sort_complex", (z,), 4 * sort_cost(6))


def test_histograms_and_counting():
    a = RNG.standard_normal(100)
    check("histogram", (a,), 100 * 4 + 11)
    check("histogram", (a,), 100 * 5 + 21, bins=20, range=(-2, 2))
    check("histogram", (a,), 100 * 7 + 300, bins="auto")
    check("histogram", (a,), 100 * 2 + 4 + 100, bins=[-1.0, 0.0, 1.0, 2.0], weights=np.ones(100))
    check("histogram_bin_edges", (a,), 11)
    check("histogram_bin_edges", (a,), 300, bins="fd")
    i = np.array([0, 3, 3, 1, 7])
    check("bincount", (i,), 5)
    check("bincount", (i,), 10, weights=np.ones(5), minlength=10)
    refused("bincount", np.array([-1, 2]))
    bins = np.linspace(-1, 1, 9)
    check("digitize", (a,), 100 * 4, bins=bins)
    check("digitize", (a,), 100 * 4, bins=bins, right=True)
    check("interp", (a, bins, bins**2), 100 * (4 + 3))
    check("ediff1d", (a,), 99)
    check("ediff1d", (a,), 99, to_begin=[0.0], to_end=[1.0, 2.0])
    y = RNG.standard_normal((3, 8))
    check("trapezoid", (y,), 3 * 3 * 7)
    check("trapezoid", (y,), 8 * 3 * 2, axis=0)
    check("trapezoid", (y, np.linspace(0, 1, 8)), 3 * 4 * 7)
    for name in ("nonzero", "argwhere", "flatnonzero"):
        check(name, (np.round(y),), 24)


def test_elementwise_and_scans():
    x = RNG.standard_normal((3, 4))
    x[0, 0], x[1, 1], x[2, 2] = np.nan, np.inf, -np.inf
    z = x + 1j * RNG.standard_normal((3, 4))
    for name in ("sinc", "fix", "isneginf", "isposinf", "nan_to_num", "iscomplex", "isreal"):
        check(name, (x,), 12)
    check("i0", (np.nan_to_num(x),), 12)
    check("angle", (z,), 12)
    check("real_if_close", (z,), 12)
    check("real", (z,), 0)
    check("imag", (z,), 0)
    for name in ("nanargmax", "nanargmin", "nancumsum", "nancumprod"):
        check(name, (np.nan_to_num(x, nan=0.5, posinf=2, neginf=-2),), 12)
    check("cumulative_sum", (x,), 12, axis=1)
    check("cumulative_prod", (x.ravel(),), 12, include_initial=True)
