"""Cost profiles as data: registering one, selecting it, and the output sizes
the subtract-output convention depends on (ufunc.reduce / reduceat / accumulate)."""

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import accounting

SUBTRACT = "test-subtract-output"


@pytest.fixture(scope="module", autouse=True)
def subtract_profile():
    if SUBTRACT not in accounting.cost_models():
        accounting.register_cost_model(SUBTRACT, "source test\nreduction.subtract_output true\n")
    flops.configure(cost_model=SUBTRACT)
    yield
    flops.configure(cost_model="primer")


def cost_of(fn):
    with flops.BudgetContext(flop_budget=10**9, quiet=True) as ctx:
        fn()
        return ctx.flops_used


A = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize(
    "call, numel_out",
    [
        (lambda a: fnp.add.reduce(a), 12),                 # default axis 0
        (lambda a: fnp.add.reduce(a, axis=None), 1),
        (lambda a: fnp.add.reduce(a, 2), 6),
        (lambda a: fnp.add.reduce(a, axis=(0, 2)), 3),
        (lambda a: fnp.multiply.reduce(a, axis=-1), 6),
        (lambda a: fnp.add.accumulate(a), 24),             # keeps the shape
        (lambda a: fnp.add.reduceat(a, [0, 2], axis=2), 12),
        (lambda a: fnp.add.reduceat(a, indices=[0]), 12),  # default axis 0: 1 x 3 x 4
        (lambda a: fnp.sum(a, axis=1), 8),
        (lambda a: np.add.reduce(fnp.asarray(a), axis=1), 8),
    ],
)
def test_reduction_bills_input_minus_output(call, numel_out):
    a = fnp.asarray(A)
    result = call(a)
    assert result.size == numel_out  # the size the price assumed is the size NumPy produced
    assert cost_of(lambda: call(a)) == A.size - numel_out


def test_zero_d_reduce_is_priced_like_numpy_runs_it():
    assert cost_of(lambda: fnp.add.reduce(fnp.asarray(5.0))) == 0


def test_profile_is_listed_and_named_in_the_meter():
    assert {"primer", "flopscope-0.12"} <= set(accounting.cost_models())  # compiled in
    assert SUBTRACT in accounting.cost_models()
    with flops.BudgetContext(flop_budget=10, quiet=True):
        assert flops._core.active_meter().profile == SUBTRACT


def test_names_are_never_reused():
    with pytest.raises(ValueError, match="already exists"):
        accounting.register_cost_model(SUBTRACT, "reduction.subtract_output false\n")
    with pytest.raises(ValueError, match="already exists"):
        accounting.register_cost_model("primer", "weight.default 2\n")


def test_malformed_profile_text_is_refused_and_not_added():
    with pytest.raises(ValueError, match="unknown key"):
        accounting.register_cost_model("test-bad", "no.such.key 1\n")
    assert "test-bad" not in accounting.cost_models()
    with pytest.raises(ValueError):
        flops.configure(cost_model="test-bad")


def test_weights_apply_per_op():
    name = "test-weighted-exp"
    if name not in accounting.cost_models():
        accounting.register_cost_model(name, "weight.exp 4\n")
    flops.configure(cost_model=name)
    try:
        x = fnp.ones(10)
        assert cost_of(lambda: fnp.exp(x)) == 40
        assert cost_of(lambda: fnp.log(x)) == 10
    finally:
        flops.configure(cost_model=SUBTRACT)
