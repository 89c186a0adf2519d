"""Data movement, indexing, creation, in-place helpers and metadata queries against
NumPy side by side: results bit for bit, result types, FLOPs charged (0 for the
free ones; 1 per element computed for logspace/geomspace/asarray_chkfinite),
in-place writes, refusals charged 0, and callbacks charged once."""

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from _compare import refused

RNG = np.random.default_rng(20261202)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((2, 3, 4))
SQ = RNG.standard_normal((4, 4))
V = np.array([0, 0, 1.5, 0, 2.0, 3.0, 0, 0])
I = np.arange(12).reshape(3, 4)


def _charged(fn, *args, **kw):
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        out = fn(*args, **kw)
    return out, ctx.flops_used


def _fnp(x):
    return fnp.asarray(x) if isinstance(x, np.ndarray) else x


def _same(got, want):
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    if isinstance(want, np.ndarray):
        assert type(got) is fnp.ndarray, type(got)
        np.testing.assert_array_equal(np.asarray(got).view(np.ndarray), want, strict=True)
        return
    assert type(got) is type(want) and got == want, (got, want)


# name -> (args, kwargs): every one is free (no arithmetic: copies, views, index construction).
FREE = {
    "take_along_axis": ((A, np.argsort(A, axis=1)), {"axis": 1}),
    "compress": (([True, False, True], A), {"axis": 0}),
    "extract": ((A > 0, A), {}),
    "choose": ((np.array([0, 1, 2, 0]), [np.arange(4), np.arange(4) * 10, np.arange(4) * 100]), {}),
    "roll": ((A, 2), {"axis": 1}),
    "rollaxis": ((B, 2), {}),
    "rot90": ((A,), {"k": 3}),
    "flipud": ((A,), {}),
    "fliplr": ((A,), {}),
    "append": ((A, A), {"axis": 0}),
    "insert": ((A, 1, 5.0), {"axis": 1}),
    "delete": ((A, [0, 2]), {"axis": 1}),
    "resize": ((A, (5, 5)), {}),
    "block": (([[A, A], [A, A]],), {}),
    "concat": (([A, A],), {"axis": 1}),
    "dsplit": ((B, 2), {}),
    "hsplit": ((A, 2), {}),
    "vsplit": ((A, 3), {}),
    "unstack": ((B,), {"axis": 1}),
    "permute_dims": ((B, (2, 0, 1)), {}),
    "matrix_transpose": ((B,), {}),
    "diagflat": ((np.arange(3.0),), {"k": 1}),
    "tri": ((3, 4), {"k": -1}),
    "trim_zeros": ((V,), {}),
    "asfortranarray": ((A,), {}),
    "require": ((A, None, ["F"]), {}),
    "frombuffer": ((b"\x01\x02\x03\x04",), {"dtype": np.uint8}),
    "indices": (((2, 3),), {}),
    "ix_": (([0, 1], [2, 3, 1]), {}),
    "meshgrid": ((np.arange(3), np.arange(2)), {"indexing": "ij"}),
    "tril_indices": ((4, 1), {}),
    "tril_indices_from": ((SQ,), {}),
    "triu_indices": ((4,), {"m": 5}),
    "triu_indices_from": ((SQ, 1), {}),
    "diag_indices": ((3, 2), {}),
    "diag_indices_from": ((SQ,), {}),
    "mask_indices": ((3, np.triu), {}),
    "ravel_multi_index": (((np.array([0, 2]), np.array([1, 3])), (3, 4)), {}),
    "unravel_index": ((np.array([1, 7, 11]), (3, 4)), {}),
    "packbits": ((np.array([[1, 0, 1], [0, 1, 1]], np.uint8),), {"axis": -1}),
    "unpackbits": ((np.array([3, 255], np.uint8),), {}),
    "broadcast_shapes": (((2, 1), (3,)), {}),
    "common_type": ((A, np.arange(3, dtype=np.float32)), {}),
    "min_scalar_type": ((300,), {}),
    "mintypecode": ((["d", "f"],), {}),
    "isscalar": ((3.0,), {}),
    "iscomplexobj": ((A,), {}),
    "isrealobj": ((A,), {}),
    "isfortran": ((np.asfortranarray(A),), {}),
    "issubdtype": ((np.float32, np.floating), {}),
    "isdtype": ((np.dtype(np.int8), "integral"), {}),
    "iterable": ((A,), {}),
    "typename": (("d",), {}),
    "shares_memory": ((A, A[1:]), {}),
    "may_share_memory": ((A, A[1:]), {}),
    "einsum_path": (("ij,jk->ik", A, A.T), {"optimize": "greedy"}),
}


