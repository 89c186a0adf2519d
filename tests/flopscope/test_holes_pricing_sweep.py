"""Pricing holes found by a hostile participant (brief "pricing-sweep"):

1. operands other than the first priced at the broadcast / result size: a
   generated sweep over every op-table row (and every binary ufunc) with two or
   more array operands makes one later operand the big one and checks that the
   bill grows with it;
2. linspace / logspace / geomspace with array endpoints price their arithmetic;
3. repeat counts (diff's n=, polyder / polyint m=) price every pass that runs;
4. complex operands under the primer bill the real operations they take.
"""

import inspect
import warnings

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import _core

BIG = 1000  # the factor by which the enlarged operand grows


def charged(fn, *args, **kw):
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        fn(*args, **kw)
    return ctx.flops_used


def public(name):
    # A sampler's method row is called on an object of its class (its first slot).
    for cls, make in (("random.Generator.", lambda: fnp.random.default_rng(0)),
                      ("random.RandomState.", lambda: fnp.random.RandomState(0))):
        if name.startswith(cls):
            return getattr(make(), name[len(cls):], None)
    obj = flops if name.startswith("stats.") else fnp
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


# --- 1. the sweep -------------------------------------------------------------

# Values an operand must hold for NumPy to accept any call (by op, operand name).
KIND = {("select", "condlist"): "bool", ("piecewise", "condlist"): "bool", ("where", "condition"): "bool",
        ("bincount", "x"): "int", ("bincount", "weights"): "float", ("cov", "fweights"): "int",
        **{(f"random.{g}multinomial", "n"): "int" for g in ("", "RandomState.", "Generator.")},
        **{(f"random.{g}multinomial", "pvals"): "prob" for g in ("", "RandomState.", "Generator.")}}
# Arguments NumPy requires beyond the operands.
REQUIRED = {"polyfit": {"deg": 1}, "piecewise": {"funclist": [lambda v: v, 0.0]}}
# Arguments NumPy requires with one operand.
WITH = {("percentile", "weights"): {"method": "inverted_cdf"}, ("quantile", "weights"): {"method": "inverted_cdf"},
        ("nanpercentile", "weights"): {"method": "inverted_cdf"}, ("nanquantile", "weights"): {"method": "inverted_cdf"},
        # NumPy takes both positional bounds or neither (then min= / max=): the other one None.
        ("clip", "a_min"): {"a_max": None}, ("clip", "a_max"): {"a_min": None}}
# Later operands whose size legitimately leaves the work unchanged.
UNPRICED = {("ediff1d", "to_end"): "copied, not computed (primer: copies are free)",
            ("ediff1d", "to_begin"): "copied, not computed (primer: copies are free)",
            ("array_equal", "a2"): "shapes that differ are not compared (free, cost-model.md)",
            ("symmetrize", "promote"): "a 0-d float64 operand that only sets the billed dtype (the average's)"}
# Later operands that must match another operand's shape: they cannot grow alone.
MATCHED = {
    "percentile": ["weights"], "quantile": ["weights"], "nanpercentile": ["weights"], "nanquantile": ["weights"],
    "average": ["weights"], "cov": ["fweights", "aweights"], "gradient": ["varargs"], "histogram": ["weights"],
    "histogram2d": ["y", "weights"], "histogramdd": ["weights"], "bincount": ["weights"], "interp": ["xp", "fp"],
    "polyfit": ["w"], "piecewise": ["condlist"], "linalg.tensorsolve": ["b"], "vdot": ["b"],
    **{f"random.{g}multivariate_normal": ["cov"] for g in ("", "RandomState.", "Generator.")},
}
# Rows whose later "operands" are not data (partition's kth indexes) or that have their own tests (einsum).
NOT_DATA = {"partition", "argpartition", "einsum"}


def value(kind, shape):
    n = int(np.prod(shape))
    if kind == "bool":
        return (np.arange(n) % 2 == 0).reshape(shape)
    if kind == "int":
        return (np.arange(n) % 5).reshape(shape)
    if kind == "prob":  # probabilities along the last axis
        return np.full(shape, 1.0 / shape[-1]) if shape else np.float64(1.0)
    v = np.linspace(0.1, 0.9, n).reshape(shape)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        v = v + shape[-1] * np.eye(shape[-1])  # non-singular square matrices
    return v


