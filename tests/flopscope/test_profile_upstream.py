"""The profile flopscope-0.12 (upstream flopscope 0.12.4's billing, spec section 2):
the dtype rates, complex factors and weights of the spec's worked examples,
NEP 50 weak scalars, compute dtypes, and accounting queries that agree with
the charge. (Its known gaps are listed in docs/cost-model.md.)"""

import warnings

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import accounting

MODEL = "flopscope-0.12"


@pytest.fixture(autouse=True)
def upstream_profile():
    before = flops._budget._settings["cost_model"]
    flops.configure(cost_model=MODEL)
    yield
    flops.configure(cost_model=before)


def charged(fn, *args, **kw):
    with flops.BudgetContext(10**12, quiet=True) as ctx:
        fn(*args, **kw)
    assert ctx.summary_dict()["cost_model"] == MODEL
    return ctx.flops_used


# Spec 2.4, N = 100 elementwise.
@pytest.mark.parametrize("op,want", [
    ("multiply", {np.float32: 100, np.float64: 200, np.complex64: 600, np.complex128: 1200}),
    ("add", {np.float32: 100, np.float64: 200, np.complex64: 200, np.complex128: 400}),
])
def test_worked_binary_examples(op, want):
    for dt, flops_ in want.items():
        a = fnp.ones(100, dtype=dt)
        assert charged(getattr(fnp, op), a, a) == flops_, (op, dt)


def test_worked_transcendental_example():
    for dt, want in {np.float32: 1600, np.float64: 3200, np.complex64: 5440, np.complex128: 10880}.items():
        assert charged(fnp.sin, fnp.ones(100, dtype=dt)) == want, dt


def test_weak_python_scalars_and_compute_dtypes():
    f32, i32 = fnp.ones(100, dtype=np.float32), fnp.ones(100, dtype=np.int32)
    assert charged(fnp.multiply, f32, 2.0) == 100  # NEP 50: float32 * 2.0 is float32
    assert charged(fnp.multiply, i32, 2.0) == 200  # int32 * 2.0 is float64
    assert charged(fnp.multiply, i32, 2) == 100
    assert charged(fnp.exp, i32) == 100 * 16 * 2  # exp of int32 computes in float64
    assert charged(fnp.exp, fnp.ones(100, dtype=np.int8)) == 100 * 16  # ... of int8 in float16


def test_reductions_are_n_minus_one_at_the_rate():
    # Dense inputs: fnp.ones((n, n)) itself is symmetric under this profile, as upstream
    # tags it (its sum bills 65,790 there: test_symmetric.py).
    a = fnp.asarray(np.ones((256, 256)))
    assert charged(fnp.sum, a) == 65_535 * 2
    assert charged(fnp.sum, fnp.asarray(np.ones((256, 256), dtype=np.float32)), axis=0) == 65_536 - 256


def test_matmul_is_two_flops_per_multiply_add_less_one_add_per_output():
    for dt, want in {np.float32: 960, np.float64: 1920}.items():  # spec 2.4: (8, 8) @ (8, 8)
        m = fnp.asarray(np.ones((8, 8), dtype=dt))  # dense (ones((8, 8)) @ itself is symmetric: 540 upstream)
        assert charged(fnp.matmul, m, m) == want


def test_accounting_queries_agree_with_the_charge_under_the_profile():
    a = fnp.ones((30, 7), dtype=np.float32)
    for fn, args in ((fnp.exp, (a,)), (fnp.sum, (a,)), (fnp.matmul, (a, a.T)), (fnp.linalg.svd, (a,))):
        assert accounting.cost(fn, *args, cost_model=MODEL) == charged(fn, *args)
    assert accounting.cost(fnp.exp, a, cost_model="primer") == 210  # the default profile is untouched


# Spec 2.7 "Profile C extras" (n = 2048 inputs of a 64 x 32 float32 array; M
# outputs), the figures upstream 0.12.4 charges (measured with scripts/differential).
@pytest.mark.parametrize("op,per_input,per_output", [
    ("sum", 1, -1), ("nanmax", 1, -1), ("mean", 1, 0), ("nansum", 2, -1), ("nanargmin", 2, -1),
    ("nancumsum", 2, -1), ("nanmean", 2, 0), ("var", 4, 0), ("std", 4, 1), ("nanvar", 5, 0),
    ("nanstd", 5, 1), ("ptp", 2, -1), ("count_nonzero", 1, 0),
])
def test_reduction_forms(op, per_input, per_output):
    a = fnp.asarray(np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32))
    for axis, m in ((None, 1), (0, 32), (1, 64)):
        if op == "nancumsum" and axis is None:
            m = 1  # one flattened slice
        assert charged(getattr(fnp, op), a, axis=axis) == per_input * 2048 + per_output * m, (op, axis)
    assert charged(getattr(fnp, op), a.astype(np.float64), axis=0) == 2 * (per_input * 2048 + per_output * 32)


def test_readme_example_is_upstream_figure():
    # Spec 3.4: upstream 0.12's README example, 12,459,522 FLOPs, row by row.
    width, depth = 256, 5
    with flops.BudgetContext(flop_budget=10**8, quiet=True) as ctx:
        scale = fnp.sqrt(2 / width)
        weights = [fnp.random.randn(width, width) * scale for _ in range(depth)]
        h = fnp.random.randn(width)
        for i, w in enumerate(weights):
            h = fnp.einsum("ij,j->i", w, h)
            if i < depth - 1:
                h = fnp.maximum(h, 0)
    by_op = {name: row["flop_cost"] for name, row in ctx.summary_dict()["operations"].items()}
    assert by_op == {"random.randn": 10_493_952, "einsum": 1_308_160, "multiply": 655_360,
                     "maximum": 2_048, "sqrt": 2}
    assert ctx.flops_used == 12_459_522


# Spec 2.5 (write metering) and 2.11 (random draws): what upstream 0.12.4
# charged for each call (measured side by side).
A34 = np.arange(12.0).reshape(3, 4)
WRITES = [
    ("ones f8", lambda: fnp.ones((3, 4)), 24),
    ("ones f4", lambda: fnp.ones((3, 4), dtype=np.float32), 12),
    ("ones empty", lambda: fnp.ones(0), 0),
    ("full_like", lambda: fnp.full_like(A34, 3.0), 24),
    ("copy", lambda: fnp.copy(A34), 24),
    ("copy empty", lambda: fnp.copy(np.zeros(0)), 2),
    ("reshape", lambda: fnp.reshape(A34, (4, 3)), 24),
    ("array", lambda: fnp.array(A34), 24),
    ("asarray no-op", lambda: fnp.asarray(A34), 0),
    ("asarray to f4", lambda: fnp.asarray(A34, dtype=np.float32), 24),
    ("concatenate", lambda: fnp.concatenate([A34, A34]), 48),
    ("tile", lambda: fnp.tile(A34, 2), 48),
    ("resize", lambda: fnp.resize(A34, (5, 5)), 50),
    ("delete", lambda: fnp.delete(A34, 1), 22),
    ("meshgrid", lambda: fnp.meshgrid(np.ones(3), np.ones(4)), 48),
    ("copyto", lambda: fnp.copyto(np.empty((3, 4)), A34), 24),
    ("take", lambda: fnp.take(A34, [0, 1, 2]), 24),
    ("eye", lambda: fnp.eye(5), 10),
    ("eye k", lambda: fnp.eye(5, 7, k=2), 10),
    ("identity", lambda: fnp.identity(5), 10),
    ("diag of a vector", lambda: fnp.diag(np.ones(4)), 8),
    ("diag of a matrix (a view)", lambda: fnp.diag(np.ones((4, 4))), 0),
    ("diagflat", lambda: fnp.diagflat(np.ones(4)), 8),
    ("packbits", lambda: fnp.packbits(np.ones(10, np.uint8)), 10),
    ("diag_indices", lambda: fnp.diag_indices(5), 10),
    ("tril_indices", lambda: fnp.tril_indices(4), 20),
    ("extract", lambda: fnp.extract(np.ones((3, 4), bool), A34), 24),  # the elements of arr
    ("fill_diagonal", lambda: fnp.fill_diagonal(np.zeros((4, 6)), 1.0), 8),  # min(4, 6) ones
    ("arange", lambda: fnp.arange(5), 20),
    ("linspace", lambda: fnp.linspace(0, 1, 7), 28),
    ("transpose (a view)", lambda: fnp.transpose(A34), 0),
    ("zeros (untouched)", lambda: fnp.zeros((3, 4)), 0),
    ("randn", lambda: fnp.random.randn(3, 4), 384),
    ("rand", lambda: fnp.random.rand(3, 4), 24),
    ("uniform", lambda: fnp.random.uniform(size=(3, 4)), 72),
    ("randint", lambda: fnp.random.randint(0, 5, size=12), 24),
    ("Generator.normal", lambda: fnp.random.default_rng(0).normal(size=12), 384),
    ("Generator.random f4", lambda: fnp.random.default_rng(0).random(12, dtype=np.float32), 12),
    ("Generator.integers", lambda: fnp.random.default_rng(0).integers(0, 5, size=12), 24),
]


