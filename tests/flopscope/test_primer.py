"""Every code block of the flopscope primer (the user's own description of the library), run as written,
with the costs its table states. Names a block uses without defining (numpy_array,
actual, expected) are supplied; `...` bodies are kept."""

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp


def test_budget_context_block():
    with flops.BudgetContext(flop_budget=1_000_000) as ctx:
        x = fnp.ones(100)
        y = x @ fnp.eye(100)  # matmul
    # x is a vector (M = 1): the table's M * N * K rule gives 1 * 100 * 100.
    assert ctx.flops_used == 10_000
    assert isinstance(y, fnp.ndarray)
    np.testing.assert_array_equal(np.asarray(y), np.ones(100) @ np.eye(100))


def test_key_insight_square_matmul_costs_one_million():
    with flops.BudgetContext(flop_budget=1_000_000) as ctx:
        a = fnp.ones((100, 100))
        a @ a
    assert ctx.flops_used == 1_000_000  # spending the budget exactly is allowed
    with flops.BudgetContext(flop_budget=999_999) as ctx:
        a = fnp.ones((100, 100))
        with pytest.raises(flops.BudgetExhaustedError):
            a @ a
    assert ctx.flops_used == 0


def test_key_insight_exp_of_100_elements_costs_100():
    with flops.BudgetContext(flop_budget=1_000) as ctx:
        fnp.exp(fnp.ones(100))
    assert ctx.flops_used == 100


def test_wall_time_limit_block():
    with flops.BudgetContext(flop_budget=1_000_000, wall_time_limit_s=2.0) as ctx:
        ...
    assert ctx.wall_time_limit_s == 2.0


def test_array_creation_block_is_free():
    numpy_array = np.arange(5.0)
    with flops.BudgetContext(flop_budget=1) as ctx:
        x = fnp.zeros(100)  # 1D zeros
        X = fnp.zeros((64, 100), dtype=fnp.float32)  # 2D zeros, explicit dtype
        I = fnp.eye(100, dtype=fnp.float32)  # identity matrix
        a = fnp.array([1.0, 2.0, 3.0])  # from list
        b = fnp.asarray(numpy_array)  # convert from numpy (free)
    assert ctx.flops_used == 0
    for arr in (x, X, I, a, b):
        assert isinstance(arr, fnp.ndarray)
    assert X.dtype == np.float32 and I.dtype == np.float32


def test_random_block_is_free():
    with flops.BudgetContext(flop_budget=1) as ctx:
        rng = fnp.random.default_rng(42)  # seeded RNG
        x = rng.standard_normal((1000, 64))  # Gaussian samples
        x = x.astype(fnp.float32)  # cast to float32 (free)
    assert ctx.flops_used == 0
    assert isinstance(x, fnp.ndarray) and x.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(x), np.random.default_rng(42).standard_normal((1000, 64)).astype(np.float32))


def test_budget_inspection_block(capsys):
    with flops.BudgetContext(flop_budget=10_000_000) as ctx:
        # ... your computations ...
        fnp.ones((10, 10)) @ fnp.ones((10, 10))
        print(ctx.summary())  # current context only
        print(fnp.budget_summary())  # process/session-wide summary
        print(ctx.flops_used)  # integer FLOP count
    out = capsys.readouterr().out
    assert "flopscope FLOP Budget Summary" in out
    assert "1,000" in out
    assert isinstance(ctx.flops_used, int) and ctx.flops_used == 1_000


def test_timing_decomposition_identity():
    with flops.BudgetContext(flop_budget=10**9) as ctx:
        a = fnp.ones((50, 50))
        for _ in range(20):
            a = fnp.exp(a * 0.01)
        sum(range(10000))  # participant Python: residual time
    d = ctx.summary_dict()
    total = d["flopscope_backend_time_s"] + d["flopscope_overhead_time_s"] + d["residual_wall_time_s"]
    assert d["wall_time_s"] == pytest.approx(total, rel=1e-9, abs=1e-12)
    assert d["flopscope_backend_time_s"] > 0 and d["residual_wall_time_s"] > 0


def test_gotchas_numpy_arrays_and_operators_count():
    with flops.BudgetContext(flop_budget=10**6) as ctx:
        w = np.ones((10, 10))
        x = fnp.ones((4, 10))
        a = x @ w
        used_op = ctx.flops_used
        b = fnp.matmul(x, w)
    assert used_op == 400 and ctx.flops_used == 800
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_dtype_matters_for_precision_not_flops():
    costs = []
    for dtype in (np.float32, np.float64):
        with flops.BudgetContext(flop_budget=10**6) as ctx:
            x = fnp.ones((8, 8), dtype=dtype)
            fnp.sqrt(x @ x + 1)
        costs.append(ctx.flops_used)
    assert costs[0] == costs[1] == 8 * 8 * 8 + 64 + 64


def test_testing_block():
    actual = fnp.ones(3) * 2
    expected = np.full(3, 2.0)
    with flops.BudgetContext(flop_budget=1) as ctx:
        fnp.testing.assert_allclose(actual, expected, atol=1e-6)
        fnp.testing.assert_array_equal(actual, expected)
    assert ctx.flops_used == 0
    with pytest.raises(AssertionError):
        fnp.testing.assert_array_equal(actual, expected + 1)
