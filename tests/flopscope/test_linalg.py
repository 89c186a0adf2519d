"""fnp.linalg against numpy.linalg side by side: results bit for bit, result types,
FLOPs charged (formulas recomputed here from the textbook counts), refusals."""

import math

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp

RNG = np.random.default_rng(20261202)
DTYPES = [np.float64, np.float32, np.complex128, np.int64]


def _data(shape, dtype):
    x = RNG.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * RNG.standard_normal(shape)
    if np.issubdtype(dtype, np.integer):
        x = np.round(x * 4)
    return x.astype(dtype)


def _hermitian(shape, dtype):
    x = _data(shape, dtype)
    return (x + np.conj(np.swapaxes(x, -1, -2))).astype(dtype)


def _batch(shape):
    return math.prod(shape[:-2])


def _same(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and type(got).__name__ == type(want).__name__
        assert len(got) == len(want)
        if hasattr(want, "_fields"):
            assert got._fields == want._fields
        for g, w in zip(got, want):
            _same(g, w)
        return
    assert isinstance(got, fnp.ndarray), type(got)
    np.testing.assert_array_equal(np.asarray(got).view(np.ndarray), want, strict=True)


def _charged(fn, *args, **kw):
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        out = fn(*args, **kw)
    return out, ctx.flops_used


def _check(name, a, expected, **kw):
    want = getattr(np.linalg, name)(a, **kw)
    got, used = _charged(getattr(fnp.linalg, name), fnp.asarray(a), **kw)
    _same(got, want)
    assert used == expected, (name, a.shape, kw, used, expected)
    # NumPy's own function on a flopscope array is counted the same.
    got2, used2 = _charged(getattr(np.linalg, name), fnp.asarray(a), **kw)
    assert used2 == expected
    np.testing.assert_array_equal(np.asarray(got2[0] if isinstance(got2, tuple) else got2),
                                  want[0] if isinstance(want, tuple) else want)


def _refused_same(name, a, **kw):
    with pytest.raises(Exception) as want:
        getattr(np.linalg, name)(a, **kw)
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        with pytest.raises(type(want.value)):
            getattr(fnp.linalg, name)(fnp.asarray(a), **kw)
    assert ctx.flops_used == 0


SQUARE = [(0, 0), (1, 1), (3, 3), (5, 5), (2, 4, 4), (3, 0, 0), (2, 1, 3, 3)]
MATS = [(4, 2), (2, 4), (3, 3), (0, 3), (3, 0), (2, 5, 3), (2, 3, 2, 4)]
BAD = [np.float64(1.0) * np.ones(()), np.ones(3), np.ones((2, 3))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SQUARE)
def test_det_slogdet(shape, dtype):
    a = _data(shape, dtype)
    n = shape[-1]
    cost = _batch(shape) * (2 * n**3 // 3 + n)
    _check("det", a, cost)
    _check("slogdet", a, cost)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SQUARE)
def test_eig_family(shape, dtype):
    a = _data(shape, dtype)
    h = _hermitian(shape, dtype)
    n, b = shape[-1], _batch(shape)
    _check("eigh", h, b * 9 * n**3)
    _check("eigh", h, b * 9 * n**3, UPLO="U")
    _check("eigvalsh", h, b * (4 * n**3 // 3))
    _check("eig", a, b * 25 * n**3)
    _check("eigvals", a, b * 10 * n**3)


def _svd_cost(m, n, uv, full):
    p, q = max(m, n), min(m, n)
    if not uv:
        return 4 * p * q * q - 4 * q**3 // 3
    if full and p != q:
        return 4 * p * p * q + 8 * p * q * q + 9 * q**3
    return 4 * p * q * q + 8 * q**3


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", MATS + SQUARE)
def test_svd(shape, dtype):
    a = _data(shape, dtype)
    m, n, b = shape[-2], shape[-1], _batch(shape)
    for full in (True, False):
        for uv in (True, False):
            _check("svd", a, b * _svd_cost(m, n, uv, full), full_matrices=full, compute_uv=uv)
    _check("svdvals", a, b * _svd_cost(m, n, False, False))
    if m == n:
        h = _hermitian(shape, dtype)
        _check("svd", h, b * 9 * n**3, hermitian=True)
        _check("svd", h, b * (4 * n**3 // 3), hermitian=True, compute_uv=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", MATS + SQUARE)
def test_trace(shape, dtype):
    a = _data(shape, dtype)
    m, n, b = shape[-2], shape[-1], _batch(shape)
    for k in (0, 1, -1, 2, -7, 9):
        length = max(0, min(m, n - k)) if k >= 0 else max(0, min(m + k, n))
        _check("trace", a, b * length, offset=k)
    _check("trace", a, b * min(m, n), dtype=np.float32)


@pytest.mark.parametrize("name", ["det", "slogdet", "eigh", "eigvalsh", "eig", "eigvals"])
@pytest.mark.parametrize("a", BAD, ids=["0d", "1d", "rect"])
def test_square_refusals(name, a):
    _refused_same(name, a)


@pytest.mark.parametrize("name", ["svd", "svdvals", "trace"])
@pytest.mark.parametrize("a", BAD[:2], ids=["0d", "1d"])
def test_matrix_refusals(name, a):
    _refused_same(name, a)


def test_singular_and_nan_results():
    s = np.ones((3, 3))
    _check("det", s, 2 * 27 // 3 + 3)
    _check("slogdet", s, 2 * 27 // 3 + 3)
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.svd(np.full((2, 2), np.nan))
    with flops.BudgetContext(10**15, quiet=True):
        with pytest.raises(np.linalg.LinAlgError):
            fnp.linalg.svd(fnp.asarray(np.full((2, 2), np.nan)))