def operand_slots(row):
    """(name, kind, by keyword) of the row's array operands in NumPy's positional
    order; kind '&' one array, '&*' a list of arrays, '&+' the *varargs; by
    keyword when a parameter that is not an operand comes before it."""
    out, leading = [], True  # leading: every slot so far is an operand (positional is safe)
    for s in row["slots"]:
        t = s[1:] if s.startswith("*") else s
        for prefix in ("&*", "&+", "&"):
            if t.startswith(prefix):
                out.append((t[len(prefix):], prefix, s.startswith("*") or not leading))
                break
        else:
            leading = False
    return out


def sweep_rows():
    rows = []
    for row in _core.op_rows():
        if row["rule"] in ("free", "external") or row["name"] in NOT_DATA or public(row["name"]) is None:
            continue
        ops = operand_slots(row)
        if sum(1 for _, kind, _ in ops if kind != "&+") + any(kind == "&+" for _, kind, _ in ops) >= 2 or any(
                kind == "&*" for _, kind, _ in ops):
            rows.append((row["name"], ops))
    return rows


ROWS = sweep_rows()
UFUNCS = sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc) and getattr(np, n).nin == 2
                and getattr(np, n).signature is None and hasattr(fnp, n))  # gufuncs: the contraction tests

# Base shapes tried for (first operand, later operands), in order.
TEMPLATES = [((8,), (8,)), ((8, 8), (8, 8)), ((8, 8), (8,)), ((3,), (3,)), ((8, 3), (8, 3)), ((8,), ()),
             ((8,), (8, 8)),  # a vector and a matrix (multivariate_normal's mean and cov)
             ((), (8,))]  # a number and a vector (the legacy multinomial's n and pvals)


def build(name, ops, shapes, passed):
    """Arguments for the operands in `passed` (indexes) at `shapes`."""
    args, kw = [], dict(REQUIRED.get(name, {}))
    for i in passed:
        op, kind, kwonly = ops[i]
        k = KIND.get((name, op), "float")
        v = [value(k, shapes[i]), value(k, shapes[i])] if kind == "&*" else value(k, shapes[i])
        kw.update(WITH.get((name, op), {}))
        if kwonly or (args and len(args) != i):
            kw[op] = v
        else:
            args.append(v)
    if name == "piecewise":  # funclist is NumPy's third positional
        args.append(kw.pop("funclist"))
    return args, kw


