"""Failures: budget exhaustion, failed NumPy calls, bad dtypes, bad budgets,
unknown names, unsupported np.* functions, nesting and the wall-time limit.
A call that fails charges nothing."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import BudgetExhaustedError, TimeExhaustedError, UnsupportedDtypeError


def plain(x):
    return np.asarray(x).view(np.ndarray)


# ---------------------------------------------------------------- budget exhaustion


def test_budget_exhausted_names_op_cost_remaining_and_does_not_run():
    x = fnp.ones((3, 4))
    out = fnp.zeros((3, 4))
    with flops.BudgetContext(20, quiet=True) as ctx:
        fnp.add(x, x)  # 12
        assert ctx.flops_used == 12
        with pytest.raises(BudgetExhaustedError) as info:
            fnp.exp(x, out=out)  # 12 > 8 remaining
        assert ctx.flops_used == 12
    err = info.value
    assert err.op_name == "exp"
    assert err.flop_cost == 12
    assert err.flops_remaining == 8
    msg = str(err)
    assert "exp" in msg and "12" in msg and "8" in msg
    np.testing.assert_array_equal(plain(out), np.zeros((3, 4)))  # the op did not run


@pytest.mark.parametrize("call,name,cost", [
    (lambda x, m: x @ m, "matmul", 3 * 4 * 4),
    (lambda x, m: fnp.sum(x), "sum", 12),
    (lambda x, m: fnp.einsum("ij,jk->ik", x, m), "einsum", 48),
    (lambda x, m: fnp.sort(x), "sort", 24),
    (lambda x, m: x + 1, "add", 12),
])
def test_budget_exhausted_for_each_rule(call, name, cost):
    x, m = fnp.ones((3, 4)), fnp.ones((4, 4))
    with flops.BudgetContext(cost - 1, quiet=True) as ctx:
        with pytest.raises(BudgetExhaustedError) as info:
            call(x, m)
        assert ctx.flops_used == 0
    assert info.value.op_name == name
    assert info.value.flop_cost == cost
    assert info.value.flops_remaining == cost - 1


def test_exact_spend_allowed_then_next_op_fails():
    x = fnp.ones(10)
    with flops.BudgetContext(20, quiet=True) as ctx:
        fnp.exp(x)
        fnp.exp(x)
        assert ctx.flops_used == 20
        fnp.zeros(3)  # free ops still run with nothing left
        with pytest.raises(BudgetExhaustedError):
            fnp.exp(fnp.ones(1))
        assert ctx.flops_used == 20


def test_inplace_op_over_budget_leaves_array_untouched():
    x = fnp.ones(5)
    with flops.BudgetContext(4, quiet=True) as ctx:
        with pytest.raises(BudgetExhaustedError):
            x += 1
        assert ctx.flops_used == 0
    np.testing.assert_array_equal(plain(x), np.ones(5))


# ---------------------------------------------------------------- NumPy failures charge nothing


@pytest.mark.parametrize("call,exc", [
    (lambda: fnp.add(fnp.ones(4), 1.0, out=fnp.zeros(3)), ValueError),
    (lambda: fnp.bitwise_and(fnp.ones(3), fnp.ones(3)), TypeError),
    (lambda: fnp.matmul(fnp.ones((2, 3)), fnp.ones((4, 2))), ValueError),
    (lambda: fnp.einsum("ij,jk->ik", fnp.ones((2, 3)), fnp.ones((4, 2))), ValueError),
    (lambda: fnp.sum(fnp.ones((2, 3)), axis=5), (ValueError, IndexError)),
    (lambda: fnp.dot(fnp.ones((2, 3)), fnp.ones((2, 3))), ValueError),
])
def test_numpy_failure_charges_nothing(call, exc):
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        with pytest.raises(exc):
            call()
        assert ctx.flops_used == 0


@pytest.mark.parametrize("call,name", [
    (lambda: fnp.add(fnp.ones(3), fnp.ones(4)), "add"),
    (lambda: fnp.ones((2, 3)) * fnp.ones((3, 2)), "multiply"),
    (lambda: fnp.where(np.ones(3) > 0, fnp.ones(4), 0.0), "where"),
    (lambda: fnp.maximum(fnp.ones((2, 5)), fnp.ones((3, 1, 4))), "maximum"),
])
def test_broadcast_mismatch_raises_value_error_naming_op(call, name):
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        with pytest.raises(ValueError) as info:
            call()
        assert ctx.flops_used == 0
    assert name in str(info.value)


# ---------------------------------------------------------------- non-numeric dtypes


@pytest.mark.parametrize("make", [
    lambda: np.array([1, 2], dtype=object),
    lambda: np.array(["a", "b"]),
    lambda: np.array([b"a", b"b"]),
    lambda: np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"),
    lambda: np.array([1, 2], dtype="timedelta64[s]"),
], ids=["object", "str", "bytes", "datetime64", "timedelta64"])
@pytest.mark.parametrize("op", ["add", "sum", "exp", "sort", "where"])
def test_non_numeric_dtypes_raise_unsupported_dtype(make, op):
    a = make()
    calls = {
        "add": lambda: fnp.add(a, a),
        "sum": lambda: fnp.sum(a),
        "exp": lambda: fnp.exp(a),
        "sort": lambda: fnp.sort(a),
        "where": lambda: fnp.where(np.array([True, False]), a, a),
    }
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        with pytest.raises(UnsupportedDtypeError):
            calls[op]()
        assert ctx.flops_used == 0
    assert issubclass(UnsupportedDtypeError, TypeError)


# ---------------------------------------------------------------- bad budgets


@pytest.mark.parametrize("budget,exc", [
    (0, ValueError), (-1, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
    (float("-inf"), ValueError), ("x", TypeError), (None, TypeError), (True, TypeError), (False, TypeError),
    ([10], TypeError), (2**70, ValueError),
])
def test_bad_budgets(budget, exc):
    with pytest.raises(exc):
        flops.BudgetContext(budget)


@pytest.mark.parametrize("limit,exc", [(-1.0, ValueError), (0, ValueError), (float("nan"), ValueError),
                                       (float("inf"), ValueError), ("1", TypeError), (True, TypeError)])
def test_bad_wall_time_limits(limit, exc):
    with pytest.raises(exc):
        flops.BudgetContext(100, wall_time_limit_s=limit)


def test_good_budget_types():
    for b in [1, 10**6, np.int64(50), 1e6]:
        with flops.BudgetContext(b, quiet=True) as ctx:
            pass
        assert ctx.flops_used == 0


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["nosuchfunction", "not_a_numpy_name_either"])
def test_unknown_fnp_names_raise_attribute_error(name):
    with pytest.raises(AttributeError) as info:
        getattr(fnp, name)
    assert name in str(info.value)


def test_unknown_top_level_name_raises_attribute_error():
    with pytest.raises(AttributeError):
        flops.definitely_missing


@pytest.mark.parametrize("call,name", [
    (lambda x: np.array2string(x), "array2string"),
    (lambda x: np.array_repr(x), "array_repr"),
])
def test_unsupported_numpy_functions_raise_type_error(call, name):
    x = fnp.asarray(np.eye(3) * 2.0)
    with flops.BudgetContext(10**6, quiet=True) as ctx:
        with pytest.raises(TypeError) as info:
            call(x)
        assert ctx.flops_used == 0
    assert name in str(info.value)


# ---------------------------------------------------------------- nesting and time


def test_nesting_budget_contexts_raises_runtime_error():
    with flops.BudgetContext(100, quiet=True):
        with pytest.raises(RuntimeError):
            with flops.BudgetContext(100, quiet=True):
                pass
    # the outer context was closed cleanly: a new one can be opened
    with flops.BudgetContext(100, quiet=True) as ctx:
        fnp.exp(fnp.ones(3))
    assert ctx.flops_used == 3


def test_wall_time_limit_exceeded_raises_time_exhausted():
    x = fnp.ones(4)
    with flops.BudgetContext(10**6, quiet=True, wall_time_limit_s=0.01) as ctx:
        fnp.exp(x)
        time.sleep(0.05)
        with pytest.raises(TimeExhaustedError) as info:
            fnp.exp(x)
        used = ctx.flops_used
    assert used == 4  # the late call did not run (checked before the call)
    err = info.value
    assert err.op_name == "exp"
    assert err.limit_s == pytest.approx(0.01)
    assert err.elapsed_s > 0.01


def test_wall_time_limit_not_exceeded_runs_normally():
    with flops.BudgetContext(10**6, quiet=True, wall_time_limit_s=60.0) as ctx:
        fnp.exp(fnp.ones(4))
    assert ctx.flops_used == 4


def test_error_after_exhaustion_context_still_usable():
    with flops.BudgetContext(10, quiet=True) as ctx:
        with pytest.raises(BudgetExhaustedError):
            fnp.exp(fnp.ones(11))
        fnp.exp(fnp.ones(10))
        assert ctx.flops_used == 10


def test_einsum_shape_error_names_op_once():
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        with pytest.raises(ValueError) as info:
            fnp.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2)))
    assert str(info.value).startswith("einsum: ") and "einsum: einsum" not in str(info.value)
    assert ctx.flops_used == 0


@pytest.mark.parametrize("name", ["array2string", "frompyfunc", "vectorize", "genfromtxt", "isnat", "seterr", "bmat",
                                  "info", "test"])
def test_blocked_names_raise_attribute_error_saying_why(name):
    with pytest.raises(AttributeError, match="blocked"):
        getattr(fnp, name)


@pytest.mark.parametrize("name,instead", [("alltrue", "all"), ("product", "prod"), ("trapz", "trapezoid"),
                                          ("in1d", "isin"), ("NaN", "nan")])
def test_names_of_other_numpy_versions_raise_unsupported_function_error(name, instead):
    if hasattr(np, name):
        pytest.skip(f"numpy {np.__version__} still has {name}")
    with pytest.raises(flops.UnsupportedFunctionError, match=rf"removed in numpy 2\.0; use flopscope\.numpy\.{instead}"):
        getattr(fnp, name)


def test_unsupported_numpy_function_is_named_with_its_module():
    # A NumPy function flopscope does not count refuses flopscope arrays, naming
    # it as the user wrote it (its submodule included) and charging nothing.
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(TypeError, match=r"numpy\.lib\.stride_tricks\.sliding_window_view is not supported"):
            np.lib.stride_tricks.sliding_window_view(fnp.ones(4), 2)
    assert ctx.flops_used == 0


@pytest.mark.parametrize("call", [lambda: fnp.power.outer(-10**30, 10**30), lambda: fnp.sum(10**30),
                                  lambda: fnp.multiply.reduce(-(10**40)), lambda: fnp.add(2**64, 1)],
                         ids=["power.outer", "sum", "reduce", "add"])
def test_python_ints_beyond_64_bits_are_refused_for_free(call):
    # NumPy would compute with Python objects: uncountable, and for power unbounded
    # (found by the fuzzer: power.outer(-10**30, 10**30) never returned).
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(OverflowError, match="too large for 64 bits"):
            call()
    assert ctx.flops_used == 0


def test_python_ints_beyond_64_bits_beside_an_array_or_float_are_numpys():
    # NEP 50: beside a float array the int is converted to that float type; beside
    # an integer array NumPy raises its own OverflowError (free).
    x = np.ones(3)
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        got = fnp.add(fnp.asarray(x), 2**70)
        half = fnp.multiply(2**70, 0.5)
    np.testing.assert_array_equal(np.asarray(got), x + 2**70)
    assert float(half) == 2.0**69 and ctx.flops_used == 4
    with pytest.raises(OverflowError, match="C long"):
        fnp.add(fnp.ones(2, dtype=np.int64), 2**70)
