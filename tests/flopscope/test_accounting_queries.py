"""flops.accounting.cost and the named cost helpers: each query equals what the
same call is charged (they run the call's own pricing), NumPy never runs, and
no budget is touched."""

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import accounting as A

RNG = np.random.default_rng(7)


def charged(fn, *args, **kw):
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        fn(*args, **kw)
    return ctx.flops_used


def real(shape, dtype=np.float64):
    x = RNG.standard_normal(shape).astype(dtype)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        x = x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])  # SPD: every factorisation runs
    return fnp.asarray(x)


# (query, the real call it must agree with)
CASES = [
    (lambda: A.svd_cost(6, 3), lambda: fnp.linalg.svd(real((6, 3)), compute_uv=False)),
    (lambda: A.svd_cost(6, 3, with_vectors=True), lambda: fnp.linalg.svd(real((6, 3)), full_matrices=False)),
    (lambda: A.svd_cost(6, 3, with_vectors=True, full_matrices=True), lambda: fnp.linalg.svd(real((6, 3)))),
    (lambda: A.svd_cost(256, 256, k=10, with_vectors=True), lambda: fnp.linalg.svd(real((256, 256)), k=10)),
    (lambda: A.svdvals_cost(3, 7), lambda: fnp.linalg.svdvals(real((3, 7)))),
    (lambda: A.cholesky_cost(5), lambda: fnp.linalg.cholesky(real((5, 5)))),
    (lambda: A.qr_cost(7, 4, "complete"), lambda: fnp.linalg.qr(real((7, 4)), mode="complete")),
    (lambda: A.eig_cost(4), lambda: fnp.linalg.eig(real((4, 4)))),
    (lambda: A.eigh_cost(4), lambda: fnp.linalg.eigh(real((4, 4)))),
    (lambda: A.eigvals_cost(4), lambda: fnp.linalg.eigvals(real((4, 4)))),
    (lambda: A.eigvalsh_cost(4), lambda: fnp.linalg.eigvalsh(real((4, 4)))),
    (lambda: A.solve_cost(5), lambda: fnp.linalg.solve(real((5, 5)), real((5,)))),
    (lambda: A.solve_cost(5, 3), lambda: fnp.linalg.solve(real((5, 5)), real((5, 3)))),
    (lambda: A.inv_cost(5), lambda: fnp.linalg.inv(real((5, 5)))),
    (lambda: A.det_cost(5), lambda: fnp.linalg.det(real((5, 5)))),
    (lambda: A.slogdet_cost(5), lambda: fnp.linalg.slogdet(real((5, 5)))),
    (lambda: A.lstsq_cost(8, 3, 2), lambda: fnp.linalg.lstsq(real((8, 3)), real((8, 2)))),
    (lambda: A.pinv_cost(8, 3), lambda: fnp.linalg.pinv(real((8, 3)))),
    (lambda: A.tensorinv_cost((4, 6, 8, 3)), lambda: fnp.linalg.tensorinv(fnp.asarray(np.eye(24).reshape(4, 6, 8, 3)))),
    (lambda: A.tensorsolve_cost((2, 3, 6), (2, 3)),
     lambda: fnp.linalg.tensorsolve(fnp.asarray(np.eye(6).reshape(2, 3, 6)), real((2, 3)))),
    (lambda: A.trace_cost((3, 5), offset=1), lambda: fnp.linalg.trace(real((3, 5)), offset=1)),
    (lambda: A.norm_cost((4, 5), ord="nuc"), lambda: fnp.linalg.norm(real((4, 5)), ord="nuc")),
    (lambda: A.vector_norm_cost((4, 5), ord=1, axis=0), lambda: fnp.linalg.vector_norm(real((4, 5)), ord=1, axis=0)),
    (lambda: A.matrix_norm_cost((2, 4, 5), ord=np.inf), lambda: fnp.linalg.matrix_norm(real((2, 4, 5)), ord=np.inf)),
    (lambda: A.cond_cost((4, 4), p=1), lambda: fnp.linalg.cond(real((4, 4)), p=1)),
    (lambda: A.matrix_rank_cost((4, 6)), lambda: fnp.linalg.matrix_rank(real((4, 6)))),
    (lambda: A.multi_dot_cost([(10, 30), (30, 5), (5, 60)]),
     lambda: fnp.linalg.multi_dot([real((10, 30)), real((30, 5)), real((5, 60))])),
    (lambda: A.matrix_power_cost(4, -3), lambda: fnp.linalg.matrix_power(real((4, 4)), -3)),
    (lambda: A.fft_cost(100), lambda: fnp.fft.fft(real((100,)))),
    (lambda: A.rfft_cost(100), lambda: fnp.fft.rfft(real((100,)))),
    (lambda: A.fftn_cost((8, 8, 8)), lambda: fnp.fft.fftn(real((8, 8, 8)))),
    (lambda: A.rfftn_cost((8, 6)), lambda: fnp.fft.rfftn(real((8, 6)))),
    (lambda: A.hfft_cost(10), lambda: fnp.fft.hfft(fnp.asarray(np.ones(6, complex)), n=10)),
    (lambda: A.pointwise_cost("add", shape=(4, 5)), lambda: fnp.add(real((4, 5)), real((4, 5)))),
    (lambda: A.pointwise_cost("exp", shape=(7,)), lambda: fnp.exp(real((7,)))),
    (lambda: A.reduction_cost("sum", input_shape=(4, 5), axis=1), lambda: fnp.sum(real((4, 5)), axis=1)),
    (lambda: A.reduction_cost("std", input_shape=(4, 5), axis=0), lambda: fnp.std(real((4, 5)), axis=0)),
]


