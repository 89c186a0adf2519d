"""fnp.fft against numpy.fft side by side: results bit for bit, result types,
FLOPs charged (recomputed here from the radix-2 Cooley-Tukey count), refusals."""

import math

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from _compare import random_data, refused

RNG = np.random.default_rng(20261202)
REAL = [np.float64, np.float32, np.int64]
ANY = [*REAL, np.complex128, np.complex64]

ONE_AXIS = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
COMPLEX_ND = ["fftn", "ifftn", "fft2", "ifft2"]
REAL_ND = ["rfftn", "irfftn", "rfft2", "irfft2"]
ALL_NAMES = [*ONE_AXIS, *COMPLEX_ND, *REAL_ND, "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _data(shape, dtype):
    return random_data(RNG, shape, dtype)


def _log2(n):
    return (n - 1).bit_length() if n > 1 else 0


def _complex(n):
    """5 n ceil(log2 n): one complex transform of length n."""
    return 5 * n * _log2(n)


def _real(n):
    """5 (n//2) ceil(log2 n): one transform of a real signal of length n."""
    return 5 * (n // 2) * _log2(n)


def _charged(fn, *args, **kw):
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        out = fn(*args, **kw)
    return out, ctx.flops_used


def _same(got, want):
    assert isinstance(got, fnp.ndarray), type(got)
    np.testing.assert_array_equal(np.asarray(got).view(np.ndarray), want, strict=True)


def _check(name, a, expected, **kw):
    want = getattr(np.fft, name)(a, **kw)
    got, used = _charged(getattr(fnp.fft, name), fnp.asarray(a), **kw)
    _same(got, want)
    assert used == expected, (name, a.shape, kw, used, expected)
    # numpy.fft dispatches its functions (__array_function__): counted the same.
    got2, used2 = _charged(getattr(np.fft, name), fnp.asarray(a), **kw)
    _same(got2, want)
    assert used2 == expected
    return want


def _refused_same(fn_name, *args, **kw):
    refused(np.fft, fnp.fft, fn_name, *args, **kw)


def test_every_name_is_exported():
    assert sorted(fnp.fft.__all__) == sorted(ALL_NAMES)
    assert sorted(ALL_NAMES) == sorted(n for n in np.fft.__all__)
    for name in ALL_NAMES:
        assert callable(getattr(fnp.fft, name))
    assert fnp.fft is fnp.__dict__["fft"]


# --- one axis: fft, ifft, rfft, irfft, hfft, ihfft -----------------------------

def _same_out(name, a, **kw):
    """out= as NumPy has it (hfft ignores it; irfftn/irfft2 write only their last stage)."""
    want = getattr(np.fft, name)(a, **kw)
    out_np = np.zeros(want.shape, want.dtype)
    want = getattr(np.fft, name)(a, out=out_np, **kw)
    out = fnp.zeros(want.shape, want.dtype)
    got, used = _charged(getattr(fnp.fft, name), fnp.asarray(a), out=out, **kw)
    assert (got is out) == (want is out_np)
    _same(got, want)
    _same(out, out_np)
    return want, used


def _one_axis_expected(name, shape, n=None, axis=-1):
    m = shape[axis]
    batch = math.prod(d for i, d in enumerate(shape) if i != axis % len(shape))
    if name in ("fft", "ifft"):
        return batch * _complex(n if n is not None else m)
    if name in ("rfft", "ihfft"):
        return batch * _real(n if n is not None else m)
    return batch * _real(n if n is not None else 2 * (m - 1))  # irfft, hfft: real output length


ONE_AXIS_CASES = [
    ((8,), {}), ((1000,), {}), ((7,), {}), ((1,), {"n": 1}), ((2,), {}), ((3, 16), {}), ((2, 3, 5), {"axis": 1}),
    ((4, 6), {"axis": 0}), ((4, 6), {"axis": -2, "n": 9}), ((5,), {"n": 16}), ((12,), {"n": 5}),
    ((3, 5), {"norm": "ortho"}), ((3, 5), {"norm": "forward"}), ((3, 5), {"norm": "backward", "n": 4}),
    ((0, 8), {}), ((3, 0), {"n": 4}), ((2, 0, 4), {"axis": 2}),
]


@pytest.mark.parametrize("name", ONE_AXIS)
@pytest.mark.parametrize("shape,kw", ONE_AXIS_CASES)
def test_one_axis(name, shape, kw):
    dtypes = REAL if name in ("rfft", "ihfft") else ANY
    if name in ("irfft", "hfft") and shape[kw.get("axis", -1)] < 2:
        if shape[kw.get("axis", -1)] == 0:
            return _empty_inverse_real(name, shape, kw)
        kw = {**kw, "n": 2}
    for dtype in dtypes:
        a = _data(shape, dtype)
        _check(name, a, _one_axis_expected(name, shape, kw.get("n"), kw.get("axis", -1)), **kw)


def _empty_inverse_real(name, shape, kw):
    # NumPy 2.4's irfft/hfft of an empty axis padded to n reads uninitialised
    # memory (its values vary), so only the shape, dtype and charge are compared.
    a = _data(shape, np.complex128)
    want = getattr(np.fft, name)(a, **kw)
    got, used = _charged(getattr(fnp.fft, name), fnp.asarray(a), **kw)
    assert isinstance(got, fnp.ndarray) and got.shape == want.shape and got.dtype == want.dtype
    assert used == _one_axis_expected(name, shape, kw.get("n"), kw.get("axis", -1))


def test_one_axis_known_values():
    # Spec section 2.10's measured values: fft(256) 10,240; fft(1000) 50,000;
    # rfft(256) 5,120; fft of 256 rows of 256: 2,621,440.
    assert _charged(fnp.fft.fft, fnp.ones(256))[1] == 10_240
    assert _charged(fnp.fft.fft, fnp.ones(1000))[1] == 50_000
    assert _charged(fnp.fft.rfft, fnp.ones(256))[1] == 5_120
    assert _charged(fnp.fft.fft, fnp.ones((256, 256)))[1] == 2_621_440
    assert _charged(fnp.fft.fft, fnp.ones(1))[1] == 0


@pytest.mark.parametrize("name", ONE_AXIS)
def test_one_axis_out(name):
    _, used = _same_out(name, _data((3, 8), np.float64))
    assert used == _one_axis_expected(name, (3, 8))


@pytest.mark.parametrize("name", ONE_AXIS)
@pytest.mark.parametrize("shape,kw", [
    ((0,), {}), ((4,), {"n": 0}), ((4,), {"n": -1}), ((4,), {"n": 2.0}), ((4,), {"norm": "bad"}),
    ((4,), {"norm": 1}), ((4,), {"axis": 1}), ((4,), {"axis": 1.0}), ((), {}), ((3, 4), {"axis": (0,)}),
])
def test_one_axis_refusals(name, shape, kw):
    _refused_same(name, _data(shape, np.float64), **kw)


@pytest.mark.parametrize("name", ["irfft", "hfft"])
def test_inverse_real_default_length_refused(name):
    _refused_same(name, _data((1,), np.complex128))  # default n = 2(1 - 1) = 0


def test_one_axis_wrong_out_refused():
    a = _data((8,), np.float64)
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        with pytest.raises(ValueError):
            fnp.fft.fft(fnp.asarray(a), out=fnp.zeros(3, complex))
        with pytest.raises(TypeError):
            fnp.fft.rfft(fnp.asarray(a + 1j))
    assert ctx.flops_used == 0


# --- several axes: fftn, ifftn, fft2, ifft2, rfftn, irfftn, rfft2, irfft2 --------

def _nd_axes(name, ndim, kw):
    axes = kw.get("axes", (-2, -1) if name.endswith("2") else None)
    if axes is None:
        axes = range(ndim) if kw.get("s") is None else range(ndim - len(kw["s"]), ndim)
    return [ax % ndim for ax in axes]


def _nd_expected(name, a, want, kw):
    """The count from the lengths transformed: NumPy's output for the complex and
    the inverse real transforms, the (padded/cropped) input for the forward real one."""
    axes = _nd_axes(name, a.ndim, kw)
    if name in ("rfftn", "rfft2"):
        s = kw.get("s")
        signal = list(a.shape)
        for i, ax in enumerate(axes):
            if s is not None and s[i] != -1:
                signal[ax] = s[i]
    else:
        signal = list(want.shape)
    lengths = [signal[ax] for ax in axes]
    logs = sum(_log2(d) for d in lengths)
    if name in COMPLEX_ND:
        return 5 * math.prod(signal) * logs
    batch = math.prod(d for i, d in enumerate(signal) if i not in axes)
    return batch * 5 * (math.prod(lengths) // 2) * logs


ND_CASES = [
    ((8, 8, 8), {}), ((4, 6), {}), ((3, 5, 7), {}), ((2, 4, 4), {"axes": (0, 2)}), ((2, 3, 4), {"axes": (1,)}),
    ((4, 6), {"s": (8, 5), "axes": (0, 1)}), ((4, 6), {"s": (3, -1), "axes": (0, 1)}),
    ((2, 4, 6), {"s": (5, 9), "axes": (-1, 0)}), ((2, 3, 4), {"axes": None}), ((4, 5), {"norm": "ortho"}),
    ((3, 4), {"axes": (-1, -2), "norm": "forward"}), ((0, 4, 6), {"axes": (1, 2)}), ((5, 4, 1), {"axes": (0, 1)}),
]


@pytest.mark.parametrize("name", [*COMPLEX_ND, *REAL_ND])
@pytest.mark.parametrize("shape,kw", ND_CASES)
def test_many_axes(name, shape, kw):
    dtypes = REAL if name in ("rfftn", "rfft2") else ANY
    for dtype in dtypes:
        a = _data(shape, dtype)
        want = np.asarray(getattr(np.fft, name)(a, **kw))
        _check(name, a, _nd_expected(name, a, want, kw), **kw)


def test_many_axes_known_values():
    # Spec section 2.10: fft2(256 x 256) 5,242,880; fftn(8, 8, 8) 23,040.
    assert _charged(fnp.fft.fft2, fnp.ones((256, 256)))[1] == 5_242_880
    assert _charged(fnp.fft.fftn, fnp.ones((8, 8, 8)))[1] == 23_040
    # rfft2 of (8, 6): real signal of 48, 5 * 24 * (3 + 3); irfft2 of (4, 5) -> (4, 8).
    assert _charged(fnp.fft.rfft2, fnp.ones((8, 6)))[1] == 5 * 24 * 6
    assert _charged(fnp.fft.irfft2, fnp.ones((4, 5)))[1] == 5 * 16 * 5


def test_many_axes_s_without_axes():
    # Deprecated by NumPy 2.0 but still run: s names the last len(s) axes.
    a = _data((3, 4, 6), np.float64)
    with pytest.warns(DeprecationWarning):
        want = np.fft.fftn(a, s=(8,))
    with pytest.warns(DeprecationWarning):
        got, used = _charged(fnp.fft.fftn, fnp.asarray(a), s=(8,))
    _same(got, want)
    assert used == 5 * 3 * 4 * 8 * 3


def test_many_axes_repeated_axis():
    # NumPy transforms a repeated axis twice: the whole array each time.
    a = _data((4, 4), np.complex128)
    assert _check("fftn", a, 2 * 5 * 16 * 2, axes=(0, 0)) is not None


def test_many_axes_no_axis():
    a = _data((4, 4), np.float64)
    _check("fftn", a, 0, axes=())
    _check("fftn", np.asarray(3.0), 0)


@pytest.mark.parametrize("name", ["fftn", "rfftn", "irfftn", "fft2", "rfft2", "irfft2"])
def test_many_axes_out(name):
    a = _data((3, 4, 8), np.float64)
    want, used = _same_out(name, a, axes=(1, 2))
    assert used == _nd_expected(name, a, want, {"axes": (1, 2)})


@pytest.mark.parametrize("name", [*COMPLEX_ND, *REAL_ND])
@pytest.mark.parametrize("shape,kw", [
    ((4, 4), {"s": (3, 5), "axes": (0,)}), ((4, 4), {"s": (0, 3), "axes": (0, 1)}),
    ((4, 4), {"s": (-2, 3), "axes": (0, 1)}), ((4, 4), {"axes": (0, 2)}), ((4, 4), {"norm": "Ortho"}),
    ((0, 4), {}), ((4,), {}), ((4, 4), {"s": 3}), ((4, 4), {"axes": 1}),
])
def test_many_axes_refusals(name, shape, kw):
    if shape == (4,) and not name.endswith("2"):
        kw = {**kw, "axes": (0, 1)}  # fftn of a vector is valid: ask for a missing axis
    _refused_same(name, _data(shape, np.float64), **kw)


@pytest.mark.parametrize("name", ["rfftn", "irfftn"])
def test_real_many_axes_need_an_axis(name):
    _refused_same(name, _data((4, 4), np.float64), axes=())


def test_inverse_real_many_axes_default_length_refused():
    _refused_same("irfftn", _data((4, 1), np.complex128))  # last length 2(1 - 1) = 0


# --- fftfreq, rfftfreq, fftshift, ifftshift ------------------------------------

@pytest.mark.parametrize("n", [1, 2, 7, 8, 1001])
@pytest.mark.parametrize("d", [1.0, 0.25, 3])
def test_frequencies(n, d):
    for name, expected in (("fftfreq", n), ("rfftfreq", n // 2 + 1)):
        want = getattr(np.fft, name)(n, d)
        got, used = _charged(getattr(fnp.fft, name), n, d)
        _same(got, want)
        assert used == expected
        got, used = _charged(getattr(fnp.fft, name), np.int64(n), d=d, device="cpu")
        _same(got, want)
        assert used == expected


def test_frequencies_negative_n():
    # fftfreq refuses n < 0; rfftfreq returns no frequency (charged nothing).
    _refused_same("fftfreq", -1)
    for n in (-1, -2, -5):
        got, used = _charged(fnp.fft.rfftfreq, n)
        _same(got, np.fft.rfftfreq(n))
        assert used == 0


def test_frequencies_array_spacing():
    # A flopscope spacing d: fnp.fft.fftfreq charges its n multiplies once.
    d = fnp.asarray(0.5)
    want = np.fft.fftfreq(8, np.asarray(d).view(np.ndarray))
    got, used = _charged(fnp.fft.fftfreq, 8, d)
    _same(got, want)
    assert used == 8


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("args,kw", [
    ((0,), {}), ((4.0,), {}), ((4, 0), {}), ((4, "a"), {}), ((4,), {"device": "gpu"}),
    ((np.asarray(8),), {}),
])
def test_frequencies_refusals(name, args, kw):
    _refused_same(name, *args, **kw)


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
@pytest.mark.parametrize("shape,axes", [((8,), None), ((7,), None), ((3, 4), None), ((3, 4, 5), 1),
                                        ((3, 4, 5), (0, 2)), ((0, 3), None), ((1,), None)])
def test_shifts_are_free(name, shape, axes):
    for dtype in ANY:
        a = _data(shape, dtype)
        _check(name, a, 0, axes=axes)


@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
@pytest.mark.parametrize("shape,axes", [((3,), 2), ((), None)])
def test_shift_refusal(name, shape, axes):
    _refused_same(name, _data(shape, np.float64), axes=axes)


def test_round_trip_is_counted_twice():
    a = _data((4, 16), np.float64)
    spectrum, first = _charged(fnp.fft.rfft, fnp.asarray(a))
    back, second = _charged(fnp.fft.irfft, spectrum, n=16)
    np.testing.assert_array_equal(np.asarray(back), np.fft.irfft(np.fft.rfft(a), n=16))
    assert first == second == 4 * _real(16)


def test_numpy_fftfreq_is_not_dispatched():
    # numpy.fft.fftfreq has no array argument to dispatch on: with plain
    # arguments it is NumPy's own, uncounted; with a flopscope spacing d its
    # Python body runs on our array, and its three ufunc calls are what is
    # counted: n * d, 1 / (n * d), then the n products.
    got, used = _charged(np.fft.fftfreq, 8)
    assert type(got) is np.ndarray and used == 0
    got, used = _charged(np.fft.fftfreq, 8, fnp.asarray(0.5))
    _same(got, np.fft.fftfreq(8, 0.5))
    assert used == 1 + 1 + 8


def test_lists_are_operands():
    got, used = _charged(fnp.fft.fft, [1.0, 2.0, 3.0, 4.0])
    _same(got, np.fft.fft([1.0, 2.0, 3.0, 4.0]))
    assert used == _complex(4)
    got, used = _charged(fnp.fft.rfft2, [[1.0, 2.0], [3.0, 4.0]])
    _same(got, np.fft.rfft2([[1.0, 2.0], [3.0, 4.0]]))
    assert used == 5 * 2 * (1 + 1)
