"""Complex operands under the default `primer` profile (brief "complex").

A hostile participant packed real work into complex numbers: one complex matmul
computes four real products (two with one complex operand) and was billed as one
real matmul. The primer now prices a complex operand by the real operations it
takes (docs/cost-model.md, "complex operands"): a contraction's complex
multiply-add as 4 real ones, add/subtract 2, multiply 6, divide 11, sum 2 per
element, prod 6, linalg factorisations 4; comparisons, sorts and FFTs (which
already count complex butterflies) unchanged. Real calls keep their figures.
"""

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import accounting

M, N, K = 7, 5, 3


def charged(fn, *args, **kw):
    with flops.BudgetContext(10**15, quiet=True) as ctx:  # the default profile: primer
        fn(*args, **kw)
    return ctx.flops_used


def arr(shape, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return fnp.asarray(x.astype(dtype))


# --- contractions: a complex multiply-add is 4 real ones ---------------------------

CONTRACTIONS = {
    "matmul": (lambda a, b: fnp.matmul(a, b), (M, N), (N, K)),
    "@": (lambda a, b: a @ b, (M, N), (N, K)),
    "matmul batched": (lambda a, b: a @ b, (2, M, N), (N, K)),
    "dot": (lambda a, b: fnp.dot(a, b), (M, N), (N, K)),
    "inner": (lambda a, b: fnp.inner(a, b), (M, N), (K, N)),
    "outer": (lambda a, b: fnp.outer(a, b), (M,), (N,)),
    "vdot": (lambda a, b: fnp.vdot(a, b), (M, N), (M, N)),
    "tensordot": (lambda a, b: fnp.tensordot(a, b, axes=1), (M, N), (N, K)),
    "einsum": (lambda a, b: fnp.einsum("ij,jk->ik", a, b), (M, N), (N, K)),
    "einsum elementwise": (lambda a, b: fnp.einsum("ij,ij->ij", a, b), (M, N), (M, N)),
    "linalg.matmul": (lambda a, b: fnp.linalg.matmul(a, b), (M, N), (N, K)),
    "vecdot": (lambda a, b: fnp.vecdot(a, b), (M, N), (M, N)),
    "linalg.multi_dot": (lambda a, b: fnp.linalg.multi_dot([a, b]), (M, N), (N, K)),
}


@pytest.mark.parametrize("name", sorted(CONTRACTIONS))
@pytest.mark.parametrize("ctype,rtype", [(np.complex128, np.float64), (np.complex64, np.float32)])
def test_complex_contraction_costs_four_times_the_real_one(name, ctype, rtype):
    fn, sa, sb = CONTRACTIONS[name]
    real = charged(fn, arr(sa, rtype), arr(sb, rtype))
    assert real > 0
    assert charged(fn, arr(sa, ctype), arr(sb, ctype)) == 4 * real


def test_complex_matmul_figure():
    # (7, 5) @ (5, 3): 105 multiply-adds, each complex one 4 real ones.
    assert charged(lambda: arr((M, N)) @ arr((N, K))) == M * N * K
    a, b = arr((M, N), np.complex128), arr((N, K), np.complex128)
    assert charged(lambda: a @ b) == 4 * M * N * K == 420


def test_packing_two_real_products_into_one_complex_saves_nothing():
    a, b = arr((M, N), seed=0), arr((M, N), seed=1)
    c, d = arr((N, K), seed=2), arr((N, K), seed=3)
    p = a + 1j * b
    q = c + 1j * d
    # One complex operand: (a + ib) @ c computes a @ c and b @ c.
    assert charged(lambda: p @ c) >= charged(lambda: a @ c) + charged(lambda: b @ c)
    # Both complex: (ac - bd) + i(ad + bc), the four real products it replaces.
    replaced = sum(charged(lambda x=x, y=y: x @ y) for x, y in [(a, c), (b, d), (a, d), (b, c)])
    assert charged(lambda: p @ q) >= replaced
    # The whole expression, packing included, costs more than its two real products alone.
    assert charged(lambda: (a + 1j * b) @ (c + 1j * d)) >= charged(lambda: a @ c) + charged(lambda: b @ d)


def test_einsum_one_operand_complex_sum_is_two_per_element():
    c = arr((M, N), np.complex128)
    assert charged(fnp.einsum, "ij->", arr((M, N))) == M * N
    assert charged(fnp.einsum, "ij->", c) == 2 * M * N


# --- pointwise ----------------------------------------------------------------

SHAPE = (4, 6)
SIZE = 24


@pytest.mark.parametrize("fn,factor", [
    (lambda x, y: x * y, 6),
    (lambda x, y: fnp.multiply(x, y), 6),
    (lambda x, y: x + y, 2),
    (lambda x, y: fnp.subtract(x, y), 2),
    (lambda x, y: x / y, 11),
    (lambda x, y: fnp.divide(x, y), 11),
    (lambda x, y: fnp.abs(x), 4),
    (lambda x, y: fnp.exp(x), 5),
    (lambda x, y: fnp.sqrt(x), 10),
    (lambda x, y: fnp.log(x), 6),
    (lambda x, y: fnp.sin(x), 6),
    (lambda x, y: fnp.power(x, y), 17),
    # comparisons unchanged
    (lambda x, y: fnp.less(x, y), 1),
    (lambda x, y: fnp.maximum(x, y), 1),
])
def test_pointwise_complex_factor(fn, factor):
    positive = [fnp.asarray(np.abs(np.asarray(arr(SHAPE, seed=s))) + 0.5) for s in (0, 1)]  # log, sqrt: no NaN
    assert charged(fn, *positive) == SIZE
    assert charged(fn, arr(SHAPE, np.complex128), arr(SHAPE, np.complex128, seed=1)) == factor * SIZE


def test_pointwise_complex_multiply_is_six_per_element():
    x, y = arr(SHAPE, np.complex128), arr(SHAPE, np.complex128, seed=1)
    assert charged(lambda: x * y) == 6 * SIZE == 144


def test_in_place_complex_operator():
    x, y = arr(SHAPE, np.complex128), arr(SHAPE, np.complex128, seed=1)

    def run():
        z = x.copy()
        z *= y

    assert charged(run) == 6 * SIZE


# --- mixed real / complex operands ---------------------------------------------

def test_float32_with_complex64_bills_complex():
    x, y = arr(SHAPE, np.float32), arr(SHAPE, np.complex64, seed=1)
    assert charged(lambda: x * y) == 6 * SIZE
    assert charged(lambda: x + y) == 2 * SIZE
    assert charged(lambda: fnp.matmul(arr((M, N), np.float32), arr((N, K), np.complex64))) == 4 * M * N * K


def test_float64_with_python_complex_scalar_bills_complex():
    x = arr(SHAPE)
    assert charged(lambda: x * 2.0) == SIZE            # real: unchanged
    assert charged(lambda: x * 1j) == 6 * SIZE
    assert charged(lambda: x + (1 + 2j)) == 2 * SIZE
    assert charged(lambda: fnp.multiply(1j, x)) == 6 * SIZE


# --- reductions ---------------------------------------------------------------

@pytest.mark.parametrize("fn,factor", [
    (fnp.sum, 2), (fnp.mean, 2), (fnp.cumsum, 2), (fnp.prod, 6), (fnp.cumprod, 6),
    (lambda x: x.sum(), 2), (lambda x: fnp.add.reduce(x, axis=None), 2), (lambda x: fnp.multiply.reduce(x, axis=None), 6),
    (fnp.max, 1), (fnp.argmin, 1),
])
def test_reduction_complex_factor(fn, factor):
    assert charged(fn, arr(SHAPE)) == SIZE
    assert charged(fn, arr(SHAPE, np.complex128)) == factor * SIZE


def test_complex_sum_is_two_per_element():
    assert charged(fnp.sum, arr((1000,), np.complex128)) == 2000


# --- linalg and fft -----------------------------------------------------------

@pytest.mark.parametrize("fn", [fnp.linalg.inv, fnp.linalg.det, fnp.linalg.eigvals, fnp.linalg.qr,
                                lambda a: fnp.linalg.svd(a, compute_uv=False), lambda a: fnp.linalg.solve(a, a)])
def test_linalg_complex_factor_four(fn):
    real = charged(fn, arr((6, 6)))
    assert real > 0
    assert charged(fn, arr((6, 6), np.complex128)) == 4 * real


def test_fft_already_counts_complex_butterflies():
    # 5 n log2 n real FLOPs per complex transform: the same for a complex input.
    real = charged(fnp.fft.fft, arr((64,)))
    assert real == 5 * 64 * 6
    assert charged(fnp.fft.fft, arr((64,), np.complex128)) == real


def test_sort_unchanged():
    assert charged(fnp.sort, arr((64,), np.complex128)) == charged(fnp.sort, arr((64,)))


# --- the price query is the charge ---------------------------------------------

QUERIES = [  # (function, operands, the primer's figure)
    (fnp.matmul, lambda: (arr((M, N), np.complex128), arr((N, K), np.complex128)), 4 * M * N * K),
    (fnp.einsum, lambda: ("ij,jk->ik", arr((M, N), np.complex64), arr((N, K), np.float32)), 4 * M * N * K),
    (fnp.multiply, lambda: (arr(SHAPE, np.complex128), arr(SHAPE)), 6 * SIZE),
    (fnp.multiply, lambda: (arr(SHAPE), 1j), 6 * SIZE),
    (fnp.sum, lambda: (arr(SHAPE, np.complex128),), 2 * SIZE),
    (fnp.prod, lambda: (arr(SHAPE, np.complex64),), 6 * SIZE),
    (fnp.linalg.inv, lambda: (arr((5, 5), np.complex128),), 4 * 2 * 5**3),
    (fnp.dot, lambda: (arr((M, N), np.complex128), arr((N, K))), 4 * M * N * K),
]


@pytest.mark.parametrize("i", range(len(QUERIES)))
def test_accounting_cost_equals_charge(i):
    fn, make, figure = QUERIES[i]
    args = make()
    assert accounting.cost(fn, *args, cost_model="primer") == charged(fn, *args) == figure
    assert accounting.cost(fn, *args) == figure


# --- flopscope-0.12 keeps its bills -------------------------------------------

def test_upstream_profile_unchanged():
    a, b = arr((M, N), np.complex128), arr((N, K), np.complex128)
    # spec 2.4: 6 per complex multiply + 2 per add, at complex128's rate 2.
    assert accounting.cost(fnp.matmul, a, b, cost_model="flopscope-0.12") == 2 * (6 * M * N * K + 2 * (M * N * K - M * K))
    x = arr(SHAPE, np.complex128)
    assert accounting.cost(fnp.multiply, x, x, cost_model="flopscope-0.12") == 2 * 6 * SIZE


# --- every route to the same complex work -----------------------------------------

def test_ufunc_methods_take_the_ufunc_factor():
    x, y = arr((4,), np.complex128), arr((6,), np.complex128, seed=1)
    assert charged(fnp.multiply.outer, arr((4,)), arr((6,), seed=1)) == 24
    assert charged(fnp.multiply.outer, x, y) == 6 * 24
    assert charged(fnp.divide.accumulate, y) == 11 * 6
    assert charged(fnp.add.reduce, y) == 2 * 6

    def at():
        z = x.copy()
        fnp.exp.at(z, [0, 1, 2])

    assert charged(at) == 5 * 3


def test_many_operand_einsum_with_a_complex_operand_last():
    # Operands past the first eight still make the call complex.
    reals = [arr((5,), seed=s) for s in range(8)]
    subs = ",".join("i" * 9) + "->"
    real = charged(fnp.einsum, subs, *reals, arr((5,), seed=9))
    assert real == 8 * 5
    assert charged(fnp.einsum, subs, *reals, arr((5,), np.complex128, seed=9)) == 4 * real


def test_complex_reduction_into_a_real_dtype_bills_real():
    # NumPy keeps the real parts (ComplexWarning) and adds reals.
    c = arr((10,), np.complex128)
    with pytest.warns(np.exceptions.ComplexWarning):
        assert charged(fnp.sum, c, dtype=np.float64) == 10
    assert charged(fnp.sum, c, dtype=np.complex64) == 20


def test_real_operands_keep_their_figures():
    x, y = arr(SHAPE), arr(SHAPE, seed=1)
    assert charged(lambda: x * y) == SIZE
    assert charged(lambda: x / y) == SIZE
    assert charged(fnp.sum, x) == SIZE
    assert charged(lambda: arr((M, N), np.float32) @ arr((N, K), np.float32)) == M * N * K
    assert charged(lambda: arr((M, N), np.int64) @ arr((N, K), np.int64)) == M * N * K


def test_complex_out_buffer_of_real_inputs_bills_real():
    # NumPy runs the float64 loop (its inputs choose it) and casts into out.
    x, y = arr(SHAPE), arr(SHAPE, seed=1)
    z = fnp.zeros(SHAPE, dtype=np.complex128)
    assert charged(fnp.multiply, x, y, out=z) == SIZE
    c = arr(SHAPE, np.complex128)
    assert charged(fnp.multiply, c, c, out=z) == 6 * SIZE
