"""fnp.linalg against numpy.linalg side by side: results bit for bit, result types,
FLOPs charged (formulas recomputed here from the textbook counts), refusals."""

import math

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from _compare import as_flopscope, charged as _charged, random_data, refused, same as _same

RNG = np.random.default_rng(20261202)
DTYPES = [np.float64, np.float32, np.complex128, np.int64]


def _data(shape, dtype):
    return random_data(RNG, shape, dtype)


def _hermitian(shape, dtype):
    x = _data(shape, dtype)
    return (x + np.conj(np.swapaxes(x, -1, -2))).astype(dtype)


def _batch(shape):
    return math.prod(shape[:-2])


def _cf(dtype, factor=4):
    """The primer's complex factor (cost-model.md, "complex operands"): a complex
    factorisation does 4 real multiply-adds per complex one; 1 for real dtypes."""
    return factor if np.dtype(dtype).kind == "c" else 1


def _check(name, a, expected, **kw):
    _check_args(name, (a,), expected, **kw)


def _check_args(name, args, expected, **kw):
    want = getattr(np.linalg, name)(*args, **kw)
    got, used = _charged(getattr(fnp.linalg, name), *map(as_flopscope, args), **kw)
    _same(got, want)
    assert used == expected, (name, [np.shape(a) for a in args], kw, used, expected)
    # NumPy's own function on a flopscope array is counted the same.
    got2, used2 = _charged(getattr(np.linalg, name), *map(as_flopscope, args), **kw)
    assert used2 == expected
    np.testing.assert_array_equal(np.asarray(got2[0] if isinstance(got2, tuple) else got2),
                                  want[0] if isinstance(want, tuple) else want)


def _check_or_refused(name, a, expected, **kw):
    # NumPy refuses some orders on empty input (a min of nothing): then so must we, for free.
    try:
        getattr(np.linalg, name)(a, **kw)
    except ValueError:
        _refused_same(name, a, **kw)
    else:
        _check(name, a, expected, **kw)


def _refused_same(name, *args, **kw):
    refused(np.linalg, fnp.linalg, name, *args, **kw)


SQUARE = [(0, 0), (1, 1), (3, 3), (5, 5), (2, 4, 4), (3, 0, 0), (2, 1, 3, 3)]
MATS = [(4, 2), (2, 4), (3, 3), (0, 3), (3, 0), (2, 5, 3), (2, 3, 2, 4)]
BAD = [np.float64(1.0) * np.ones(()), np.ones(3), np.ones((2, 3))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SQUARE)
def test_det_slogdet(shape, dtype):
    a = _data(shape, dtype)
    n = shape[-1]
    cost = _cf(dtype) * _batch(shape) * (2 * n**3 // 3 + n)
    _check("det", a, cost)
    _check("slogdet", a, cost)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SQUARE)
def test_eig_family(shape, dtype):
    a = _data(shape, dtype)
    h = _hermitian(shape, dtype)
    n, b = shape[-1], _cf(dtype) * _batch(shape)
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
    m, n, b = shape[-2], shape[-1], _cf(dtype) * _batch(shape)
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
        _check("trace", a, _cf(dtype, 2) * b * length, offset=k)
    _check("trace", a, b * min(m, n), dtype=np.float32)  # NumPy sums the real parts


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


# ---- QR, least squares, pseudo-inverse, norms, rank, cond, powers, products.

def _qr_cost(m, n, mode):
    k = min(m, n)
    r = 4 * k * m * n - 2 * (m + n) * k * k + 4 * k**3 // 3  # sum of 4(m-j)(n-j) over k reflectors
    if mode == "reduced":
        return r + 4 * k * m * k - 2 * (m + k) * k * k + 4 * k**3 // 3  # thin Q: the same sum on m x k
    if mode == "complete":
        return r + 4 * (m * m * k - m * k * k) + 4 * k**3 // 3
    return r


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", MATS + SQUARE)
def test_qr(shape, dtype):
    a = _data(shape, dtype)
    m, n, b = shape[-2], shape[-1], _cf(dtype) * _batch(shape)
    for mode in ("reduced", "complete", "r", "raw"):
        _check("qr", a, b * _qr_cost(m, n, mode), mode=mode)
    _refused_same("qr", a, mode="bogus")


@pytest.mark.parametrize("shape,rhs", [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 5), (3, 4)), ((4, 4), (4, 1)),
                                       ((0, 3), (0,)), ((3, 0), (3, 2))])