@pytest.mark.parametrize("call,want", [w[1:] for w in WRITES], ids=[w[0] for w in WRITES])
def test_writes_and_draws_are_metered(call, want):
    assert charged(call) == want


def test_a_write_over_the_budget_is_refused_and_charges_nothing():
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        with pytest.raises(flops.BudgetExhaustedError, match="ones"):
            fnp.ones(1000)
        assert ctx.flops_used == 0
        assert "ones" not in ctx.summary_dict()["operations"]
        fnp.ones(50)  # exactly the budget
        assert ctx.flops_used == 100


def test_price_queries_refuse_what_only_the_result_tells():
    with pytest.raises(ValueError, match="ones.*elements it writes"):
        accounting.cost(fnp.ones, (3, 4), cost_model=MODEL)
    assert accounting.cost(fnp.ones, (3, 4), cost_model="primer") == 0


@pytest.mark.parametrize("op,zero_d,empty", [  # upstream 0.12.4, float32: each pass costs at least 1
    ("nansum", 2, 2), ("nanmean", 2, 2), ("var", 4, 4), ("std", 5, 5), ("nanstd", 6, 6), ("ptp", 3, 3),
])
def test_reduction_forms_floor_each_pass(op, zero_d, empty):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert charged(getattr(fnp, op), np.float32(1.5) * np.ones((), np.float32)) == zero_d
        if op != "ptp":  # NumPy refuses ptp of an empty array
            assert charged(getattr(fnp, op), np.zeros(0, np.float32)) == empty


# Complex factors and compute dtypes the spec's table leaves out, as upstream
# 0.12.4 bills them (measured side by side; 100 elements).
C8, I4 = np.ones(100, np.complex64), np.ones(100, np.int32)
F7 = np.linspace(-1.0, 2.0, 7).astype(np.float32)


@pytest.mark.parametrize("call,want", [
    (lambda: fnp.sqrt(C8), 1000), (lambda: fnp.float_power(C8, C8), 17600), (lambda: fnp.arcsin(C8), 5600),
    (lambda: fnp.angle(I4), 3200), (lambda: fnp.isclose(I4, I4), 1200), (lambda: fnp.cumprod(C8), 594),
    (lambda: fnp.fft.fftshift(I4), 100),
    (lambda: fnp.trace(np.ones((3, 4), np.int32)), 6),
    # Spec 2.9, upstream's linalg formulas (formulas flopscope-0.12).
    (lambda: fnp.linalg.svd(np.eye(4)), 3328),
    (lambda: fnp.linalg.norm(np.eye(4)), 64),
    (lambda: fnp.linalg.multi_dot([np.eye(4, dtype=np.float32)] * 2), 112),
    (lambda: fnp.linalg.matmul(np.ones((4, 4), np.int32), np.ones((4, 4), np.int32)), 112),
    # Spec 2.7, 2.12, 2.14 (float32 operands of 7 elements, as the harness measured).
    (lambda: fnp.hamming(5), 180),
    (lambda: fnp.polyval(F7, F7), 84),
    (lambda: fnp.median(F7), 7),
    (lambda: fnp.percentile(F7, 50), 11),
    (lambda: fnp.isin(F7, F7), 98),
    (lambda: fnp.intersect1d(F7, F7), 392),
    (lambda: fnp.unwrap(F7), 91),
    (lambda: fnp.trapezoid(F7), 28),
    (lambda: fnp.pad(F7, 1), 9),
    (lambda: fnp.polyval(np.zeros(0), np.zeros(0)), 2),  # floor.polyval: at least 1
    (lambda: fnp.tril(F7), 28), (lambda: fnp.triu(np.ones((3, 4), np.float32)), 9),
    (lambda: fnp.fft.rfft2(np.ones((3, 4), np.float32)), 150),
    (lambda: fnp.fft.irfftn(np.ones((2, 3, 4), np.float32)), 630),
    (lambda: fnp.dot(np.ones((3, 4), np.float32), 2), 24),
    (lambda: fnp.sort(np.zeros(0, np.float32)), 4),  # floor.sort 1, weight 4
    # Spec 2.8: a 3+-operand einsum bills its path's summed cost, optimize= or not.
    (lambda: fnp.einsum("ij,jk,kl->il", np.ones((8, 16)), np.ones((16, 4)), np.ones((4, 10))), 3104),
    (lambda: fnp.einsum("ij,jk,kl,l->i", np.ones((8, 16)), np.ones((16, 4)), np.ones((4, 10)), np.ones(10)), 872),
    (lambda: fnp.cov(F7), 56), (lambda: fnp.corrcoef(F7), 62),  # 2f^2 s + 2fs (+ 2f^2 + f), in float64
    (lambda: fnp.allclose(F7, F7), 48), (lambda: fnp.diag(fnp.asarray(np.ones((4, 4)))), 0),
    (lambda: fnp.isnan(np.zeros(0, np.float32)), 0),  # floor.isnan 0 replaces pointwise.floor
    (lambda: fnp.divmod(np.zeros(0, np.float32), np.ones(0, np.float32)), 32),  # the floor per output: 2 x 16  # strong_scalars.dot: 2 reads as int64
    (lambda: fnp.nansum(np.arange(7, dtype=np.int32)), 12),  # no nan scan for integers
    (lambda: fnp.nanstd(np.int32(3) * np.ones((), np.int32)), 10),
], ids=["sqrt c8", "float_power c8", "arcsin c8", "angle i4", "isclose i4", "cumprod c8", "fftshift i4",
        "trace i4", "svd", "norm", "multi_dot f4", "linalg.matmul i4", "hamming", "polyval", "median",
        "percentile", "isin", "intersect1d", "unwrap", "trapezoid", "pad", "polyval empty", "tril", "triu", "rfft2", "irfftn", "dot f4 by 2", "sort empty", "einsum 3 operands", "einsum 4 operands", "cov", "corrcoef", "allclose",
        "diag of our matrix (a view)", "isnan empty", "divmod empty", "nansum i4", "nanstd i4"])
def test_measured_complex_factors_and_compute_dtypes(call, want):
    assert charged(call) == want


# Spec 2.3 and 2.8: dtype= is billed exactly as asked; out= can raise the rate,
# never lower it; einsum(out=) also bills the copy into dest. 1,000 elements,
# the figures upstream 0.12.4 charges.
I32, F8, F4 = np.ones(1000, np.int32), np.ones(1000), np.ones(1000, np.float32)


@pytest.mark.parametrize("call,want", [
    (lambda: fnp.sum(I32), 1998), (lambda: fnp.sum(I32, dtype=np.int32), 999),
    (lambda: fnp.sum(F8, dtype=np.float32), 999), (lambda: fnp.sum(F4, dtype=np.float64), 1998),
    (lambda: fnp.sum(F4, out=np.zeros((), np.float64)), 1998),
    (lambda: fnp.add(F4, F4, out=np.zeros(1000)), 2000),
    (lambda: fnp.add(F8, F8, out=np.zeros(1000, np.float32), casting="unsafe"), 2000),
    (lambda: fnp.add(F4, F4, dtype=np.float64), 2000), (lambda: fnp.exp(F4, out=np.zeros(1000)), 32000),
    (lambda: fnp.cumsum(I32, dtype=np.int32), 999),
    (lambda: fnp.einsum("ij,jk->ik", np.ones((4, 4)), np.ones((4, 4)), out=np.zeros((4, 4))), 256),
], ids=["sum i32", "sum i32 as i32", "sum f8 as f4", "sum f4 as f8", "sum f4 into f8", "add f4 into f8",
        "add f8 into f4", "add f4 as f8", "exp f4 into f8", "cumsum i32 as i32", "einsum into out"])