@pytest.fixture(params=["primer", "flopscope-0.12"])
def profile(request):
    before = flops._budget._settings["cost_model"]
    flops.configure(cost_model=request.param)
    yield request.param
    flops.configure(cost_model=before)


@pytest.mark.parametrize("query,call", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_named_query_equals_the_charge(query, call, profile):
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        q = query()
    assert ctx.flops_used == 0  # a query never touches a budget
    assert q == charged(call) and q > 0


def test_textbook_values():
    # Independent of the charge path: the published counts.
    assert A.fft_cost(256) == 5 * 256 * 8
    assert A.rfft_cost(256) == 5 * 128 * 8
    assert A.svd_cost(6, 3) == 4 * 6 * 9 - 4 * 27 // 3
    assert A.multi_dot_cost([(10, 100), (100, 5), (5, 50)]) == 10 * 100 * 5 + 10 * 5 * 50
    assert A.pointwise_cost("add", shape=(256, 256)) == 65536
    assert A.reduction_cost("sum", input_shape=(256, 256)) == 65536


def test_cost_of_any_counted_call_numpy_does_not_run():
    a, out = fnp.ones((3, 4)), fnp.zeros((3, 4))
    assert A.cost(fnp.add, a, a, out=out) == 12
    assert np.all(np.asarray(out) == 0)  # NumPy never ran
    assert A.cost(fnp.add.reduce, a, axis=0) == charged(fnp.add.reduce, a, axis=0)
    assert A.cost(a.sum) == charged(a.sum) == 12
    assert A.cost("einsum", "ij,jk->ik", a, a.T) == charged(fnp.einsum, "ij,jk->ik", a, a.T)
    assert A.cost(fnp.reshape, a, (4, 3)) == 0  # free ops price at 0
    big = A.like((10**6, 10**6))  # a stand-in holds no memory
    assert A.cost(fnp.exp, big) == 10**12


def test_cost_refusals():
    with pytest.raises(TypeError, match="counted flopscope operation"):
        A.cost(np.add, np.ones(2), np.ones(2))
    with pytest.raises(TypeError):
        A.cost(lambda: 1)
    with pytest.raises(ValueError, match="no counted operation"):
        A.cost("no_such_op")
    with pytest.raises(ValueError, match="linalg.svd"):
        A.cost("linalg.svd", A.like((3,)))
    with pytest.raises(ValueError, match="broadcast"):
        A.cost(fnp.add, A.like((3,)), A.like((4,)))
    with pytest.raises(ValueError, match="k must satisfy"):
        A.svd_cost(4, 4, k=5)


def test_cost_inside_a_context_with_a_tiny_budget():
    with flops.BudgetContext(1, quiet=True) as ctx:
        assert A.cost(fnp.exp, A.like((1000,))) == 1000
        fnp.exp(fnp.ones(1))  # the context still works afterwards
    assert ctx.flops_used == 1


def test_counted_work_inside_a_priced_calls_arguments_does_not_run():
    ran = []

    class Sneaky:
        def __index__(self):
            ran.append(fnp.exp(fnp.ones(10)))  # counted work smuggled into argument reading
            return 0

    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with pytest.raises(RuntimeError, match="cannot run while flopscope.accounting prices"):
            A.cost(fnp.sum, A.like((3, 4)), axis=Sneaky())
    assert ran == [] and ctx.flops_used == 0
    assert A.cost(fnp.sum, A.like((3, 4)), axis=0) == 12  # and the next query is normal
