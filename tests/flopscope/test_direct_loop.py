"""Small elementwise ufunc calls run NumPy's own inner loop directly
(cpp/bindings/direct_loop.cpp). Every ufunc, dtype pair, operand layout and
Python-scalar pairing is compared with NumPy: the same bits, dtype and shape,
the same warnings, the same errors. Each group also checks that the direct
path really ran, so a silent fall-back to NumPy cannot pass for it."""

import warnings

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import _core

DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64, np.longlong, np.uint64,
          np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128]
# Values that raise every floating-point flag somewhere: zeros of both signs,
# tiny and huge magnitudes, infinities and NaN.
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -7.0, 100.0, 1e-310, 1e308, np.inf, -np.inf, np.nan]


def ufuncs(nin):
    names = sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc) and hasattr(fnp, n))
    return [n for n in names
            if getattr(np, n).nin == nin and getattr(np, n).nout == 1 and getattr(np, n).signature is None]


def values(dtype, n=None):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = np.array(SPECIAL).astype(dtype)
    return v if n is None else np.resize(v, n)


def benign(dtype):
    """Values no ufunc raises a floating-point flag on, so the direct path keeps its result."""
    return np.array([1, 2, 3, 1, 2]).astype(dtype)


def outcome(fn):
    """(result, (error type, message), [(warning type, message)]) of fn()."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, error = fn(), None
        except Exception as e:  # noqa: BLE001 - compared with NumPy's outcome
            result, error = None, (type(e), str(e))
    return result, error, [(w.category, str(w.message)) for w in caught]


def significant_bytes(a):
    """The array's bytes; for x87 long doubles without the 6 padding bytes NumPy leaves unset."""
    a = np.ascontiguousarray(a)
    if a.dtype in (np.longdouble, np.clongdouble) and np.finfo(np.longdouble).nmant == 63:
        size = np.dtype(np.longdouble).itemsize  # a complex one is two of them
        return a.reshape(-1).view(np.uint8).reshape(-1, size)[:, :10].tobytes()
    return a.tobytes()


def assert_same(ref, got, where):
    r_result, r_error, r_warnings = ref
    g_result, g_error, g_warnings = got
    assert g_error == r_error, where
    assert g_warnings == r_warnings, where
    if r_error is not None:
        return
    assert isinstance(g_result, fnp.ndarray), (where, type(g_result))
    r, g = np.asarray(r_result), np.asarray(g_result)
    assert (g.dtype, g.shape) == (r.dtype, r.shape), where
    assert significant_bytes(g) == significant_bytes(r), where  # bit for bit, NaN payloads and -0.0 included


def compare(name, raw_args, where):
    """fnp.<name> and np.<name> on flopscope arrays against np.<name> on raw ones."""
    ours = [fnp.asarray(a) if isinstance(a, np.ndarray) else a for a in raw_args]
    ref = outcome(lambda: getattr(np, name)(*raw_args))
    assert_same(ref, outcome(lambda: getattr(fnp, name)(*ours)), ("fnp", *where))
    assert_same(ref, outcome(lambda: getattr(np, name)(*ours)), ("np", *where))


@pytest.mark.parametrize("name", ufuncs(1))
def test_unary_matches_numpy(name):
    before = _core._direct_loop_calls()
    for dtype in DTYPES:
        _core._direct_loop_reset()
        x = values(dtype)
        for arg in (x, x.reshape(2, 7), x[3:4], x[:1].reshape(()), benign(dtype)):
            compare(name, [arg], (name, np.dtype(dtype).str, arg.shape))
    assert _core._direct_loop_calls() > before, f"{name}: the direct path never ran"


@pytest.mark.parametrize("name", ufuncs(2))
def test_binary_matches_numpy(name):
    before = _core._direct_loop_calls()
    n = len(SPECIAL)
    for dx in DTYPES:
        for dy in DTYPES:
            _core._direct_loop_reset()
            # Every value against every value, as 1-d, 2-d and with a 0-d side.
            x, y = np.repeat(values(dx), n), np.tile(values(dy), n)
            for args in ((x, y), (x.reshape(n, n), y.reshape(n, n)), (x, y[5:6].reshape(())),
                         (x[7:8].reshape(()), y), (x[7:8].reshape(()), y[5:6].reshape(())),
                         (benign(dx), benign(dy))):
                compare(name, list(args), (name, np.dtype(dx).str, np.dtype(dy).str, args[0].shape, args[1].shape))
    assert _core._direct_loop_calls() > before, f"{name}: the direct path never ran"