def test_dtype_and_out_arguments(call, want):
    assert charged(call) == want


# Where dtype= sets the billed dtype and where it does not, as upstream 0.12.4
# charges a (3, 4) float64 operand with dtype=float32 (rates: f8 2, f4 1); the
# joins are given the array itself (its rows), as the differential corpus does;
# clip compares each element with both bounds (clip.per_bound).
X34 = np.ones((3, 4))


@pytest.mark.parametrize("call,want", [
    # the result's dtype, as asked
    (lambda: fnp.array(X34, dtype=np.float32), 12), (lambda: fnp.ones_like(X34, dtype=np.float32), 12),
    (lambda: fnp.linspace(X34, X34 + 1, dtype=np.float32), 1200),
    # the operands' dtype, whatever dtype= asks
    (lambda: fnp.asarray(X34, dtype=np.float32), 24), (lambda: fnp.concatenate(X34, dtype=np.float32), 24),
    (lambda: fnp.stack(X34, dtype=np.float32), 24), (lambda: fnp.clip(X34, 0, 1, dtype=np.float32), 48),
    (lambda: fnp.asarray_chkfinite(X34, dtype=np.float32), 24), (lambda: fnp.cov(X34, dtype=np.float32), 192),
], ids=["array", "ones_like", "linspace", "asarray", "concatenate", "stack", "clip", "asarray_chkfinite", "cov"])
def test_where_dtype_argument_sets_the_billed_dtype(call, want):
    assert charged(call) == want


def test_one_argument_where_is_billed_and_recorded_as_nonzero():
    # NumPy's where(condition) is asarray(condition).nonzero(); upstream 0.12.4
    # bills and records it as nonzero: (3, 4) float64 24, complex128 48, empty 0.
    for x, want in [(np.ones((3, 4)), 24), (np.ones((3, 4), np.complex128), 48), (np.ones(0), 0)]:
        fx = fnp.asarray(x)
        with flops.BudgetContext(10**12, quiet=True) as ctx:
            got = fnp.where(fx)
        assert ctx.flops_used == want
        assert set(ctx.summary_dict()["operations"]) == {"nonzero"}
        for g, e in zip(got, np.where(x), strict=True):
            np.testing.assert_array_equal(np.asarray(g), e, strict=True)


@pytest.mark.parametrize("dtype,n,want", [
    (np.float64, 7, 84), (np.float32, 7, 84), (np.int8, 7, 42), (np.bool_, 7, 84), (np.complex64, 7, 42),
    (np.complex128, 7, 84), (np.float32, 0, 4), (np.int8, 1, 2),
])
def test_sort_complex_bills_at_the_rate_of_the_complex_array_it_returns(dtype, n, want):
    # Upstream 0.12.4's figures: 7 ceil(log2 7) = 21 comparisons, x 4 for a
    # complex128 result (rate 2, complex factor 2), x 2 for complex64; at least 1.
    x = np.arange(n).astype(dtype)
    assert charged(fnp.sort_complex, x) == want


@pytest.mark.parametrize("x,want", [(np.zeros(0), 0), (np.zeros(5), 10), (np.array([0.0, 1.0, 0.0]), 6),
                                    (np.ones(4, np.float32), 4)])
def test_trim_zeros_bills_the_input_it_scans(x, want):
    # Upstream 0.12.4's figures: the input's elements at its rate, nothing when empty.
    assert charged(fnp.trim_zeros, x) == want


# Spec 2.4, "contraction: exact per call, 6 (multiplies) + 2 (adds)", at the
# component rate (complex64 1, complex128 2). Upstream 0.12.4's figures for
# A (5, 6), B (6, 7), C (7, 3), v (6,), complex128, distinct objects (the
# same object twice is the symmetry rule of a later issue).
def _complex_operands(dt):
    r = np.random.default_rng(0)
    A, B, C = ((r.standard_normal(s) + 1j).astype(dt) for s in ((5, 6), (6, 7), (7, 3)))
    v, w = ((r.standard_normal(6) + 1j).astype(dt) for _ in range(2))
    return A, B, C, v, w


@pytest.mark.parametrize("call,want", [
    (lambda A, B, C, v, w: fnp.matmul(A, B), 3220),  # 6 * 210 + 2 * 175 = 1610, rate 2
    (lambda A, B, C, v, w: fnp.matmul(A, B.real.copy()), 3220),  # a real operand: the result is complex
    (lambda A, B, C, v, w: fnp.dot(A, B), 3220),
    (lambda A, B, C, v, w: fnp.tensordot(A, B, axes=1), 3220),
    (lambda A, B, C, v, w: fnp.einsum("ij,jk->ik", A, B), 3220),
    (lambda A, B, C, v, w: fnp.einsum("ij,jk,kl->il", A, B, C), 3324),  # the path's steps, each exact
    (lambda A, B, C, v, w: fnp.einsum("ij->", A), 116),  # 29 adds
    (lambda A, B, C, v, w: fnp.einsum("ij,ij->ij", A, A), 360),  # 30 multiplies, no add
    (lambda A, B, C, v, w: fnp.outer(v, w), 432),
    (lambda A, B, C, v, w: fnp.matmul(np.stack([A, A]), B), 6440),
    (lambda A, B, C, v, w: fnp.matmul(A[:, :1], B[:1]), 420),  # K = 1: multiplies only
    (lambda A, B, C, v, w: fnp.dot(A, 2.0), (360, 360)),  # strong_scalars.dot: 2.0 is float64, so complex128
    (lambda A, B, C, v, w: fnp.vdot(v, v), 92),
    (lambda A, B, C, v, w: fnp.inner(v, v), 92),
    (lambda A, B, C, v, w: fnp.vecdot(A, A), 460),
    (lambda A, B, C, v, w: fnp.matvec(A, v), 460),
    (lambda A, B, C, v, w: fnp.vecmat(v, B), 644),
    (lambda A, B, C, v, w: fnp.linalg.tensordot(A, B, axes=1), 3220),
    (lambda A, B, C, v, w: fnp.linalg.matmul(A, B), 3220),
    (lambda A, B, C, v, w: fnp.linalg.vecdot(A, A), 460),
    (lambda A, B, C, v, w: fnp.linalg.vecdot(A, A, axis=0), 6 * (6 * 5 + 2 * 4) * 2),  # 6 outputs of K = 5
], ids=["matmul", "matmul by real", "dot", "tensordot", "einsum 2", "einsum 3", "einsum sum", "einsum product",
        "outer", "batched matmul", "matmul K=1", "dot by scalar", "vdot", "inner", "vecdot", "matvec", "vecmat",
        "linalg.tensordot", "linalg.matmul", "linalg.vecdot", "linalg.vecdot axis 0"])
