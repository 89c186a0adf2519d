"""np.poly*, vander and the window functions against NumPy side by side: results
bit for bit, FLOPs charged (recomputed here from the textbook counts), refusals free."""

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from _compare import charged, same

RNG = np.random.default_rng(5)


def check(name, args, expected, **kw):
    want = getattr(np, name)(*args, **kw)
    got, used = charged(getattr(fnp, name), *[fnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args], **kw)
    same(got, want)
    assert used == expected, (name, used, expected)


def lstsq_cost(m, n, k=1):  # linalg.lstsq: thin SVD + per right-hand side
    p, q = max(m, n), min(m, n)
    return 4 * p * q * q + 8 * q**3 + k * (2 * (m + n) * q + q)


@pytest.mark.parametrize("n1,n2", [(4, 2), (1, 5), (3, 3)])
def test_arithmetic(n1, n2):
    a, b = RNG.standard_normal(n1), RNG.standard_normal(n2)
    check("polyadd", (a, b), max(n1, n2))
    check("polysub", (a, b), max(n1, n2))
    check("polymul", (a, b), n1 * n2)
    # a longer divisor: no quotient terms, but u + 0.0, v + 0.0 and 1 / v[0] (test_holes_pricing_sweep)
    check("polydiv", (a, b + 1), (n1 - n2 + 1) * (n2 + 1) if n1 >= n2 else n1 + n2 + 1)
    x = RNG.standard_normal((3, 7))
    check("polyval", (a, x), (n1 - 1) * 21)
    for m in (0, 1, 2, 9):
        t = min(m, n1 - 1)
        check("polyder", (a,), t * n1 - t * (t + 1) // 2, m=m)
        check("polyint", (a,), m * n1 + m * (m - 1) // 2, m=m)


def test_roots_poly_polyfit_vander():
    p = np.array([1.0, -6.0, 11.0, -6.0])
    check("roots", (p,), 10 * 27)
    check("poly", (np.array([1.0, 2.0, 3.0]),), 6)
    sq = RNG.standard_normal((3, 3))
    check("poly", (sq,), 10 * 27 + 6)
    x = np.linspace(0, 1, 20)
    y = 3 * x**2 + 1
    check("polyfit", (x, y, 2), 20 * 2 + lstsq_cost(20, 3))
    check("polyfit", (x, np.stack([y, 2 * y], axis=1), 3), 20 * 3 + lstsq_cost(20, 4, 2))
    check("polyfit", (x, y, 1), 20 + lstsq_cost(20, 2) + 40, w=np.ones(20))
    check("vander", (x,), 20 * 18)
    check("vander", (x,), 20 * 3, N=5, increasing=True)
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(ValueError):
            fnp.polyfit(fnp.asarray(x), fnp.asarray(y), -1)
        with pytest.raises(ValueError):
            fnp.polyder(fnp.asarray(p), m=-1)
    assert ctx.flops_used == 0


@pytest.mark.parametrize("M", [0, 1, 2, 16])
def test_windows(M):
    for name, per in (("bartlett", 4), ("hanning", 5), ("hamming", 5), ("blackman", 11)):
        check(name, (M,), per * M if M > 1 else 0)
    check("kaiser", (M, 8.6), 8 * M if M > 1 else 0)


def test_polynomials_per_trailing_index_and_orders_read_as_int():
    """What NumPy accepts beyond 1-d coefficients (found by scripts/differential): a 2-d p
    holds a polynomial per column, and the order m is int(m)."""
    rng = np.random.default_rng(5)
    p, x, q = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((3, 4))
    got, used = charged(fnp.polyval, fnp.asarray(p), fnp.asarray(x))
    same(got, np.polyval(p, x))
    assert used == (3 - 1) * 4
    got, used = charged(fnp.polyadd, fnp.asarray(p), fnp.asarray(q))
    same(got, np.polyadd(p, q))
    assert used == 3 * 4
    got, used = charged(fnp.polyint, fnp.asarray(p), 0.5)  # int(0.5) = 0: p itself
    same(got, np.polyint(p, 0.5))
    assert used == 0
    v = rng.standard_normal(5)
    got, used = charged(fnp.polyint, fnp.asarray(v), 2.9)  # int(2.9) = 2: 2 * 5 + 1
    same(got, np.polyint(v, 2.9))
    assert used == 11
    a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 3))
    got, used = charged(fnp.linalg.multi_dot, [fnp.asarray(a), fnp.asarray(b)])  # two arrays: dot(a, b)
    same(got, np.linalg.multi_dot([a, b]))
    assert used == 18 * 18 // 3
