"""The primer's cost rules (default profile 'primer'), several shapes each."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import accounting

RNG = np.random.default_rng(7)


def cost_of(fn):
    with flops.BudgetContext(10**12, quiet=True) as ctx:
        result = fn()
    return result, ctx.flops_used


def arr(*shape, dtype=np.float64):
    return fnp.asarray(RNG.uniform(0.5, 1.5, size=shape).astype(dtype))


def check(fn, ref, want):
    r, used = cost_of(fn)
    expected = ref()
    a = np.asarray(r).view(np.ndarray) if isinstance(r, np.ndarray) else np.asarray(r)
    assert a.dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(a, expected)
    assert used == want, used
    return r


def plain(x):
    return np.asarray(x).view(np.ndarray)


def test_default_profile_is_primer():
    assert "primer" in accounting.cost_models()
    assert flops._core.default_profile() == "primer"


# ---------------------------------------------------------------- primer examples


def test_primer_example_matmul_one_million():
    with flops.BudgetContext(flop_budget=1_000_000) as ctx:
        x = fnp.ones(100)
        y = x @ fnp.eye(100)
    assert ctx.flops_used == 100 * 100  # (100,) @ (100,100): M=1 promoted
    assert type(y) is fnp.ndarray
    with flops.BudgetContext(flop_budget=1_000_000) as ctx:
        z = fnp.ones((100, 100)) @ fnp.eye(100)  # the primer's "1M FLOPs"
    assert ctx.flops_used == 1_000_000
    np.testing.assert_array_equal(plain(z), np.ones((100, 100)))


def test_primer_example_exp_100():
    _, used = cost_of(lambda: fnp.exp(fnp.ones(100)))
    assert used == 100


# ---------------------------------------------------------------- free


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
def test_free_creation_views_joins(shape):
    n = math.prod(shape)
    x = arr(*shape)
    for fn in [lambda: fnp.zeros(shape), lambda: fnp.ones(shape), lambda: fnp.array(plain(x)),
               lambda: fnp.asarray(plain(x)), lambda: fnp.reshape(x, (n,)), lambda: x.T, lambda: x[..., 0],
               lambda: fnp.stack([x, x]), lambda: fnp.concatenate([x, x]), lambda: x.copy(),
               lambda: x.astype(np.float32), lambda: fnp.eye(n), lambda: fnp.random.default_rng(0).random(shape)]:
        _, used = cost_of(fn)
        assert used == 0


# ---------------------------------------------------------------- pointwise


@pytest.mark.parametrize("sa,sb", [((5,), (5,)), ((3, 4), (4,)), ((3, 1), (1, 6)), ((2, 1, 4), (3, 1)), ((), (6,))])
def test_pointwise_binary_costs_broadcast_output(sa, sb):
    a, b = arr(*sa), arr(*sb)
    n = math.prod(np.broadcast_shapes(sa, sb))
    for name in ["add", "subtract", "multiply", "divide", "maximum", "less", "power"]:
        check(lambda: getattr(fnp, name)(a, b), lambda: getattr(np, name)(plain(a), plain(b)), n)
    check(lambda: a + b, lambda: plain(a) + plain(b), n)
    check(lambda: a >= b, lambda: plain(a) >= plain(b), n)


@pytest.mark.parametrize("shape", [(1,), (10,), (4, 5), (2, 3, 4)])
def test_pointwise_unary(shape):
    x = arr(*shape)
    n = math.prod(shape)
    for name in ["exp", "sqrt", "abs", "log", "negative", "tanh"]:
        check(lambda: getattr(fnp, name)(x), lambda: getattr(np, name)(plain(x)), n)


@pytest.mark.parametrize("shape", [(6,), (2, 3)])
def test_multi_output_ufuncs_cost_nout_per_element(shape):
    x, y = arr(*shape), arr(*shape)
    n = math.prod(shape)
    for name, args in [("divmod", (x, y)), ("frexp", (x,)), ("modf", (x,))]:
        r, used = cost_of(lambda: getattr(fnp, name)(*args))
        exp = getattr(np, name)(*[plain(a) for a in args])
        assert used == 2 * n
        for got, want in zip(r, exp):
            np.testing.assert_array_equal(plain(got), want)


@pytest.mark.parametrize("sc,sx,sy", [((4,), (4,), (4,)), ((3, 1), (1, 5), ()), ((2, 3), (3,), (2, 1))])
def test_where_costs_broadcast_output(sc, sx, sy):
    c = fnp.asarray(RNG.integers(0, 2, size=sc).astype(bool))
    x, y = arr(*sx), arr(*sy)
    n = math.prod(np.broadcast_shapes(sc, sx, sy))
    check(lambda: fnp.where(c, x, y), lambda: np.where(plain(c), plain(x), plain(y)), n)


@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_clip_costs_numel(shape):
    x = arr(*shape)
    n = math.prod(shape)
    check(lambda: fnp.clip(x, 0.7, 1.2), lambda: np.clip(plain(x), 0.7, 1.2), n)
    lo = arr(*shape[-1:])
    check(lambda: fnp.clip(x, lo, 1.2), lambda: np.clip(plain(x), plain(lo), 1.2), n)


# ---------------------------------------------------------------- reductions

REDUCTIONS = ["sum", "mean", "var", "max", "min", "prod", "all", "any", "argmax", "argmin", "cumsum", "cumprod",
              "nansum", "nanmean", "nanvar", "nanmax", "nanmin", "nanprod", "ptp", "count_nonzero"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("shape,axis", [((7,), None), ((3, 4), None), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), (0, 2))])
def test_reductions_cost_input_size_regardless_of_axis(name, shape, axis):
    if name in {"argmax", "argmin", "cumsum", "cumprod"} and isinstance(axis, tuple):
        axis = 1
    x = arr(*shape)
    check(lambda: getattr(fnp, name)(x, axis=axis), lambda: getattr(np, name)(plain(x), axis=axis), math.prod(shape))


@pytest.mark.parametrize("name", ["std", "nanstd"])
@pytest.mark.parametrize("shape,axis", [((7,), None), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), (0, 2)), ((2, 3, 4), None)])
def test_std_costs_input_plus_output(name, shape, axis):
    x = arr(*shape)
    out_n = np.asarray(np.std(plain(x), axis=axis)).size
    check(lambda: getattr(fnp, name)(x, axis=axis), lambda: getattr(np, name)(plain(x), axis=axis),
          math.prod(shape) + out_n)


def test_keepdims_does_not_change_reduction_cost():
    x = arr(3, 4)
    check(lambda: fnp.sum(x, axis=1, keepdims=True), lambda: np.sum(plain(x), axis=1, keepdims=True), 12)


# ---------------------------------------------------------------- matmul


@pytest.mark.parametrize("sa,sb,want", [
    ((2, 3), (3, 4), 2 * 3 * 4),
    ((5, 3, 4), (4, 2), 5 * 3 * 4 * 2),
    ((4,), (4, 3), 4 * 3),                 # vector @ matrix
    ((3, 4), (4,), 3 * 4),                 # matrix @ vector
    ((6,), (6,), 6),                       # vector @ vector
    ((2, 1, 3, 4), (5, 4, 2), 2 * 5 * 3 * 4 * 2),  # broadcast batch
    ((7, 1), (1, 3), 7 * 1 * 3),
])
def test_matmul_costs(sa, sb, want):
    a, b = arr(*sa), arr(*sb)
    check(lambda: a @ b, lambda: plain(a) @ plain(b), want)
    check(lambda: fnp.matmul(a, b), lambda: np.matmul(plain(a), plain(b)), want)


# ---------------------------------------------------------------- dot family


def test_dot_inner_outer_tensordot_vdot():
    a, b, v, w = arr(3, 4), arr(4, 5), arr(6), arr(6)
    check(lambda: fnp.dot(a, b), lambda: np.dot(plain(a), plain(b)), 60)
    check(lambda: fnp.dot(v, w), lambda: np.dot(plain(v), plain(w)), 6)
    check(lambda: fnp.dot(a, plain(b)[:, 0]), lambda: np.dot(plain(a), plain(b)[:, 0]), 12)
    check(lambda: fnp.inner(v, w), lambda: np.inner(plain(v), plain(w)), 6)
    c = arr(2, 4)
    check(lambda: fnp.inner(a, c), lambda: np.inner(plain(a), plain(c)), 3 * 2 * 4)
    u = arr(3)
    check(lambda: fnp.outer(v, u), lambda: np.outer(plain(v), plain(u)), 18)
    check(lambda: fnp.vdot(v, w), lambda: np.vdot(plain(v), plain(w)), 6)
    check(lambda: fnp.vdot(a, a), lambda: np.vdot(plain(a), plain(a)), 12)
    t1, t2 = arr(2, 3, 4), arr(3, 4, 5)
    check(lambda: fnp.tensordot(t1, t2, axes=2), lambda: np.tensordot(plain(t1), plain(t2), axes=2), 2 * 3 * 4 * 5)
    check(lambda: fnp.tensordot(t1, t2, axes=([1], [0])),
          lambda: np.tensordot(plain(t1), plain(t2), axes=([1], [0])), 2 * 3 * 4 * 4 * 5)


# ---------------------------------------------------------------- einsum


@pytest.mark.parametrize("subs,shapes,want", [
    ("ij,jk->ik", [(2, 3), (3, 4)], 24),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)], 5 * 2 * 3 * 4),
    ("i,j->ij", [(3,), (5,)], 15),
    ("i,i->", [(7,), (7,)], 7),
    ("ij->ji", [(3, 4)], 0),
    ("ij->i", [(3, 4)], 12),
    ("ij->", [(3, 4)], 12),
    ("ij", [(3, 4)], 0),
    ("ii->i", [(4, 4)], 0),
    ("...ij,...jk->...ik", [(6, 2, 3), (3, 4)], 6 * 2 * 3 * 4),
    ("ij,ij->ij", [(3, 4), (3, 4)], 12),
])
def test_einsum_costs(subs, shapes, want):
    ops = [arr(*s) for s in shapes]
    check(lambda: fnp.einsum(subs, *ops), lambda: np.einsum(subs, *[plain(o) for o in ops]), want)
    assert accounting.einsum_cost(subs, shapes) == want


def test_einsum_trace_matches_accounting():
    # 'ii->' sums the n diagonal cells; the primer does not list trace. It must at
    # least agree with accounting.einsum_cost and never exceed the input size.
    x = arr(4, 4)
    r, used = cost_of(lambda: fnp.einsum("ii->", x))
    np.testing.assert_array_equal(plain(r), np.einsum("ii->", plain(x)))
    assert used == accounting.einsum_cost("ii->", [(4, 4)])
    assert 4 <= used <= 16


def test_einsum_three_operands_by_optimize():
    shapes = [(10, 20), (20, 30), (30, 40)]
    a, b, c = [arr(*s) for s in shapes]
    want = {False: 2 * 10 * 20 * 30 * 40, "greedy": None, "optimal": 18000}
    prices = {}
    for opt in [False, "greedy", "optimal"]:
        r, used = cost_of(lambda: fnp.einsum("ij,jk,kl->il", a, b, c, optimize=opt))
        np.testing.assert_allclose(plain(r), np.einsum("ij,jk,kl->il", plain(a), plain(b), plain(c)), rtol=1e-12)
        assert used == accounting.einsum_cost("ij,jk,kl->il", shapes, optimize=opt)
        prices[opt] = used
    assert prices[False] == want[False]
    assert prices["optimal"] == 18000  # (ij,jk) 6000 + (ik,kl) 12000
    assert prices["optimal"] <= prices["greedy"] <= prices[False]


def test_einsum_k_operands_single_step():
    shapes = [(3,), (3,), (3,), (3,)]
    ops = [arr(*s) for s in shapes]
    _, used = cost_of(lambda: fnp.einsum("i,i,i,i->", *ops, optimize=False))
    assert used == 3 * 3  # (k-1) * prod(extents)


# ---------------------------------------------------------------- sort


@pytest.mark.parametrize("shape,axis", [((1,), -1), ((2,), -1), ((5,), -1), ((8,), 0), ((3, 9), 1), ((3, 9), 0),
                                        ((2, 3, 17), -1), ((1000,), -1)])
def test_sort_argsort_n_ceil_log2_n_per_slice(shape, axis):
    x = arr(*shape)
    n = shape[axis]
    want = n * max(1, math.ceil(math.log2(n))) * (math.prod(shape) // n)
    check(lambda: fnp.sort(x, axis=axis), lambda: np.sort(plain(x), axis=axis), want)
    check(lambda: fnp.argsort(x, axis=axis), lambda: np.argsort(plain(x), axis=axis), want)


def test_sort_axis_none_flattens():
    x = arr(3, 4)
    check(lambda: fnp.sort(x, axis=None), lambda: np.sort(plain(x), axis=None), 12 * 4)


# ---------------------------------------------------------------- ufunc methods


@pytest.mark.parametrize("shape", [(6,), (3, 4), (2, 3, 4)])
def test_ufunc_methods(shape):
    x = arr(*shape)
    n = math.prod(shape)
    check(lambda: fnp.add.reduce(x), lambda: np.add.reduce(plain(x)), n)
    check(lambda: fnp.multiply.accumulate(x), lambda: np.multiply.accumulate(plain(x)), n)
    check(lambda: fnp.add.reduceat(x, [0, 1], axis=0), lambda: np.add.reduceat(plain(x), [0, 1], axis=0), n)
    y = arr(2, 2)
    check(lambda: fnp.subtract.outer(x, y), lambda: np.subtract.outer(plain(x), plain(y)), n * 4)
    r, used = cost_of(lambda: fnp.divmod.outer(x, y))
    for got, want in zip(r, np.divmod.outer(plain(x), plain(y))):
        np.testing.assert_array_equal(plain(got), want)
    assert used == 2 * n * 4
    z = fnp.asarray(np.zeros(5))
    _, used = cost_of(lambda: fnp.add.at(z, [1, 1, 4], 2.0))
    assert used == 3
    np.testing.assert_array_equal(plain(z), [0, 4, 0, 0, 2])


# ---------------------------------------------------------------- dtype independence


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.float16])
def test_dtype_never_changes_a_count(dtype):
    a = fnp.asarray((RNG.uniform(1, 5, size=(3, 4))).astype(dtype))
    b = fnp.asarray((RNG.uniform(1, 5, size=(4, 2))).astype(dtype))
    costs = []
    for fn in [lambda: a + a, lambda: fnp.sum(a), lambda: fnp.std(a, axis=0), lambda: a @ b,
               lambda: fnp.einsum("ij,jk->ik", a, b), lambda: fnp.sort(a), lambda: fnp.maximum(a, 2),
               lambda: fnp.mean(a, axis=1)]:
        costs.append(cost_of(fn)[1])
    assert costs == [12, 12, 16, 24, 24, 12 * 2, 12, 12]


def test_accounting_einsum_path_matches_numpy_and_prices_explicit_paths():
    from flopscope import accounting

    shapes = [(10, 20), (20, 30), (30, 5)]
    ops = [np.ones(s) for s in shapes]
    path, cost = accounting.einsum_path("ij,jk,kl->il", shapes, "optimal")
    assert ["einsum_path", *path] == np.einsum_path("ij,jk,kl->il", *ops, optimize="optimal")[0]
    # (jk,kl) first: 20*30*5 = 3,000, then (ij,jl): 10*20*5 = 1,000 (primer: M*N*K per step)
    assert cost == 4_000
    assert accounting.einsum_cost("ij,jk,kl->il", shapes, ["einsum_path", (0, 1), (0, 1)]) == 6_000 + 1_500
    assert accounting.einsum_cost("ij,jk,kl->il", shapes, False) == 10 * 20 * 30 * 5 * 2
    with flops.BudgetContext(flop_budget=10**6, quiet=True) as ctx:
        fnp.einsum("ij,jk,kl->il", *ops, optimize=["einsum_path", (0, 1), (0, 1)])
    assert ctx.flops_used == 7_500


@pytest.mark.parametrize("path, match", [([(0, 5)], "operand 5"), ([(0, 1)], "single result"),
                                         ([(0, 0), (0, 1)], "twice"), ("fastest", "optimize must be")])
def test_accounting_einsum_path_refuses_bad_paths(path, match):
    from flopscope import accounting

    with pytest.raises(ValueError, match=match):
        accounting.einsum_cost("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)], path)