def test_complex_contractions_count_each_multiply_and_add(call, want):
    c128, c64 = want if isinstance(want, tuple) else (want, want // 2)  # complex64: rate 1
    assert charged(call, *_complex_operands(np.complex128)) == c128
    assert charged(call, *_complex_operands(np.complex64)) == c64


def test_complex_contraction_price_queries_agree_with_the_charge():
    A, B, *_ = _complex_operands(np.complex128)
    assert accounting.cost(fnp.matmul, A, B, cost_model=MODEL) == charged(fnp.matmul, A, B) == 3220
    assert accounting.cost(fnp.einsum, "ij,jk->ik", A, B, cost_model=MODEL) == 3220



def test_einsum_path_query_without_a_path_answers_the_path_billed():
    # Spec 2.8: a 3+-operand einsum without a path bills its optimal path (up to 4
    # operands); accounting.einsum_path/einsum_cost with optimize=False (no path)
    # answer that path and its price, as for float32 operands (rate 1): step
    # (ij,jk) 8*4*(2*16 - 1) = 992, step (ik,kl) 8*10*(2*4 - 1) = 560.
    shapes = [(8, 16), (16, 4), (4, 10)]
    assert accounting.einsum_path("ij,jk,kl->il", shapes, False, cost_model=MODEL) == ([(0, 1), (0, 1)], 1552)
    assert accounting.einsum_cost("ij,jk,kl->il", shapes, cost_model=MODEL) == 1552
    ops = [np.ones(s, np.float32) for s in shapes]
    assert charged(fnp.einsum, "ij,jk,kl->il", *ops) == charged(fnp.einsum, "ij,jk,kl->il", *ops, optimize=False) == 1552
    # two operands: NumPy's one step, as before
    assert accounting.einsum_path("ij,jk->ik", shapes[:2], False, cost_model=MODEL) == ([], 8 * 4 * (2 * 16 - 1))
    # the primer prices a call without a path as NumPy's one step: 2 * 8*16*4*10
    assert accounting.einsum_path("ij,jk,kl->il", shapes, False, cost_model="primer") == ([], 10240)


@pytest.mark.parametrize("op,args,want", [
    ("matvec", (np.ones((3, 4)), np.ones(4)), 42), ("vecmat", (np.ones(3), np.ones((3, 4))), 40),
    ("vecdot", (np.ones((3, 4)), np.ones((3, 4))), 42),
])
def test_contraction_gufuncs_bill_their_operands_whatever_dtype_asks(op, args, want):
    # Upstream 0.12.4 bills float64 operands with dtype=float32 at float64's rate.
    assert charged(getattr(fnp, op), *args, dtype=np.float32) == want


# Upstream 0.12.4's histograms (measured, 100 float64-normal samples): the search
# (4 per comparison) at the rate of the int64 counts promoted with the samples,
# and the edges it computes billed as a linspace (2 per edge) at their own rate.
_X = np.random.default_rng(0).standard_normal(100)
_W = np.random.default_rng(1).random(100)


@pytest.mark.parametrize("call,want", [
    (lambda x: fnp.histogram(x), {"f8": 3244, "f4": 3222, "i4": 3244}),
    (lambda x: fnp.histogram(x, bins=5), {"f8": 2424, "f4": 2412, "i4": 2424}),
    (lambda x: fnp.histogram(x, bins=100), {"f8": 6004, "f4": 5802, "i4": 6004}),
    (lambda x: fnp.histogram(x, bins=7, range=(-1, 1)), {"f8": 2432, "f4": 2416, "i4": 2432}),
    (lambda x: fnp.histogram(x, weights=_W), {"f8": 3244, "f4": 3222, "i4": 3244}),  # weights: not billed
    (lambda x: fnp.histogram(x, bins=[-1, 0, 0.5, 1]), {"f8": 1600, "f4": 1600, "i4": 1600}),  # edges given
    (lambda x: fnp.histogram(x, bins=np.linspace(-2, 2, 9)), {"f8": 3200}),  # ceil(log2 9 edges) = 4
    (lambda x: fnp.histogram(x.reshape(10, 10)), {"f8": 3244}),
    (lambda x: fnp.histogram_bin_edges(x), {"f8": 844, "f4": 422, "i4": 844}),
    (lambda x: fnp.histogram_bin_edges(x, bins=5), {"f8": 824, "f4": 412, "i4": 824}),
    (lambda x: fnp.histogram_bin_edges(x, bins=[-1, 0, 0.5, 1]), {"f8": 800, "i4": 800}),
    (lambda x: fnp.histogram_bin_edges(x, bins="auto"), {"f8": 2436, "f4": 1218, "i4": 2440}),
    (lambda x: fnp.histogramdd(x), {"f8": 3200, "f4": 3200, "i4": 3200}),
    (lambda x: fnp.histogramdd(x.reshape(50, 2), bins=(3, 7)), {"f8": 2000, "f4": 2000, "i4": 2000}),
    (lambda x: fnp.histogramdd(x.reshape(50, 2), bins=[np.array([-1, 0, 1.]), np.array([-1, 0, .5, 1.])]),
     {"f8": 1600}),
    (lambda x: fnp.histogram2d(x[:50], x[50:]), {"f8": 3200, "f4": 3200, "i4": 3200}),
    (lambda x: fnp.histogram2d(x[:50], x[50:], bins=np.array([-1, 0, 1.])), {"f8": 1600, "f4": 1600}),
    (lambda x: fnp.histogram(x[:0]), {"f8": 52, "f4": 30}),  # at least 1 comparison, and the edges
], ids=["default", "bins 5", "bins 100", "range", "weights", "edges list", "edges array", "2-d samples",
        "bin_edges", "bin_edges 5", "bin_edges given", "bin_edges auto", "dd 1-d", "dd bins per dim",
        "dd edges", "2d", "2d edges", "empty"])
def test_histograms_bill_the_search_and_the_edges_they_compute(call, want):
    for dt, flops_ in want.items():
        x = (_X * 10).astype(np.int32) if dt == "i4" else _X.astype(dt)
        assert charged(call, x) == flops_, dt
    x = _X.astype(np.complex64)
    with warnings.catch_warnings():  # NumPy: casting complex samples to real indices
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        assert charged(lambda: fnp.histogram(x)) == 6444  # complex: the factor 2 on both parts


def test_histogram_edges_charge_is_dropped_with_the_result_over_the_budget():
    with flops.BudgetContext(3200, quiet=True) as ctx:  # the search fits, the edges do not
        with pytest.raises(flops.BudgetExhaustedError):
            fnp.histogram(_X)
    assert ctx.flops_used == 0


# Upstream 0.12.4's figures for (3, 4) operands (measured): index arrays at
# their own dtype, copyto at the source's too, angle as NumPy's arctan2(0, z),
# ldexp at its mantissas' float dtype, equality of shapes NumPy does not compare.
_F4 = np.ones((3, 4), np.float32)


@pytest.mark.parametrize("call,want", [
    (lambda: fnp.tril_indices_from(_F4.astype(np.complex64)), 12),
    (lambda: fnp.triu_indices_from(_F4.astype(np.complex128)), 18),
    (lambda: fnp.diag_indices_from(np.ones((3, 3), np.complex64)), 6),
    (lambda: fnp.copyto(_F4.copy(), 2), 24), (lambda: fnp.copyto(_F4.copy(), 2.5), 24),
    (lambda: fnp.copyto(_F4.copy(), _F4.astype(np.float64)), 24), (lambda: fnp.copyto(_F4.copy(), True), 12),
    (lambda: fnp.copyto(_F4.copy(), _F4.astype(np.int8)), 12),
    (lambda: fnp.copyto(_F4.astype(np.complex64), 1j), 48),
    (lambda: fnp.angle(_F4.astype(np.uint8)), 192), (lambda: fnp.angle(_F4.astype(np.int16)), 192),
    (lambda: fnp.angle(_F4.astype(bool)), 384), (lambda: fnp.angle(_F4.astype(np.int32)), 384),
    (lambda: fnp.ldexp(_F4.astype(bool), 1), 12), (lambda: fnp.ldexp(_F4, _F4.astype(np.int32)), 12),
    (lambda: fnp.ldexp(_F4.astype(np.uint8), _F4.astype(np.int32)), 12),
    (lambda: fnp.ldexp(_F4.astype(np.int32), 1), 24),
    (lambda: fnp.array_equal(_F4.astype(np.float64), np.ones(4)), 24),
    (lambda: fnp.array_equal(_F4.astype(np.float64), np.ones((3, 5))), 30),
    (lambda: fnp.array_equal(_F4.astype(np.float64), np.ones((2, 3, 4))), 48),
    (lambda: fnp.array_equiv(_F4.astype(np.float64), np.ones((3, 5))), 30),
], ids=["tril_indices_from c8", "triu_indices_from c16", "diag_indices_from c8", "copyto int", "copyto float",
        "copyto f8", "copyto bool", "copyto i1", "copyto complex", "angle u1", "angle i2", "angle bool",
        "angle i4", "ldexp bool", "ldexp f4 by i4", "ldexp u1 by i4", "ldexp i4", "array_equal (4,)",
        "array_equal (3, 5)", "array_equal (2, 3, 4)", "array_equiv (3, 5)"])
def test_write_dtypes_compute_rules_and_equality_as_upstream(call, want):
    assert charged(call) == want


def test_equality_of_mismatched_shapes_stays_free_under_the_primer():
    flops.configure(cost_model="primer")
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        assert not fnp.array_equal(np.ones((3, 4)), np.ones((3, 5)))
    assert ctx.flops_used == 0


@pytest.mark.parametrize("shapes,want", [
    (((3, 4), (4, 5)), 210), (((2, 3, 3), (2, 3, 3)), 36), (((2, 3, 4), (4, 5)), 140),
    (((3, 4), (2, 4, 5)), 90), (((2, 3, 4), (4,)), 28), (((4,), (2, 4, 5)), 30), (((2, 3, 4), (6, 4, 5)), 220),
    (((0, 0), (0, 0)), 2), (((3, 0), (0, 4)), 2), (((3, 0), (0, 4), (4, 2)), 4),
])
def test_multi_dot_as_upstream_reads_it(shapes, want):
    # Upstream 0.12.4 (float64, rate 2): two n-d arrays read as A.shape[0] x B.shape[0] x
    # B.shape[-1] whatever NumPy's dot of them computes; every product at least 1.
    assert charged(fnp.linalg.multi_dot, [np.ones(s) for s in shapes]) == want


class _Index:
    def __index__(self):
        return 3


@pytest.mark.parametrize("args,want", [
    ((5,), 1), (((3, 4), (4,)), 3), (((2, 3, 4), (3, 1), (4,)), 6), (((),), 1), ((), 1),
    (((0,), (1,)), 2), (((np.int64(3), 4),), 2), (((3, 4), np.array([4])), 3), ((_Index(),), 1),
    (((_Index(), 2),), 2),
])
def test_broadcast_shapes_bills_the_shapes_length_as_upstream(args, want):
    # Upstream 0.12.4: one per dimension given (an int is one), at least 1, at rate 1.
    assert charged(fnp.broadcast_shapes, *args) == want
    flops.configure(cost_model="primer")
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        assert fnp.broadcast_shapes(*args) == np.broadcast_shapes(*args)
    assert ctx.flops_used == 0  # the primer: a computation on shapes, free


@pytest.mark.parametrize("call,want", [
    # Reductions read a Python scalar as an array (5: int64), which a float32 out= cannot lower.
    (lambda: fnp.sum(5, out=np.zeros((), np.float32)), 2), (lambda: fnp.mean(2.5, out=np.zeros((), np.float32)), 2),
    (lambda: fnp.cumsum(5, out=np.zeros(1, np.float32)), 2),
    (lambda: fnp.cumulative_sum(5, out=np.zeros(1, np.float32)), 2),
    (lambda: fnp.std(5, out=np.zeros((), np.float32)), 10), (lambda: fnp.nansum(5, out=np.zeros((), np.float32)), 2),
    (lambda: fnp.nansum(True), 2),  # an integer input: no NaN scan
    # cumulative_sum / cumulative_prod accumulate narrow integers in int64; complex products bill 6.
    (lambda: fnp.cumulative_sum(np.ones(7, np.int8)), 12), (lambda: fnp.cumulative_prod(np.ones(7, bool)), 12),
    (lambda: fnp.cumulative_prod(np.ones(7, np.complex128)), 72),
    # logical_and/or/xor: the complex factor only for operands of one dtype.
    (lambda: fnp.logical_and(_F4.astype(np.complex64), _F4.astype(np.complex64)), 24),
    (lambda: fnp.logical_and(_F4.astype(np.complex64), _F4.astype(np.complex128)), 24),
    (lambda: fnp.logical_or(_F4.astype(np.complex128), 1j), 24),
    (lambda: fnp.logical_xor(_F4.astype(np.complex128), _F4.astype(np.complex128)), 48),
    (lambda: fnp.logical_and(_F4.astype(np.complex128), _F4.astype(np.complex128), out=np.zeros((3, 4), bool)), 48),
], ids=["sum 5 into f4", "mean 2.5 into f4", "cumsum 5", "cumulative_sum 5", "std 5", "nansum 5", "nansum True",
        "cumulative_sum i1", "cumulative_prod bool", "cumulative_prod c16", "logical_and c8", "logical_and c8 c16",
        "logical_or c16 1j", "logical_xor c16", "logical_and out bool"])
def test_reduction_scalars_cumulative_and_logical_as_upstream(call, want):
    assert charged(call) == want


def test_complex_tensordot_counts_exactly_where_upstream_truncates_a_float_ratio():
    # A deliberate deviation: upstream 0.12.4 bills real x (8K - 2)/(2K - 1) in floating
    # point and truncates, 235 for (5, 3) . (5, 3) complex128 (K = 15); the exact count
    # is 6 * 15 + 2 * 14 = 118, at rate 2: 236.
    a = np.ones((5, 3), np.complex128)
    assert charged(fnp.linalg.tensordot, a, a.copy()) == 236


# Methods and indexing as upstream 0.12.4 bills them (measured, (3, 4) float64).
_M34 = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("call,want", [
    (lambda x: x.reshape(4, 3), 24), (lambda x: x.copy(), 24), (lambda x: x.astype(np.float32), 24),
    (lambda x: x.ravel(), 24), (lambda x: x.flatten(), 24), (lambda x: x.repeat(2), 48),
    (lambda x: x.take(np.array([0, 2])), 16), (lambda x: x.trace(), 6), (lambda x: x.nonzero(), 24),
    (lambda x: x.conj(), 24), (lambda x: x.conjugate(), 24), (lambda x: x.clip(0, 1), 48),
    (lambda x: x.clip(max=1), 24), (lambda x: x.T, 0), (lambda x: x[1:3], 0), (lambda x: x[0, 1], 0),
    (lambda x: x[np.int64(1)], 0), (lambda x: x[:, 1], 0),
    (lambda x: x[np.array([0, 2])], 64), (lambda x: x[[0, 2]], 64), (lambda x: x[:, np.array([0, 2])], 48),
    (lambda x: x[[0, 1], [1, 2]], 16), (lambda x: x[np.asarray(x) > 5], 72),  # 12 scanned, 6 gathered x 4
    (lambda x: x[np.array([True, False, True])], 70), (lambda x: x[[True, False, True]], 70),
    (lambda x: x[np.array([], dtype=np.intp)], 0), (lambda x: x[np.array([[0, 1], [1, 2]])], 128),
], ids=["reshape", "copy", "astype", "ravel", "flatten", "repeat", "take", "trace", "nonzero", "conj",
        "conjugate", "clip", "clip max", "T", "slice", "item", "np int", "column", "index array", "index list",
        "column index", "point index", "mask", "row mask", "row mask list", "empty index", "2-d index"])
def test_methods_and_indexing_as_upstream(call, want):
    assert charged(call, fnp.asarray(_M34)) == want


def test_indexing_and_free_methods_stay_free_under_the_primer_and_equal_numpy():
    flops.configure(cost_model="primer")
    x = fnp.asarray(_M34)
    for key in (np.array([0, 2]), [True, False, True], (slice(None), [1, 3]), np.asarray(x) > 5):
        with flops.BudgetContext(10**6, quiet=True) as ctx:
            got = x[key]
        assert ctx.flops_used == 0
        assert type(got) is type(x)
        np.testing.assert_array_equal(np.asarray(got), _M34[key], strict=True)
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        r = x.reshape(4, 3)
    assert ctx.flops_used == 0 and type(r) is type(x)
    np.testing.assert_array_equal(np.asarray(x.flatten()), _M34.flatten(), strict=True)


def test_a_gather_over_the_budget_is_refused_and_charges_nothing():
    x = fnp.asarray(_M34)
    with flops.BudgetContext(63, quiet=True) as ctx:
        with pytest.raises(flops.BudgetExhaustedError):
            x[np.array([0, 2])]  # 64
    assert ctx.flops_used == 0


@pytest.mark.parametrize("call,want", [
    (lambda g: g.choice(10, 5), 20), (lambda g: g.choice(10, (2, 3)), 24), (lambda g: g.choice(10), 4),
    (lambda g: g.choice(np.arange(10.0), 5), 20), (lambda g: g.choice(np.ones((5, 3)), 2, axis=1), 40),
    (lambda g: g.choice(10, 0), 4), (lambda g: g.permutation(10), 40), (lambda g: g.permutation(np.ones((3, 4))), 12),
    (lambda g: g.permutation(0), 4), (lambda g: g.shuffle(np.arange(10.0)), 40),
    (lambda g: g.shuffle(np.ones((2, 3, 4))), 8), (lambda g: g.permuted(np.ones((3, 4)), axis=1), 48),
    (lambda g: fnp.random.choice(10, 5), 20), (lambda g: fnp.random.permutation(np.arange(10, dtype=np.float32)), 40),
    (lambda g: fnp.random.shuffle(np.arange(10.0)), 40), (lambda g: fnp.random.RandomState(0).permutation(10), 40),
], ids=["choice", "choice 2-d size", "choice one", "choice of an array", "choice axis 1", "choice none",
        "permutation", "permutation of rows", "permutation empty", "shuffle", "shuffle 3-d", "permuted",
        "module choice", "module permutation", "module shuffle", "RandomState permutation"])
def test_random_selections_bill_4_per_item_placed_as_upstream(call, want):
    # Upstream 0.12.4: weight 4, no dtype rate, at least one item.
    assert charged(call, fnp.random.default_rng(0)) == want


@pytest.mark.parametrize("call,want", [
    (lambda g: g.choice(10, 5, p=np.full(10, 0.1)), 220), (lambda g: g.choice(20, 3, p=np.full(20, 0.05)), 312),
    (lambda g: g.choice(100, 10, replace=False), 400), (lambda g: g.choice(np.ones((6, 2)), 3, replace=False), 24),
    (lambda g: g.choice(20, 3, replace=False, p=np.full(20, 0.05)), 400),
    (lambda g: fnp.random.choice(10, 5, p=np.full(10, 0.1)), 220),
    (lambda g: fnp.random.RandomState(0).choice(10, 5, p=np.full(10, 0.1)), 220),
    (lambda g: g.multivariate_normal(np.zeros(4), np.eye(4), size=100), 22528),
    (lambda g: g.multivariate_normal(np.zeros(3), np.eye(3)), 1536),
    (lambda g: g.multivariate_normal(np.zeros(3, np.float32), np.eye(3, dtype=np.float32), size=(2, 5)), 2724),
    (lambda g: fnp.random.multivariate_normal(np.zeros(2), np.eye(2), size=7), 976),
    (lambda g: fnp.random.RandomState(0).multivariate_normal(np.zeros(5), np.eye(5), size=1), 6760),
], ids=["choice p", "choice p 20", "choice without replacement", "choice rows without replacement",
        "choice p without replacement", "module choice p", "RandomState choice p", "mvn 4 x 100", "mvn one",
        "mvn float32", "module mvn", "RandomState mvn"])
def test_choice_and_multivariate_normal_formulas_as_upstream(call, want):
    # Upstream 0.12.4 (measured): choice weight 4 at no dtype rate; with p= 3n + k (ceil(log2 n) + 1),
    # without replacement n (n ceil(log2 n) with p=); multivariate_normal 16Nd + 2Nd^2 + 26d^3 at float64.
    assert charged(call, fnp.random.default_rng(0)) == want


def test_random_selections_stay_free_under_the_primer_with_numpys_draws():
    flops.configure(cost_model="primer")
    # multivariate_normal bills its arithmetic on the draws (d = 3, N = 4): svd
    # 12d^3, its check d^3 + 2d^2, the factor d + d^2, N (d^2 + d); the draws free.
    for draw, want in ((lambda g: g.choice(10, 5, p=np.full(10, 0.1)), 0),
                       (lambda g: g.choice(np.arange(6.0), 3, replace=False), 0),
                       (lambda g: g.multivariate_normal(np.zeros(3), np.eye(3), size=4), 324 + 45 + 12 + 4 * 12)):
        with flops.BudgetContext(10**6, quiet=True) as ctx:
            got = draw(fnp.random.default_rng(7))
        assert ctx.flops_used == want
        np.testing.assert_array_equal(np.asarray(got), draw(np.random.default_rng(7)), strict=True)


@pytest.mark.parametrize("call,want", [
    (lambda x: fnp.compress([True, False, True], x, axis=0), 70), (lambda x: fnp.compress([True, False, True, True], x, axis=1), 80),
    (lambda x: fnp.compress([True, False, True], x), 22), (lambda x: fnp.compress([False, False, False], x, axis=0), 6),
    (lambda x: fnp.compress(np.array([True]), x, axis=0), 34),
    (lambda x: fnp.astype(x, np.float64, copy=False), 0), (lambda x: x.astype(np.float64, copy=False), 0),
    (lambda x: fnp.astype(x, np.float64), 24),
    (lambda x: x.compress([True, False, True], axis=0), 70), (lambda x: x.compress([True, False, True]), 22),
], ids=["compress rows", "compress columns", "compress flat", "compress nothing", "compress short",
        "astype no copy", "astype method no copy", "astype copy", "compress method", "compress method positional"])
def test_compress_and_astype_as_upstream(call, want):
    # Upstream 0.12.4 ((3, 4) float64): compress 4 per element kept + the condition scanned;
    # astype with copy=False of the same dtype answers the input and bills nothing.
    assert charged(call, fnp.asarray(np.arange(12.0).reshape(3, 4))) == want


@pytest.mark.parametrize("call,want", [
    (lambda x: fnp.require(x, np.float32), 12), (lambda x: fnp.require(x, dtype=np.float32), 12),
    (lambda x: fnp.array(x, np.float32), 12), (lambda x: fnp.full_like(x, 1, np.float32), 12),
    (lambda x: fnp.ones_like(x, np.float32), 12), (lambda x: fnp.ones_like(x, float), 24),
    (lambda x: fnp.asarray(x, np.float32), 24), (lambda x: fnp.astype(x, np.float32), 24),
    (lambda x: x.astype(np.float32), 24), (lambda x: fnp.ones((3, 4), np.float32), 12), (lambda x: fnp.eye(3, 3, 0, np.float32), 3),
    (lambda x: fnp.arange(0, 10, 1, np.float32), 20),
], ids=["require", "require dtype=", "array", "full_like", "ones_like", "ones_like float", "asarray", "astype",
        "astype method", "ones", "eye", "arange"])
def test_a_dtype_given_by_position_bills_as_the_keyword(call, want):
    # Upstream 0.12.4 ((3, 4) float64 source): the dtype the result is made in, where the op
    # bills it (asarray and astype bill the heavier of source and result).
    assert charged(call, fnp.asarray(np.arange(12.0).reshape(3, 4))) == want


def test_histogram_bin_edges_bills_the_samples_not_the_weights():
    # Upstream 0.12.4: float32 samples with float64 weights, 10 bins: 4 x 100 x 1 + 11 edges x 2.
    x = np.random.default_rng(0).standard_normal(100).astype(np.float32)
    assert charged(fnp.histogram_bin_edges, x, weights=np.ones(100)) == 422


@pytest.mark.parametrize("bins,want100,want1000", [
    ("auto", 4836, 64112), ("fd", 4836, 64112), ("doane", 8836, 96052), ("scott", 7228, 88088),
    ("stone", 84848, 848056), ("rice", 4844, 56084), ("sturges", 4036, 48048), ("sqrt", 4844, 56132),
])
def test_histogram_of_an_estimator_name_searches_the_bins_it_resolved(bins, want100, want1000):
    # Upstream 0.12.4 (float64 normals): the estimator's passes, then a binary search per sample
    # over the bins it resolved (known once NumPy ran), then the edges as a linspace.
    x = np.random.default_rng(0).standard_normal(1000)
    assert charged(fnp.histogram, x[:100], bins=bins) == want100
    assert charged(fnp.histogram, x, bins=bins) == want1000


@pytest.mark.parametrize("dtype,bins,weights,want", [
    (np.float64, 10, None, 78), (np.float64, 5, None, 38), (np.float64, 20, None, 158), (np.float32, 10, None, 68),
    (np.float16, 5, None, 33), (np.int32, 20, None, 158), (np.float64, [-1, 0, 1, 2], None, 22),
    (np.float32, [-1, 0, 1, 2], None, 22), (np.float64, 10, np.float64, 78), (np.float32, 10, np.float32, 59),
    (np.complex64, 10, None, 78),
])
def test_histogram_density_bills_upstreams_normalisation(dtype, bins, weights, want):
    # Upstream 0.12.4 (measured): density=True adds the edges' diff, two divides per bin and the sum.
    x = np.random.default_rng(0).standard_normal(100)
    x = (x * 10).astype(dtype) if dtype is np.int32 else x.astype(dtype)
    w = None if weights is None else np.ones(100, weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        assert charged(fnp.histogram, x, bins=bins, weights=w, density=True) - charged(
            fnp.histogram, x, bins=bins, weights=w) == want


@pytest.mark.parametrize("call,want", [
    (lambda x, x4: fnp.concatenate([x, x], dtype=np.float32), 48), (lambda x, x4: fnp.concatenate([x], dtype=np.float32), 24),
    (lambda x, x4: fnp.stack([x, x], dtype=np.float32), 48), (lambda x, x4: fnp.stack([x4, x4], dtype=np.float64), 24),
    (lambda x, x4: fnp.concatenate([x4, x4], dtype=np.float64), 24),
    (lambda x, x4: fnp.concatenate((x4, x4), axis=None, dtype=np.float64), 24),
    (lambda x, x4: fnp.concatenate([x4, x4], out=np.zeros((6, 4))), 48), (lambda x, x4: fnp.concatenate([x4, x]), 48),
    (lambda x, x4: fnp.asarray(x4).astype(np.float64), 24), (lambda x, x4: fnp.astype(x4, np.float64), 24),
], ids=["concatenate f8 as f4", "concatenate one", "stack f8 as f4", "stack f4 as f8", "concatenate f4 as f8",
        "concatenate flat", "concatenate into f8", "concatenate mixed", "astype method f4 to f8", "astype f4 to f8"])
def test_joins_bill_their_arrays_whatever_dtype_asks(call, want):
    # Upstream 0.12.4 ((3, 4) operands): a join's dtype= is not billed, its arrays and out= are;
    # astype bills the heavier of its source and the dtype it makes.
    x = np.ones((3, 4))
    assert charged(call, x, x.astype(np.float32)) == want


@pytest.mark.parametrize("call,want", [
    (lambda x: fnp.histogram_bin_edges(x, bins=7, range=(-1, 1)), 416),
    (lambda x: fnp.histogram_bin_edges(x, bins=7, range=(np.float64(-1), np.float64(1))), 432),
    (lambda x: fnp.histogram_bin_edges(x, bins=np.linspace(-1, 1, 5)), 800),
    (lambda x: fnp.histogram_bin_edges(x, bins=np.linspace(-1, 1, 5).astype(np.float32)), 400),
    (lambda x: fnp.histogram_bin_edges(x, bins=[-1, 0, 1]), 800),
    (lambda x: fnp.histogram_bin_edges(x, weights=np.ones(100)), 422),
], ids=["range", "range float64", "edges float64", "edges float32", "edges int list", "weights float64"])
def test_histogram_bin_edges_bills_the_dtype_of_the_edges_it_returns(call, want):
    # Upstream 0.12.4, 100 float32 samples: given edges bill at their dtype (a list of ints is
    # int64), weights take no part.
    assert charged(call, np.random.default_rng(0).standard_normal(100).astype(np.float32)) == want


# Measured on upstream 0.12.4 (NumPy array endpoints; upstream refuses its own arrays there):
# one power per sample, no spacing arithmetic, whatever the endpoints.
@pytest.mark.parametrize("call,want", [
    (lambda: fnp.logspace(np.array([0., 1.]), np.array([2., 3.]), 5), 320),
    (lambda: fnp.logspace(0., np.array([2., 3., 4.]), 7, base=np.array([2., 3., 4.])), 672),
    (lambda: fnp.geomspace(np.array([1., 2.]), np.array([10., 20.]), 5), 320),
    (lambda: fnp.geomspace(1., 1000., 4), 128),
    (lambda: fnp.logspace(0., 3., 4), 128),
])
def test_logspace_geomspace_with_array_endpoints_bill_as_upstream(call, want):
    assert charged(call) == want

# Issue 27 section 2: what estimators hit. Every figure below is upstream flopscope
# 0.12.4's own bill, measured in a separate process (scripts/differential).
_STATS_PER_ELEMENT = {  # upstream's bill per element of a float64 (or float32) x, scalar parameters
    "norm": (54, 96, 166), "uniform": (2, 8, 2), "expon": (44, 44, 54), "cauchy": (12, 40, 56),
    "logistic": (46, 42, 56), "laplace": (44, 80, 102), "lognorm": (124, 140, 212),
    "truncnorm": (56, 102, 162),
}
_STATS_SHAPE_PARAMS = {"lognorm": (0.7,), "truncnorm": (-1.0, 1.5)}


@pytest.mark.parametrize("name", sorted(_STATS_PER_ELEMENT))
@pytest.mark.parametrize("method", ["pdf", "cdf", "ppf"])
@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_stats_distributions_bill_upstreams_count_per_element(name, method, dt):
    per = dict(zip(("pdf", "cdf", "ppf"), _STATS_PER_ELEMENT[name]))[method]
    fn = getattr(getattr(flops.stats, name), method)
    shape = _STATS_SHAPE_PARAMS.get(name, ())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in (1, 10, 1000):
            x = fnp.asarray(np.linspace(0.05, 0.95, n).astype(dt))
            assert charged(fn, x, *shape) == per * n
            assert charged(fn, x, *shape, loc=0.1, scale=2.0) == per * n
        assert charged(fn, 0.3, *shape) == per  # a Python scalar: one element
        assert charged(fn, fnp.asarray(np.zeros(0, dt)), *shape) == per  # empty: billed as one element


@pytest.mark.parametrize("call,want", [
    # asarray/astype bill the higher-rated of source and result dtype (the source on a tie).
    (lambda: fnp.asarray(fnp.asarray(np.ones(1000, np.float32)), dtype=np.float64), 2000),
    (lambda: fnp.asarray(np.ones(1000, np.float32), dtype=np.float64), 2000),
    (lambda: fnp.asarray(fnp.asarray(np.ones(1000, np.int32)), dtype=np.float64), 2000),
    (lambda: fnp.asarray(fnp.asarray(np.ones(1000, np.float32)), dtype=np.complex64), 1000),
    (lambda: fnp.asarray(0.5, dtype=np.float32), 2),
    (lambda: fnp.asarray(2, dtype=np.float32), 2),
    (lambda: fnp.asarray([0.5, 1.5], dtype=np.float32), 4),
    (lambda: fnp.asarray(np.ones(1000, np.float32)).astype(np.complex64), 1000),
    (lambda: fnp.asarray(np.ones(1000, np.float32)).astype(np.int32), 1000),
    (lambda: fnp.asarray(np.ones(1000, np.int32)).astype(np.float32), 1000),
    (lambda: fnp.asarray(np.ones(1000, np.complex64)).astype(np.float32), 2000),
    (lambda: fnp.asarray(np.ones(1000, np.float32)).astype(np.complex128), 4000),
    (lambda: fnp.asarray(np.ones(1000, np.float64)).astype(np.complex128), 2000),
    (lambda: fnp.asarray(np.ones(1000, np.float64)).astype(np.complex64), 2000),
    (lambda: fnp.astype(fnp.asarray(np.ones(1000, np.float32)), np.int32), 1000),
])
def test_conversions_bill_the_higher_rated_dtype_as_upstream(call, want):
    assert charged(call) == want


def _ones(shape, dtype=np.float64):  # operands made without a charge (fnp.ones is metered here)
    return fnp.asarray(np.ones(shape, dtype))


def _zeros(shape, dtype=np.float64):
    return fnp.asarray(np.zeros(shape, dtype))


_ROWS = np.argsort(np.random.default_rng(0).standard_normal((1000, 64)), axis=1)


@pytest.mark.parametrize("call,want", [
    (lambda: fnp.take_along_axis(_ones((1000, 64), dtype=np.float32), fnp.asarray(_ROWS), axis=1), 256_000),
    (lambda: fnp.take_along_axis(_ones((1000, 64)), fnp.asarray(_ROWS), axis=1), 512_000),
    (lambda: fnp.take_along_axis(_ones((1000, 64), dtype=np.float32),
                                 fnp.asarray(np.zeros((1000, 1), np.int32)), axis=1), 4000),
    (lambda: fnp.put_along_axis(_zeros((1000, 64), dtype=np.float32), fnp.asarray(_ROWS), 1.0, axis=1), 64_000),
    (lambda: fnp.put_along_axis(_zeros((1000, 64), dtype=np.float32),
                                fnp.asarray(np.zeros((1000, 1), np.int64)), 1.0, axis=1), 1000),
    (lambda: fnp.put_along_axis(_zeros(1000, dtype=np.int64), fnp.asarray(np.arange(1000)), 1, axis=0), 2000),
    (lambda: fnp.put_along_axis(_zeros(1000, dtype=np.int32), fnp.asarray(np.arange(1000)), 1, axis=0), 1000),
    (lambda: fnp.put(_zeros(1000), fnp.asarray(np.arange(10)), 1.0), 20),
    (lambda: fnp.put(_zeros(1000, dtype=np.int32), [1, 2, 3], 5), 3),
    (lambda: fnp.searchsorted(fnp.asarray(np.arange(1000, dtype=np.int32)), 5), 80),
    (lambda: fnp.searchsorted(fnp.asarray(np.arange(1000, dtype=np.float32)), 0.5), 80),
    (lambda: fnp.searchsorted(fnp.asarray(np.arange(1000, dtype=np.int32)), fnp.asarray(np.arange(10, dtype=np.int32))), 400),
    (lambda: fnp.take(_ones(1000, dtype=np.float32), fnp.asarray(np.arange(10))), 40),
    (lambda: fnp.choose(fnp.asarray(np.arange(1000) % 2), [_ones(1000, dtype=np.float32), _zeros(1000, dtype=np.float32)]), 4000),
    (lambda: fnp.choose(fnp.asarray((np.arange(1000) % 2).astype(np.int32)), [1.0, 2.0]), 8000),
    (lambda: fnp.ix_(fnp.asarray(np.arange(10)), fnp.asarray(np.arange(20))), 60),
    (lambda: fnp.ix_(fnp.asarray(np.arange(10, dtype=np.int32)), fnp.asarray(np.arange(20, dtype=np.int32))), 30),
    (lambda: fnp.ix_([0, 1, 2], [3, 4]), 10),
    (lambda: fnp.bincount(fnp.asarray((np.arange(1000) % 7).astype(np.int32))), 8000),
    (lambda: fnp.bincount(fnp.asarray(np.arange(1000, dtype=np.uint8) % 7)), 8000),
    (lambda: fnp.bincount(fnp.asarray(np.arange(1000) % 7), weights=_ones(1000)), 8000),
    (lambda: fnp.bincount(fnp.asarray(np.arange(1000) % 7), weights=_ones(1000, dtype=np.float32)), 8000),
])
def test_indexing_family_as_upstream(call, want):
    assert charged(call) == want


# Op names in breakdowns, measured on upstream flopscope 0.12.4 (summary_dict()["operations"]
# of each call alone; also scripts/differential/run.py's "names" column).
@pytest.mark.parametrize("call, upstream_names", [
    (lambda a, b, i: a / b, {"true_divide"}),
    (lambda a, b, i: 2 / a, {"true_divide"}),
    (lambda a, b, i: fnp.true_divide(a, b), {"true_divide"}),
    (lambda a, b, i: a % b, {"mod"}),
    (lambda a, b, i: abs(a), {"abs"}),
    (lambda a, b, i: fnp.abs(a), {"abs"}),
    (lambda a, b, i: a.flatten(), {"copy"}),
    (lambda a, b, i: fnp.row_stack([a, b]), {"vstack"}),
    (lambda a, b, i: fnp.linalg.vecdot(a, b), {"vecdot"}),
    (lambda a, b, i: fnp.linalg.matmul(a.reshape(2, 2), b.reshape(2, 2)), {"matmul", "reshape"}),
    (lambda a, b, i: fnp.may_share_memory(a, b), set()),
    (lambda a, b, i: fnp.shape(a), set()),
    (lambda a, b, i: a ** b, {"power"}),
    (lambda a, b, i: a + b, {"add"}),
])
def test_breakdowns_name_ops_as_upstream(call, upstream_names):
    a, b = fnp.asarray(np.arange(1.0, 5.0)), fnp.asarray(np.arange(2.0, 6.0))
    i = fnp.asarray(np.arange(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with flops.BudgetContext(10**9, quiet=True, record_ops=True) as ctx:
            call(a, b, i)
    assert set(ctx.summary_dict()["operations"]) == upstream_names
    by_ns = ctx.summary_dict(by_namespace=True)["by_namespace"]
    assert set(by_ns.get(None, {}).get("operations", {})) == upstream_names
    assert {r.op_name for r in ctx.op_log} >= upstream_names


def test_ops_sharing_a_reported_name_are_added_together():
    a = fnp.asarray(np.arange(1.0, 5.0))
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        a / a  # divide
        fnp.true_divide(a, a)
        a.flatten()  # flatten, listed as copy
        a.copy()
    ops = ctx.summary_dict()["operations"]
    assert ops["true_divide"]["calls"] == 2 and ops["true_divide"]["flop_cost"] == 16
    assert ops["copy"]["calls"] == 2 and ops["copy"]["flop_cost"] == ctx.flops_used - 16


def test_the_primer_keeps_numpy_names():
    flops.configure(cost_model="primer")
    a = fnp.asarray(np.arange(1.0, 5.0))
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        a / a
        abs(a)
    assert set(ctx.summary_dict()["operations"]) == {"divide", "absolute"}


# Measured on upstream flopscope 0.12.4: a gather that takes nothing bills nothing; a scalar
# take bills its one element (weight 4 x the dtype rate).
@pytest.mark.parametrize("call, want", [
    (lambda x, X: fnp.take(x, fnp.asarray(np.array([], dtype=np.int64))), 0),
    (lambda x, X: fnp.take(x, []), 0),
    (lambda x, X: x.take(fnp.asarray(np.array([], dtype=np.int64))), 0),
    (lambda x, X: fnp.take(X, fnp.asarray(np.array([], dtype=np.int64)), axis=1), 0),
    (lambda x, X: fnp.take_along_axis(X, fnp.asarray(np.zeros((3, 0), dtype=np.int64)), axis=1), 0),
    (lambda x, X: fnp.take(x, 1), 8),
    (lambda x, X: fnp.take(X[0], 2), 8),
    (lambda x, X: fnp.take(x, [1, 2, 3]), 24),
    (lambda x, X: fnp.take(fnp.asarray(np.float32([1.0, 2.0, 3.0])), 2), 4),
])
def test_take_bills_the_elements_it_gathers(call, want):
    x, X = fnp.asarray(np.arange(10.0)), fnp.asarray(np.arange(12.0).reshape(3, 4))
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        call(x, X)
    assert ctx.flops_used == want


_MASK = np.zeros(10, bool)
_MASK[[1, 3, 5, 7]] = True


# Measured on upstream flopscope 0.12.4: ix_ bills each boolean mask's elements (nonzero's scan)
# at the index dtype's rate and the index arrays it returns at theirs (int64 rate 2, int32 1).
@pytest.mark.parametrize("call, want", [
    (lambda: fnp.ix_(_MASK), 28),
    (lambda: fnp.ix_(fnp.asarray(_MASK)), 28),
    (lambda: fnp.ix_(_MASK, np.arange(3)), 34),
    (lambda: fnp.ix_(_MASK, _MASK[:6]), 46),
    (lambda: fnp.ix_(np.arange(3)), 6),
    (lambda: fnp.ix_(np.arange(3, dtype=np.int32)), 3),
    (lambda: fnp.ix_([0, 2], [1, 3, 4]), 10),
])
def test_ix_bills_the_masks_it_scans(call, want):
    assert charged(call) == want


def test_ix_is_free_under_the_primer():
    flops.configure(cost_model="primer")
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        fnp.ix_(_MASK, np.arange(3))
    assert ctx.summary_dict()["cost_model"] == "primer"
    assert ctx.flops_used == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_stats_warns_when_it_promotes_narrow_floats(dtype):
    """Upstream's FlopscopeWarning, at the caller's line; float64 and Python floats do not warn."""
    x = fnp.asarray(np.linspace(0.1, 0.9, 5).astype(dtype))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with flops.BudgetContext(10**9, quiet=True):
            flops.stats.norm.ppf(x); line = __import__("inspect").currentframe().f_lineno  # noqa: E702
            flops.stats.norm.cdf(x.astype(np.float64))
            flops.stats.norm.pdf(0.5)
    promoted = [w for w in seen if issubclass(w.category, flops.FlopscopeWarning)]
    assert len(promoted) == 1 and promoted[0].lineno == line and promoted[0].filename == __file__
    assert "float64" in str(promoted[0].message) and np.dtype(dtype).name in str(promoted[0].message)