@pytest.mark.parametrize("name", sorted(FREE))
def test_free_op_matches_numpy(name):
    args, kw = FREE[name]
    want = getattr(np, name)(*args, **kw)
    got, used = _charged(getattr(fnp, name), *map(_fnp, args), **kw)
    _same(got, want)
    assert used == 0
    # NumPy's own function on flopscope arrays is also free and gives NumPy's values.
    got2, used2 = _charged(getattr(np, name), *map(_fnp, args), **kw)
    assert used2 == 0
    if isinstance(want, np.ndarray):
        np.testing.assert_array_equal(np.asarray(got2), want)


def test_printoptions_are_numpys():
    before = np.get_printoptions()
    assert fnp.get_printoptions() == before
    try:
        _, used = _charged(fnp.set_printoptions, precision=3)
        assert used == 0 and np.get_printoptions()["precision"] == 3
    finally:
        np.set_printoptions(**before)
    with fnp.printoptions(precision=2):
        assert np.get_printoptions()["precision"] == 2
    assert np.get_printoptions() == before


def test_from_dlpack_is_free():
    got, used = _charged(fnp.from_dlpack, A)
    _same(got, np.from_dlpack(A))
    assert used == 0


# name -> (args, kwargs): in-place writes into the first argument.
IN_PLACE = {
    "fill_diagonal": ((9.0,), {"wrap": True}),
    "put_along_axis": ((np.argmax(A, axis=1, keepdims=True), -1.0), {"axis": 1}),
    "put": (([0, 5, -1], [7.0, 8.0]), {"mode": "wrap"}),
    "putmask": ((A > 0, [1.0, 2.0]), {}),
    "place": ((A < 0, [5.0, 6.0, 7.0]), {}),
    "copyto": ((2.5,), {"where": A > 0}),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_helper_mutates_like_numpy(name):
    args, kw = IN_PLACE[name]
    want = A.copy()
    ret_np = getattr(np, name)(want, *args, **kw)
    got = fnp.asarray(A.copy())
    ret, used = _charged(getattr(fnp, name), got, *map(_fnp, args), **kw)
    assert ret is None and ret_np is None
    assert used == 0
    assert type(got) is fnp.ndarray
    np.testing.assert_array_equal(np.asarray(got).view(np.ndarray), want, strict=True)
    assert not np.array_equal(want, A)


def test_copyto_into_flopscope_destination_from_numpy():
    dst = fnp.zeros((3, 4))
    _, used = _charged(np.copyto, dst, A)
    assert used == 0
    np.testing.assert_array_equal(np.asarray(dst), A)


# ---------------------------------------------------------------- priced creation


@pytest.mark.parametrize("args,kw,expected", [
    ((0, 2), {}, 50),
    ((0, 2, 7), {"endpoint": False}, 7),
    ((0, 2, 0), {}, 0),
    # array endpoints: + linspace's arithmetic, 4 per endpoint element + 2 per sample of each
    (([0.0, 1.0], [2.0, 3.0], 5), {}, 10 + 4 * 2 + 2 * 5 * 2),
    ((0, 1, 4), {"base": np.array([2.0, 3.0, 4.0])}, 12 + 4 * 1 + 2 * 4 * 1),  # an array base makes them (1,) arrays
    (([[0.0], [1.0]], [2.0, 3.0, 4.0], 3), {"axis": 1}, 18 + 4 * 6 + 2 * 3 * 6),
])
def test_logspace_one_power_per_sample(args, kw, expected):
    want = np.logspace(*args, **kw)
    got, used = _charged(fnp.logspace, *args, **kw)
    _same(got, want)
    assert used == expected


@pytest.mark.parametrize("args,kw,expected", [
    ((1, 1000), {}, 50),
    ((1, 1000, 4), {"endpoint": False, "dtype": np.float32}, 4),
    # array endpoints: + 11 per endpoint element, linspace's arithmetic and the sign per sample
    (([1.0, 2.0], [10.0, 20.0], 6), {}, 12 + 11 * 2 + (4 * 2 + 2 * 6 * 2) + 12),
    ((1j, 1000j, 3), {}, 17 * 3),  # complex endpoints: a complex power per sample (cost-model.md)
])
def test_geomspace_one_power_per_sample(args, kw, expected):
    want = np.geomspace(*args, **kw)
    got, used = _charged(fnp.geomspace, *args, **kw)
    _same(got, want)
    assert used == expected


@pytest.mark.parametrize("shape", [(0,), (5,), (3, 4), (2, 0, 3)])
def test_asarray_chkfinite_one_test_per_element(shape):
    x = RNG.standard_normal(shape)
    got, used = _charged(fnp.asarray_chkfinite, fnp.asarray(x))
    _same(got, np.asarray_chkfinite(x))
    assert used == int(np.prod(shape))  # (np.asarray_chkfinite does not dispatch)


@pytest.mark.parametrize("name,args,kw", [
    ("asarray_chkfinite", ([1.0, np.inf],), {}),
    ("logspace", (0, 1, -1), {}),
    ("geomspace", (0, 1), {}),
    ("geomspace", (1, 2, -3), {}),
    ("logspace", ([0, 1], [1, 2, 3]), {}),
    ("roll", (A,), {}),
    ("rot90", (np.arange(3),), {}),
    ("delete", (A, 9), {"axis": 0}),
    ("take_along_axis", (A, np.zeros((3,), int)), {"axis": 1}),
    ("broadcast_shapes", ((2,), (3,)), {}),
    ("unravel_index", (12, (3, 4)), {}),
    ("fill_diagonal", (np.arange(3.0), 1.0), {}),
])
def test_bad_input_charges_nothing_and_raises_numpys_error(name, args, kw):
    refused(np, fnp, name, *args, **kw)


# ---------------------------------------------------------------- user callbacks


def _summed(x):
    # The callback's own fnp work: one sum over len(x) elements, charged normally.
    return fnp.sum(x)


def test_apply_along_axis_charges_the_callback_once():
    got, used = _charged(fnp.apply_along_axis, _summed, 1, fnp.asarray(B))
    _same(got, np.apply_along_axis(np.sum, 1, B))
    assert used == B.size  # 2*4 slices of 3 elements: one sum each, nothing else


def test_apply_along_axis_plain_python_callback_is_free():
    got, used = _charged(fnp.apply_along_axis, lambda r: np.asarray(r).view(np.ndarray)[::-1] * 1, 0, fnp.asarray(A))
    _same(got, np.apply_along_axis(lambda r: r[::-1] * 1, 0, A))
    assert used == 0


def test_apply_along_axis_vector_results_inserted_at_axis():
    f = lambda r: np.outer(r, r)[:2]  # noqa: E731
    got, used = _charged(fnp.apply_along_axis, lambda r: f(np.asarray(r).view(np.ndarray)), 1, fnp.asarray(B))
    _same(got, np.apply_along_axis(f, 1, B))
    assert used == 0


def test_apply_along_axis_refusals_like_numpy():
    for args in [(np.sum, 3, A), (np.sum, 0, np.ones((3, 0)))]:
        with pytest.raises(Exception) as want:
            np.apply_along_axis(*args)
        with flops.BudgetContext(10**15, quiet=True) as ctx:
            with pytest.raises(type(want.value)):
                fnp.apply_along_axis(*args)
        assert ctx.flops_used == 0


def test_apply_over_axes_charges_the_callback_once():
    got, used = _charged(fnp.apply_over_axes, fnp.sum, fnp.asarray(B), [0, 2])
    _same(got, np.apply_over_axes(np.sum, B, [0, 2]))
    # sum over axis 0 reads 24 elements, then over axis 2 of the (1, 3, 4) result reads 12.
    assert used == 24 + 12


def test_apply_over_axes_keepdims_result_and_bad_callback():
    got, used = _charged(fnp.apply_over_axes, lambda a, ax: fnp.sum(a, axis=ax, keepdims=True), fnp.asarray(B), -1)
    _same(got, np.apply_over_axes(np.sum, B, -1))
    assert used == 24
    with pytest.raises(ValueError):
        np.apply_over_axes(lambda a, ax: np.sum(a), B, 0)
    with flops.BudgetContext(10**15, quiet=True):
        with pytest.raises(ValueError):
            fnp.apply_over_axes(lambda a, ax: fnp.asarray(np.float64(0)), B, 0)


def test_fromfunction_charges_only_the_callback():
    got, used = _charged(fnp.fromfunction, lambda i, j: fnp.add(i, j), (3, 4), dtype=int)
    _same(got, np.fromfunction(lambda i, j: i + j, (3, 4), dtype=int))
    assert used == 12  # one addition per element, the index grid is free


def test_fromiter_charges_only_the_generator():
    def gen():
        for k in range(5):
            yield float(fnp.multiply(fnp.asarray(k), 2.0))

    got, used = _charged(fnp.fromiter, gen(), float)
    _same(got, np.fromiter((2.0 * k for k in range(5)), float))
    assert used == 5
    got, used = _charged(fnp.fromiter, range(6), np.int32, count=4)
    _same(got, np.fromiter(range(6), np.int32, count=4))
    assert used == 0
    with pytest.raises(ValueError):
        fnp.fromiter(range(2), float, count=5)


def test_block_of_nested_flopscope_arrays():
    # flopscope arrays nested two lists deep reach NumPy as plain arrays (no re-dispatch loop).
    X = fnp.asarray(A)
    got, used = _charged(fnp.block, [[X, X], [X, X]])
    _same(got, np.block([[A, A], [A, A]]))
    assert used == 0
    got, used = _charged(np.block, [[X], [X]])
    _same(got, np.block([[A], [A]]))
    assert used == 0
    loop = [X]
    loop.append(loop)
    with pytest.raises(RecursionError):
        fnp.block(loop)