def test_lstsq(shape, rhs):
    a, bb = _data(shape, np.float64), _data(rhs, np.float64)
    m, n = shape
    q, k = min(m, n), 1 if len(rhs) == 1 else rhs[-1]
    _check_args("lstsq", (a, bb), _svd_cost(m, n, True, False) + k * (2 * (m + n) * q + q), rcond=None)
    _refused_same("lstsq", a, np.ones(m + 1))


@pytest.mark.parametrize("dtype", DTYPES[:3])
@pytest.mark.parametrize("shape", MATS + SQUARE)
def test_pinv(shape, dtype):
    a = _data(shape, dtype)
    m, n, b = shape[-2], shape[-1], _cf(dtype) * _batch(shape)
    q = min(m, n)
    rebuild = q + n * q + 2 * m * n * q
    _check("pinv", a, b * (_svd_cost(m, n, True, False) + rebuild))
    if m == n:
        _check("pinv", _hermitian(shape, dtype), b * (9 * n**3 + rebuild), hermitian=True)


def _vector_norm_cost(n, ord):
    if n == 0:
        return 0
    if ord in (None, 2):
        return n + 1  # n multiply-adds and a square root
    if ord in (1, 0, np.inf, -np.inf):
        return 2 * n
    return 3 * n + 1


def _matrix_norm_cost(m, n, ord):
    q = min(m, n)
    if ord in (None, "fro"):
        return m * n + 1 if m * n else 0
    if ord in ("nuc", 2, -2):
        return _svd_cost(m, n, False, False) + q
    if ord in (1, -1):
        return 2 * m * n + n
    return 2 * m * n + m  # inf, -inf


VECTOR_ORDS = [None, 2, 1, 0, np.inf, -np.inf, 3, 0.5, -1]
MATRIX_ORDS = [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]


@pytest.mark.parametrize("shape", [(7,), (0,), (3, 4), (2, 3, 4)])
def test_norm_vectors(shape):
    x = _data(shape, np.float64)
    for ord in VECTOR_ORDS:
        for axis in range(len(shape)):
            n = shape[axis]
            cost = math.prod(shape) // n * _vector_norm_cost(n, ord) if n else 0
            _check_or_refused("norm", x, cost, ord=ord, axis=axis)
            _check_or_refused("vector_norm", x, cost, ord=2 if ord is None else ord, axis=axis)
    _check("norm", x, _vector_norm_cost(math.prod(shape), None))  # flattened 2-norm
    _check("vector_norm", x, _vector_norm_cost(math.prod(shape), 3), ord=3)
    if len(shape) == 1:
        _refused_same("norm", x, ord="fro")


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 4), (0, 3)])
def test_norm_matrices(shape):
    x = _data(shape, np.float64)
    m, n, b = shape[-2], shape[-1], _batch(shape)
    for ord in MATRIX_ORDS:
        cost = b * _matrix_norm_cost(m, n, ord)
        _check_or_refused("norm", x, cost, ord=ord, axis=(-2, -1))
        _check_or_refused("matrix_norm", x, cost, ord="fro" if ord is None else ord)
        if len(shape) == 2:
            _check_or_refused("norm", x, cost, ord=ord)
    _refused_same("norm", x, ord=3, axis=(-2, -1))
    if len(shape) == 3:
        _refused_same("norm", x, ord=1)