def try_cost(fn, args, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return charged(fn, *args, **kw)
        except Exception:
            return None


def bigger(shape):
    yield (BIG,) + tuple(shape)
    if shape:
        yield tuple(shape[:-1]) + (shape[-1] * BIG,)
    yield tuple(shape) + (BIG,)


def enlarged_pair(name, ops, k):
    """The first (base bill, big shape, big bill) over the templates and ways of
    passing operand k for which NumPy accepts both the base call and a call with
    operand k BIG times larger; (None, None, None) when it never does (an operand
    that must match another's shape cannot grow alone). "No base" when NumPy
    accepts no call with operand k at all."""
    fn = public(name)
    found_base = False
    for passed in ([0, k], list(range(k + 1)), list(range(len(ops)))):
        for first, rest in TEMPLATES:
            shapes = [first] + [rest] * (len(ops) - 1)
            base = try_cost(fn, *build(name, ops, shapes, passed))
            if base is None:
                continue
            found_base = True
            for big in bigger(shapes[k]):
                trial = list(shapes)
                trial[k] = big
                c = try_cost(fn, *build(name, ops, trial, passed))
                if c is not None:
                    return base, big, c
    return ("no base" if not found_base else None), None, None


@pytest.mark.parametrize("name,ops", ROWS, ids=[r[0] for r in ROWS])
def test_later_operands_priced_at_their_size(name, ops):
    """Every later operand that NumPy accepts BIG times larger makes the bill grow."""
    cheap, unbased, fixed = [], [], []
    for k in range(1, len(ops)):
        op = ops[k][0]
        if (name, op) in UNPRICED:
            continue
        base, big, c = enlarged_pair(name, ops, k)
        if base == "no base":
            unbased.append(op)
        elif base is None:
            fixed.append(op)
        elif c <= base:
            cheap.append((op, big, base, c))
    assert not cheap, f"{name}: bill does not grow with (operand, shape, base bill, big bill): {cheap}"
    assert not unbased, f"{name}: no call NumPy accepts with {unbased}; give it a template"
    assert sorted(fixed) == sorted(MATCHED.get(name, [])), (name, fixed)


@pytest.mark.parametrize("name", UFUNCS)
def test_binary_ufunc_second_operand_priced(name):
    for kind in ("float", "int", "bool"):
        small = try_cost(getattr(fnp, name), (value(kind, (8,)), value(kind, (8,))), {})
        if small is not None:
            break
    big = charged(getattr(fnp, name), value(kind, (8,)), value(kind, (BIG, 8)))
    assert big == BIG * small


def test_trapezoid_sample_points_broadcast():
    """The brief's example: y (50,), x (20000, 50): the work is 20000 rows of 49 intervals."""
    y = np.linspace(0.0, 1.0, 50)
    x = np.tile(np.linspace(0.0, 1.0, 50), (20000, 1))
    assert charged(fnp.trapezoid, y, x) == 20000 * 4 * 49
    assert charged(fnp.trapezoid, x, y) == 20000 * 4 * 49


def test_solve_with_a_stack_of_right_hand_sides():
    a = value("float", (8, 8))
    b = np.ones((1000, 8, 8))
    assert charged(fnp.linalg.solve, a, b) == 1000 * (2 * 8**3 // 3 + 2 * 8 * 8 * 8)


def test_polydiv_by_a_longer_divisor():
    """No quotient, but NumPy still converts both (u + 0.0, v + 0.0) and takes 1 / v[0]."""
    assert charged(fnp.polydiv, np.ones(2), np.ones(4000)) == 2 + 4000 + 1


# --- 2. array endpoints ---------------------------------------------------------

def test_linspace_scalar_endpoints_stay_free():
    assert charged(fnp.linspace, 0, 1, 1000) == 0
    assert charged(fnp.linspace, np.float64(0), np.array(1.0), 1000) == 0  # 0-d arrays are scalars


def test_linspace_array_endpoints_price_the_arithmetic():
    """A column mean of a 4096x64 array smuggled through linspace's arithmetic:
    numpy/_core/function_base.py computes delta, step, step == 0 and any() per
    endpoint element, then y * step and + start per sample."""
    X = np.linspace(0.0, 1.0, 4096 * 64).reshape(4096, 64)
    got = charged(fnp.linspace, 0, X, 2)
    np.testing.assert_array_equal(np.asarray(fnp.linspace(0, X, 2)), np.linspace(0, X, 2))
    assert got == 4 * X.size + 2 * 2 * X.size


def test_logspace_geomspace_array_endpoints():
    start, stop = np.zeros(100), np.ones(100)
    assert charged(fnp.logspace, start, stop, 5) == 100 * 5 + 4 * 100 + 2 * 5 * 100
    assert charged(fnp.geomspace, start + 1, stop + 1, 5) == 2 * 100 * 5 + 11 * 100 + 4 * 100 + 2 * 5 * 100
    assert charged(fnp.logspace, 0, 1, 5) == 5  # scalar endpoints: the powers only


def test_linspace_array_endpoints_upstream_profile_unchanged():
    """flopscope-0.12 bills linspace by what it writes (2 per value), whatever its endpoints."""
    flops.configure(cost_model="flopscope-0.12")
    try:
        assert charged(fnp.linspace, np.zeros(10), np.ones(10), 7) == 2 * 2 * 70
    finally:
        flops.configure(cost_model="primer")


# --- 3. repeat counts -------------------------------------------------------------

def test_diff_prices_every_pass_it_runs():
    """diff(x, n) runs n subtract calls even once the array is empty: each costs at least 1."""
    x = np.arange(3.0)
    assert charged(fnp.diff, x, n=200_000) == 2 + 1 + (200_000 - 2)
    assert charged(fnp.diff, np.zeros((0, 4)), n=5) == 5


def test_diff_absurd_order_refused_by_the_budget_before_running():
    """n = 2**62 is priced in closed form (no loop) and exceeds any budget: refused, nothing run."""
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(flops.BudgetExhaustedError):
            fnp.diff(np.arange(3.0), n=2**62)
    assert ctx.flops_used == 0