PY_SCALARS = [0, 1, -1, 2, 3, 2**53 + 1, 2**62, -(2**63), 2**63, 2**70, 0.5, -0.0, 1e308, float("nan"),
              float("inf"), np.float64(2.5), np.float32(2.5), True]


@pytest.mark.parametrize("name", ufuncs(2))
def test_python_scalars_match_numpy(name):
    before = _core._direct_loop_calls()
    for dtype in (np.float64, np.int64, np.longlong, np.float32, np.int32):
        _core._direct_loop_reset()
        x = values(dtype)
        for s in PY_SCALARS:
            for arr in (x, benign(dtype)):
                compare(name, [arr, s], (name, np.dtype(dtype).str, repr(s)))
                compare(name, [s, arr], (name, repr(s), np.dtype(dtype).str))
    if name not in ("ldexp",):  # ldexp(float, int): NumPy casts the int, so never direct
        assert _core._direct_loop_calls() > before, f"{name}: the direct path never ran"


@pytest.mark.parametrize("mode", ["raise", "warn", "ignore", "call"])
def test_errstate_is_numpys(mode):
    seen = []

    def record(kind, flag):
        seen.append(kind)

    x = np.array([0.0, 1.0, 1e308, -1.0])
    for name in ("log", "sqrt", "exp", "reciprocal"):
        with np.errstate(all=mode, call=record if mode == "call" else None):
            ref = outcome(lambda: getattr(np, name)(x))
            got = outcome(lambda: getattr(fnp, name)(fnp.asarray(x)))
        assert_same(ref, got, (name, mode))
    for a, b in (([1, 2], [0, 1]), ([7], [0])):
        with np.errstate(all=mode, call=record if mode == "call" else None):
            ref = outcome(lambda: np.floor_divide(np.array(a), np.array(b)))
            got = outcome(lambda: fnp.asarray(a) // fnp.asarray(b))
        assert_same(ref, got, ("floor_divide", mode))
    if mode == "call":
        assert seen, "the errstate callback never ran"


def test_layouts_outside_the_direct_path_still_match():
    # Strided, Fortran-ordered, byte-swapped, unaligned and large operands take
    # NumPy's full path; the results must not differ.
    base = values(np.float64, 600)
    unaligned = np.frombuffer(b"\0" + base[:10].tobytes(), dtype=np.float64, offset=1)
    cases = [base[::2], base[:12].reshape(3, 4).T, base[:10].astype(">f8"), unaligned, base]
    for x in cases:
        before = _core._direct_loop_calls()
        compare("add", [x, x], ("add", x.dtype.str, x.shape, x.strides))
        compare("exp", [x], ("exp", x.dtype.str, x.shape, x.strides))
        assert _core._direct_loop_calls() == before, ("direct path taken for", x.strides, x.dtype)


def test_direct_calls_are_charged_like_any_other():
    x = fnp.ones(7)
    with flops.BudgetContext(flop_budget=10**6, quiet=True) as budget:
        before = _core._direct_loop_calls()
        fnp.exp(x), np.exp(x), x + x, x * 2.0, np.maximum(x, 0.0)
        assert _core._direct_loop_calls() - before == 5
        assert budget.flops_used == 5 * 7


def test_refused_call_runs_nothing():
    x = fnp.ones(5)
    with flops.BudgetContext(flop_budget=4, quiet=True) as ctx:
        before = _core._direct_loop_calls()
        with pytest.raises(flops.BudgetExhaustedError):
            x + x
        assert _core._direct_loop_calls() == before
        assert ctx.flops_used == 0


def test_more_dtype_combinations_than_the_cache_holds():
    _core._direct_loop_reset()
    for _ in range(2):
        for dx in DTYPES:
            for dy in (np.float64, np.int64, np.bool_):
                x, y = values(dx), values(dy)
                compare("multiply", [x, y], ("multiply", np.dtype(dx).str, np.dtype(dy).str))


def test_ufuncs_from_outside_numpy_take_the_full_call():
    # scipy.special reports domain errors through its own channel inside the
    # loop, which a re-run after a floating-point flag would repeat.
    import scipy.special as special  # a test requirement (pyproject [test])

    x = fnp.asarray([0.5, 1.0, 2.0])
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        before = _core._direct_loop_calls()
        got = special.erf(x)
        assert _core._direct_loop_calls() == before
        assert ctx.flops_used == 3
    assert significant_bytes(got) == significant_bytes(special.erf(np.asarray(x)))


def test_inputs_numpy_casts_safely_run_directly():
    # NumPy's trivial path cast-copies such inputs; so does the direct path.
    x = np.linspace(-3, 3, 7)
    for name, args in (("multiply", (x, x > 0)), ("add", (np.arange(7), x)), ("exp", (np.arange(7),)),
                       ("true_divide", (np.arange(7), np.arange(1, 8))), ("add", (x.astype(np.float32), x))):
        _core._direct_loop_reset()
        before = _core._direct_loop_calls()
        compare(name, list(args), (name, *(a.dtype.str for a in args)))
        assert _core._direct_loop_calls() - before == 2, name  # fnp.<name> and np.<name> on our arrays


def compare_out(name, raw_args, raw_out, where, as_keyword=False):
    """np.<name>(*args, out) on raw arrays against fnp.<name> on flopscope copies:
    same outcome, same bits written to out, same inputs afterwards, out returned."""
    ref_args = [a.copy() if isinstance(a, np.ndarray) else a for a in raw_args]
    ref_out = raw_out.copy()
    if raw_out is raw_args[0]:  # in place: out is the first input
        ref_out = ref_args[0]
    ours = [fnp.asarray(a.copy()) if isinstance(a, np.ndarray) else a for a in raw_args]
    our_out = ours[0] if raw_out is raw_args[0] else fnp.asarray(raw_out.copy())
    call = (lambda f, args, o: f(*args, out=(o,))) if as_keyword else (lambda f, args, o: f(*args, o))
    ref = outcome(lambda: call(getattr(np, name), ref_args, ref_out))
    got = outcome(lambda: call(getattr(fnp, name), ours, our_out))
    # NumPy's errors pass through unchanged; shape errors are flopscope's own (found
    # while pricing, before anything runs), so those are compared by type.
    # When several things are wrong (no loop for the dtype and an out of the wrong
    # shape) NumPy and flopscope may name a different one first.
    if where[-1] == "bad shape" and ref[1] is not None:
        assert got[1] is not None, where
        return
    same_error = got[1] == ref[1] or (got[1] and ref[1] and got[1][0] is ref[1][0] and got[1][1].startswith(name))
    assert same_error, (where, got[1], ref[1])
    assert got[2] == ref[2], where  # warnings
    if ref[1] is not None:
        return  # what a failed call left in out is unspecified
    assert got[0] is our_out, where
    assert significant_bytes(our_out) == significant_bytes(ref_out), where
    for r, o in zip(ref_args, ours):
        if isinstance(r, np.ndarray):
            assert significant_bytes(o) == significant_bytes(r), where


@pytest.mark.parametrize("name", ufuncs(2))
def test_out_and_in_place_match_numpy(name):
    before = _core._direct_loop_calls()
    for dtype in (np.float64, np.float32, np.int64, np.bool_, np.complex128):
        _core._direct_loop_reset()
        x, y = values(dtype, 12), np.roll(values(dtype, 12), 5)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                target = getattr(np, name)(benign(dtype), benign(dtype))  # the dtype NumPy gives
        except TypeError:  # no loop for this dtype: out= must fail the same way
            target = np.empty(0, dtype)
        for raw_args, raw_out in (([x, y], x), ([x, y], np.empty(12, target.dtype)), ([x, 2.0], x),
                                  ([benign(dtype), benign(dtype)], np.empty(5, target.dtype)),
                                  ([x[:1].reshape(()), y], np.empty(12, target.dtype)),
                                  ([x, y], np.empty(12, np.int8)), ([x, np.arange(12)], x),
                                  ([x, y], np.empty(3, target.dtype))):
            bad_shape = raw_out.shape == (3,)
            where = (name, np.dtype(dtype).str, raw_out.dtype.str, raw_out.shape, "bad shape" if bad_shape else "")
            compare_out(name, raw_args, raw_out, where)
            compare_out(name, raw_args, raw_out, ("out=(o,)", *where), as_keyword=True)
    assert _core._direct_loop_calls() > before, f"{name}: the direct path never ran"


def test_in_place_call_handed_back_to_numpy_is_applied_once():
    # divide by zero raises a flag: the call is re-run by NumPy, which must see
    # the original x, not the quotient the direct loop computed.
    x = fnp.asarray([1.0, 8.0, 9.0])
    y = fnp.asarray([0.0, 2.0, 3.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x /= y
    np.testing.assert_array_equal(np.asarray(x), [np.inf, 4.0, 3.0])
    assert [str(w.message) for w in caught] == ["divide by zero encountered in divide"]


def test_overlapping_out_matches_numpy():
    base = np.arange(12.0)
    a, fa = base.copy(), fnp.asarray(base.copy())
    np.add(a[:-1], a[1:], out=a[1:])
    fnp.add(fa[:-1], fa[1:], out=fa[1:])
    assert significant_bytes(fa) == significant_bytes(a)
    b, fb = base.copy(), fnp.asarray(base.copy())
    np.multiply(b[1:], 2.0, out=b[:-1])
    fnp.multiply(fb[1:], 2.0, out=fb[:-1])
    assert significant_bytes(fb) == significant_bytes(b)


def test_read_only_out_is_refused_like_numpy():
    x = np.ones(3)
    ro = np.ones(3)
    ro.flags.writeable = False
    ref = outcome(lambda: np.add(x, x, out=ro))
    got = outcome(lambda: fnp.add(fnp.asarray(x), fnp.asarray(x), out=ro))
    assert ref[1] is not None and got[1][0] is ref[1][0]


MATMUL_DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int64, np.int32, np.bool_, np.float16,
                 np.longdouble]
MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((1, 16), (16, 16)),
                 ((16, 16), (16, 1)), ((1, 1), (1, 1)), ((5, 1), (1, 6)), ((1, 7), (7, 1)), ((20, 20), (20, 20)),
                 ((2, 3), (3, 200))]


def matmul_operands(rng, shape, dtype, layout):
    base = rng.standard_normal(shape) * 3
    if np.issubdtype(dtype, np.complexfloating):
        base = base + 1j * rng.standard_normal(shape)
    x = base.astype(dtype)
    if layout == "fortran" and x.ndim == 2:
        return np.asfortranarray(x)
    if layout == "strided":  # every other element of a larger array
        return np.repeat(x, 2, axis=-1)[..., ::2]
    if layout == "reversed":  # negative strides on every axis
        flipped = np.ascontiguousarray(x[(slice(None, None, -1),) * x.ndim])
        return flipped[(slice(None, None, -1),) * x.ndim]
    return x


@pytest.mark.parametrize("dtype", MATMUL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_small_matmul_runs_numpys_loop_bit_for_bit(dtype):
    rng = np.random.default_rng(5)
    _core._direct_loop_reset()
    before = _core._direct_loop_calls()
    for sa, sb in MATMUL_SHAPES:
        for layout in ("c", "fortran", "strided", "reversed"):
            a, b = matmul_operands(rng, sa, dtype, layout), matmul_operands(rng, sb, dtype, layout)
            ref = outcome(lambda: np.matmul(a, b))
            fa, fb = fnp.asarray(a), fnp.asarray(b)
            for got in (outcome(lambda: fnp.matmul(fa, fb)), outcome(lambda: fa @ fb),
                        outcome(lambda: np.matmul(fa, fb))):
                assert_same(ref, got, (np.dtype(dtype).name, sa, sb, layout))
    # every case above is small, aligned and of one dtype: all of them ran directly
    assert _core._direct_loop_calls() - before == 3 * 4 * len(MATMUL_SHAPES)


def test_matmul_outside_the_direct_path_still_matches():
    rng = np.random.default_rng(6)
    cases = [(rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5))),  # a batch
             (rng.standard_normal((3, 4)), rng.standard_normal((4, 5)).astype(np.float32)),  # mixed dtypes
             (rng.standard_normal((60, 60)), rng.standard_normal((60, 60))),  # large
             (np.zeros((3, 0)), np.zeros((0, 4))),  # empty inner dimension
             (rng.standard_normal((3, 4)).astype(">f8"), rng.standard_normal((4, 2)))]  # byte-swapped
    for a, b in cases:
        before = _core._direct_loop_calls()
        assert_same(outcome(lambda: np.matmul(a, b)), outcome(lambda: fnp.matmul(fnp.asarray(a), fnp.asarray(b))),
                    (a.shape, a.dtype.str, b.shape, b.dtype.str))
        assert _core._direct_loop_calls() == before


def test_matmul_overflow_warns_like_numpy():
    a = np.array([[1e308, 1e308]])
    b = np.array([[10.0], [10.0]])
    assert_same(outcome(lambda: np.matmul(a, b)), outcome(lambda: fnp.matmul(fnp.asarray(a), fnp.asarray(b))),
                "overflow")