@pytest.mark.parametrize("shape", MATS + SQUARE)
def test_matrix_rank_and_cond(shape):
    a = _data(shape, np.float64)
    m, n, b = shape[-2], shape[-1], _batch(shape)
    q = min(m, n)
    _check("matrix_rank", a, b * (_svd_cost(m, n, False, False) + 2 * q))
    if m == n:
        _check("matrix_rank", _hermitian(shape, np.float64), b * (4 * n**3 // 3 + n + 2 * q), hermitian=True)
    if m * n and b:
        with np.errstate(all="ignore"):
            _check("cond", a, b * (_svd_cost(m, n, False, False) + 1))
            if m == n:
                for p in (1, np.inf, "fro"):
                    _check("cond", a, b * (2 * n**3 + 2 * _matrix_norm_cost(n, n, p) + 1), p=p)
    _check("matrix_rank", np.ones(4), 4)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_matrix_power(shape):
    a = _data(shape, np.float64) + 4 * np.eye(shape[-1])
    n, b = shape[-1], _batch(shape)
    for e in range(-5, 9):
        mag = abs(e)
        products = 0 if mag <= 1 else mag.bit_length() - 1 + bin(mag).count("1") - 1
        _check("matrix_power", a, b * (products * n**3 + (2 * n**3 if e < 0 else 0)), n=e)
    _refused_same("matrix_power", a, n=1.5)
    _refused_same("matrix_power", np.ones((2, 3)), n=2)


def _chain_cost(dims):
    # The cheapest parenthesisation of the chain A_i: dims[i] x dims[i+1] (brute force).
    if len(dims) <= 2:
        return 0
    return min(_chain_cost(dims[:k + 1]) + _chain_cost(dims[k:]) + dims[0] * dims[k] * dims[-1]
               for k in range(1, len(dims) - 1))


@pytest.mark.parametrize("shapes", [[(3, 4), (4, 5)], [(10, 2), (2, 30), (30, 3)], [(5,), (5, 6), (6, 2), (2,)],
                                    [(2, 9), (9, 3), (3, 8), (8, 4), (4,)], [(0, 3), (3, 3), (3, 2)]])
def test_multi_dot(shapes):
    arrays = [_data(s, np.float64) for s in shapes]
    dims = [1 if len(shapes[0]) == 1 else shapes[0][0]] + [s[-1] if len(s) == 2 or i == 0 else 1
                                                           for i, s in enumerate(shapes)]
    _check_args("multi_dot", (arrays,), _chain_cost(dims))
    _refused_same("multi_dot", [arrays[0]])
    _refused_same("multi_dot", [arrays[0], np.ones((7, 7))])


def test_products_and_views():
    a, b = _data((2, 3, 4), np.float64), _data((4, 5), np.float64)
    _check_args("matmul", (a, b), 2 * 3 * 4 * 5)
    _check_args("matmul", (_data((4,), np.float64), b), 4 * 5)
    _refused_same("matmul", a, a)
    _check_args("vecdot", (a, _data((3, 4), np.float64)), 2 * 3 * 4)
    _check_args("vecdot", (a, _data((2, 3, 1), np.float64)), 2 * 3 * 4, axis=1)
    _check_args("outer", (_data((3,), np.float64), _data((5,), np.float64)), 15)
    _refused_same("outer", a, b)
    _check_args("tensordot", (a, _data((4, 3), np.float64)), 2 * 3 * 4 * 3, axes=1)
    _check_args("tensordot", (a, _data((3, 4), np.float64)), 2 * 3 * 4, axes=2)
    _check("diagonal", a, 0, offset=1)
    _check("matrix_transpose", a, 0)


def test_tensorinv_tensorsolve():
    a = _data((4, 6, 8, 3), np.float64)
    _check("tensorinv", a, 2 * 24**3, ind=2)
    _refused_same("tensorinv", a, ind=1)
    a = _data((6, 4, 2, 3, 4), np.float64)
    bb = _data((6, 4), np.float64)
    _check_args("tensorsolve", (a, bb), 2 * 24**3 // 3 + 2 * 24**2)
    _check_args("tensorsolve", (_data((2, 3, 6), np.float64), _data((2, 3), np.float64)), 2 * 6**3 // 3 + 2 * 36)


@pytest.mark.parametrize("shape,k", [((6, 4), 2), ((3, 5, 4), 4), ((4, 4), 1)])
def test_svd_top_k_is_cut_from_the_thin_svd_and_priced_as_it(shape, k):
    a = np.random.default_rng(7).standard_normal(shape)
    thin = np.linalg.svd(a, full_matrices=False)
    got, used = _charged(fnp.linalg.svd, fnp.asarray(a), k=k)
    _same(got, type(thin)(thin.U[..., :k], thin.S[..., :k], thin.Vh[..., :k, :]))
    m, n = shape[-2:]
    p, q = max(m, n), min(m, n)
    batch = int(np.prod(shape[:-2]))
    assert used == batch * (4 * p * q * q + 8 * q**3)
    vals, used_v = _charged(fnp.linalg.svdvals, fnp.asarray(a), k=k)
    _same(vals, np.linalg.svdvals(a)[..., :k])
    assert used_v == batch * (4 * p * q * q - 4 * q**3 // 3)
    _, used_np = _charged(np.linalg.svd, fnp.asarray(a), full_matrices=False)
    assert used_np == used


@pytest.mark.parametrize("k", [0, 5, -1])
def test_svd_top_k_out_of_range_is_refused_before_billing(k):
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(ValueError, match="k must satisfy"):
            fnp.linalg.svd(fnp.ones((6, 4)), k=k)
        with pytest.raises(ValueError, match="k must satisfy"):
            fnp.linalg.svdvals(fnp.ones((6, 4)), k=k)
    assert ctx.flops_used == 0
