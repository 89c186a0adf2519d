"""flopscope.numpy.random: NumPy's draws bit for bit, as flopscope arrays, free,
and metered: each draw is one listed call with 0 FLOPs whose time is NumPy's
(the arithmetic a sampler does on its draws is priced: PRICED below)."""

import pickle

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp

# (method, args, kwargs) of numpy.random.Generator; some of NumPy's samplers call
# others (choice -> integers, multivariate_normal -> standard_normal, ...).
GENERATOR_DRAWS = [
    ("normal", (), {"size": 5}), ("standard_normal", (5,), {}), ("random", (5,), {}),
    ("integers", (0, 10), {"size": 5}), ("uniform", (-1, 1, 5), {}), ("exponential", (), {"size": 5}),
    ("choice", (10, 3), {}), ("choice", (10, 3), {"replace": False}), ("permutation", (10,), {}),
    ("poisson", (3.0, 5), {}), ("binomial", (10, 0.5, 5), {}), ("beta", (2.0, 3.0, 5), {}),
    ("gamma", (2.0,), {"size": 5}), ("multivariate_normal", ([0.0, 0.0], np.eye(2), 3), {}),
    ("dirichlet", ([1.0, 2.0], 3), {}), ("permuted", (np.arange(6),), {}), ("standard_t", (3.0, 4), {}),
    ("normal", (np.zeros(3), np.ones(3)), {}),
]

# The samplers above that do arithmetic on their draws, and its price:
# multivariate_normal d = 2, N = 3: svd 12d^3, its check d^3 + 2d^2, the factor
# d + d^2, N (d^2 + d); dirichlet k = 2, N = 3: a sum and a divide per element.
PRICED = {"multivariate_normal": 96 + 16 + 6 + 3 * 6, "dirichlet": 2 * 3 * 2}


def bits(x):
    x = np.asarray(x)
    return x.dtype, x.shape, x.tobytes()


@pytest.mark.parametrize("method,args,kwargs", GENERATOR_DRAWS, ids=[d[0] for d in GENERATOR_DRAWS])
def test_generator_draws_are_numpys_free_and_metered_once(method, args, kwargs):
    ours_args = tuple(fnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    with flops.BudgetContext(flop_budget=1000, quiet=True) as ctx:
        got = getattr(fnp.random.default_rng(7), method)(*ours_args, **kwargs)
        ops = ctx.summary_dict()["operations"]
    want = getattr(np.random.default_rng(7), method)(*args, **kwargs)
    assert isinstance(got, fnp.ndarray)
    assert bits(got) == bits(want)
    assert ctx.flops_used == PRICED.get(method, 0)
    assert ops == {f"random.Generator.{method}": ops[f"random.Generator.{method}"]}  # nested draws not listed
    assert ops[f"random.Generator.{method}"]["calls"] == 1
    assert ops[f"random.Generator.{method}"]["flop_cost"] == PRICED.get(method, 0)


@pytest.mark.parametrize("name,args", [("randn", (3, 2)), ("rand", (4,)), ("normal", (0.0, 2.0, 5)),
                                       ("uniform", (0, 1, 3)), ("randint", (0, 9, 6)), ("choice", (5, 3)),
                                       ("permutation", (6,)), ("standard_normal", (4,)), ("random", (3,)),
                                       ("exponential", (1.0, 3)), ("poisson", (2.0, 4))])
def test_module_level_draws_follow_numpys_global_state(name, args):
    np.random.seed(11)
    want = getattr(np.random, name)(*args)
    fnp.random.seed(11)
    with flops.BudgetContext(flop_budget=10, quiet=True) as ctx:
        got = getattr(fnp.random, name)(*args)
        ops = ctx.summary_dict()["operations"]
    assert isinstance(got, fnp.ndarray)
    assert bits(got) == bits(want)
    assert list(ops) == [f"random.{name}"] and ops[f"random.{name}"]["flop_cost"] == 0


def test_shuffle_works_in_place_on_flopscope_arrays():
    x, y = fnp.arange(700), np.arange(700)  # above the in-place re-type limit: a view is shuffled
    fnp.random.default_rng(3).shuffle(x)
    np.random.default_rng(3).shuffle(y)
    assert isinstance(x, fnp.ndarray) and bits(x) == bits(y)
    fnp.random.seed(5)
    z = fnp.arange(10)
    fnp.random.shuffle(z)
    np.random.seed(5)
    w = np.arange(10)
    np.random.shuffle(w)
    assert bits(z) == bits(w)


def test_generator_is_numpys_generator_and_keeps_one_stream():
    rng = fnp.random.default_rng(1)
    assert isinstance(rng, np.random.Generator)
    assert fnp.random.default_rng(rng) is rng
    plain = np.random.default_rng(2)
    wrapped = fnp.random.default_rng(plain)  # shares the NumPy generator's bit generator
    reference = np.random.default_rng(2)
    assert bits(wrapped.normal(size=3)) == bits(reference.normal(size=3))
    assert bits(plain.normal(size=3)) == bits(reference.normal(size=3))
    assert bits(fnp.random.default_rng(np.random.PCG64(4)).random(3)) == bits(np.random.default_rng(4).random(3))
    restored = pickle.loads(pickle.dumps(rng))
    assert type(restored) is fnp.random.Generator
    assert bits(restored.normal(size=4)) == bits(rng.normal(size=4))
    child = rng.spawn(1)[0]
    assert type(child) is fnp.random.Generator and isinstance(child.random(2), fnp.ndarray)


def test_draw_time_is_booked_as_numpys_not_residual():
    # Structural, not a timing ratio: the draw (tens of ms) is booked as NumPy's time, and what
    # is left to the residual bucket is the few statements around it.
    rng = fnp.random.default_rng(0)
    with flops.BudgetContext(flop_budget=10, quiet=True) as ctx:
        rng.standard_normal(3_000_000)
    assert ctx.flops_used == 0
    assert ctx.summary_dict()["operations"]["random.Generator.standard_normal"]["calls"] == 1
    assert ctx.flopscope_backend_time_s > 0
    assert ctx.residual_wall_time_s < ctx.flopscope_backend_time_s


def test_unknown_names_are_refused():
    with pytest.raises(AttributeError, match="does not provide"):
        fnp.random.not_a_sampler  # noqa: B018
