"""flopscope.stats against scipy.stats: values (body and tails), broadcasting of
the parameters, invalid parameters, the charge (count per element of the
broadcast, from the op table's documented formulas), result types, refusals."""

import math

import numpy as np
import pytest
from scipy import special, stats as ss

import flopscope as flops
import flopscope.numpy as fnp
from flopscope.stats import _special

# Count per element of each function (the textbook formula each row documents).
COUNTS = {
    "norm": (6, 5, 3), "uniform": (5, 3, 2), "expon": (6, 6, 5), "cauchy": (6, 5, 5),
    "logistic": (9, 6, 5), "laplace": (6, 8, 7), "lognorm": (13, 8, 5), "truncnorm": (18, 15, 12),
}
SHAPES = {"norm": (), "uniform": (), "expon": (), "cauchy": (), "logistic": (), "laplace": (),
          "lognorm": (0.7,), "truncnorm": (-1.5, 2.0)}
X = np.concatenate([np.linspace(-12, 12, 241), [-np.inf, np.inf, np.nan, 0.0, 1e-300, -1e-300]])
Q = np.concatenate([np.linspace(0, 1, 201), np.logspace(-300, -2, 60), 1 - np.logspace(-15, -2, 30),
                    [-0.1, 1.1, np.nan]])


def charged(fn, *args, **kw):
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        out = fn(*args, **kw)
    return out, ctx.flops_used


def close(got, want, rtol=1e-12, atol=1e-300):
    got = np.asarray(got)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name", sorted(COUNTS))
@pytest.mark.parametrize("which", ["pdf", "cdf", "ppf"])
def test_values_match_scipy_and_charge_per_element(name, which):
    ours = getattr(getattr(flops.stats, name), which)
    theirs = getattr(getattr(ss, name), which)
    shape = SHAPES[name]
    data = Q if which == "ppf" else X
    loc, scale = 0.5, 2.0
    got, used = charged(ours, data, *shape, loc=loc, scale=scale)
    assert type(got) is fnp.ndarray and got.dtype == np.float64
    # ppf near q = 1/2 is near loc: compare absolutely there.
    close(got, theirs(data, *shape, loc=loc, scale=scale), rtol=1e-11, atol=1e-14 if which == "ppf" else 1e-300)
    assert used == COUNTS[name][["pdf", "cdf", "ppf"].index(which)] * data.size


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_parameter_broadcasting_is_priced_by_the_broadcast(name):
    x = np.linspace(0.1, 3, 5)
    loc = np.array([[0.0], [0.5], [-1.0]])
    scale = np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    for k, which in enumerate(["pdf", "cdf", "ppf"]):
        arg = x / 3.5 if which == "ppf" else x
        got, used = charged(getattr(getattr(flops.stats, name), which), arg, *SHAPES[name], loc=loc, scale=scale)
        close(got, getattr(getattr(ss, name), which)(arg, *SHAPES[name], loc=loc, scale=scale), rtol=1e-11,
              atol=1e-14)
        assert used == COUNTS[name][k] * 15


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_invalid_parameters_give_nan_like_scipy(name):
    for which in ("pdf", "cdf", "ppf"):
        ours = getattr(getattr(flops.stats, name), which)
        got = np.asarray(ours(np.array([0.3, 0.6]), *SHAPES[name], loc=0.0, scale=np.array([-1.0, 0.0])))
        assert np.all(np.isnan(got))
    if name == "lognorm":
        assert np.isnan(np.asarray(flops.stats.lognorm.pdf(1.0, -0.5)))
    if name == "truncnorm":
        assert np.isnan(np.asarray(flops.stats.truncnorm.cdf(0.0, 2.0, 1.0)))


def test_defaults_scalars_and_positional_parameters():
    out, used = charged(flops.stats.norm.pdf, 0.0)
    assert type(out) is fnp.ndarray and out.shape == () and used == 6
    assert float(out) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    close(flops.stats.norm.cdf(1.0, 1.0, 3.0), ss.norm.cdf(1.0, 1.0, 3.0))
    close(flops.stats.lognorm.ppf(0.3, 0.5, 1.0, 2.0), ss.lognorm.ppf(0.3, 0.5, 1.0, 2.0))
    close(flops.stats.truncnorm.pdf(fnp.asarray([0.0, 1.0]), -1, 1), ss.truncnorm.pdf([0.0, 1.0], -1, 1))
    # A list operand works and is priced by its size.
    _, used = charged(flops.stats.expon.cdf, [1.0, 2.0, 3.0])
    assert used == 18


def test_tails_keep_relative_accuracy():
    z = -np.linspace(5, 37, 65)
    close(flops.stats.norm.cdf(z), ss.norm.cdf(z), rtol=1e-12)
    p = np.logspace(-300, -20, 29)
    close(flops.stats.norm.ppf(p), ss.norm.ppf(p), rtol=1e-13)
    x = np.linspace(5.5, 7.5, 9)  # far in the upper tail of a truncation to [5, 8]
    close(flops.stats.truncnorm.cdf(x, 5.0, 8.0), ss.truncnorm.cdf(x, 5.0, 8.0), rtol=1e-9)
    close(flops.stats.truncnorm.ppf(np.linspace(0.05, 0.95, 7), 5.0, 8.0),
          ss.truncnorm.ppf(np.linspace(0.05, 0.95, 7), 5.0, 8.0), rtol=1e-9)


def test_special_functions_against_scipy():
    x = np.concatenate([np.linspace(-6, 6, 20001), np.linspace(6, 26, 2001)])
    close(_special.erfc(x), special.erfc(x), rtol=1e-13)  # scipy's own tail error is ~6e-14
    q = np.concatenate([np.logspace(-300, -1, 500), np.linspace(0.1, 0.9, 801)])
    close(_special.ndtri(q), special.ndtri(q), rtol=1e-12, atol=1e-15)
    assert np.isnan(_special.erfc(np.nan)) and _special.erfc(np.inf) == 0 and _special.erfc(-np.inf) == 2


@pytest.mark.parametrize("bad", [("a string",), (np.ones(3), np.ones(2))], ids=["str", "mismatch"])
def test_bad_input_is_refused_and_free(bad):
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises((TypeError, ValueError, flops.UnsupportedDtypeError)):
            flops.stats.norm.pdf(*bad)
    assert ctx.flops_used == 0


def test_over_budget_raises_before_running():
    with flops.BudgetContext(10, quiet=True) as ctx:
        with pytest.raises(flops.BudgetExhaustedError):
            flops.stats.norm.cdf(np.ones(3))  # 15 > 10
    assert ctx.flops_used == 0


def test_rows_are_in_the_op_table():
    table = flops.accounting.op_table()
    names = [f"stats.{d}.{f}" for d in COUNTS for f in ("pdf", "cdf", "ppf")]
    assert all(table[n] == "distribution" for n in names) and len(names) == 24
    assert flops.accounting.cost(flops.stats.norm.pdf, flops.accounting.like((10, 10))) == 600
