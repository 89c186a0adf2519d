"""einsum runs along the path it prices (issue 27, section 4).

Wherever the core prices a call by a pairwise path (optimize=True/'greedy'/
'optimal'/an explicit path, and under flopscope-0.12 a 3+-operand call without
one, einsum.path_summed), NumPy is handed that path, so that its pairwise
steps run (through matmul/BLAS where they apply) instead of the one nested
loop over every index. Results are NumPy's own along the same path, bit for
bit; a call priced as one step (optimize=False under the primer) keeps
NumPy's plain loop. The bills are those of before, checked against
accounting.einsum_cost and against figures worked out by hand.

What NumPy was handed is observed at NumPy's own `einsum_path`, which
np.einsum calls only when it runs a path (optimize=False goes straight to
its C loop): no timing is involved.
"""

from __future__ import annotations

import numpy as np
import numpy._core.einsumfunc as einsumfunc
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import accounting

RNG = np.random.default_rng(27)
PRIMER, UPSTREAM = "primer", "flopscope-0.12"


@pytest.fixture
def profile(request):
    before = flops._budget._settings["cost_model"]
    flops.configure(cost_model=request.param)
    yield request.param
    flops.configure(cost_model=before)


@pytest.fixture
def handed(monkeypatch):
    """The optimize= values NumPy's einsum ran a path for, in call order."""
    seen = []
    real = einsumfunc.einsum_path

    def spy(*operands, optimize="greedy", einsum_call=False):
        seen.append(optimize)
        return real(*operands, optimize=optimize, einsum_call=einsum_call)

    monkeypatch.setattr(einsumfunc, "einsum_path", spy)
    return seen


def data(shape, dtype):
    x = RNG.uniform(-1.5, 1.5, size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.uniform(-1.5, 1.5, size=shape)
    return x.astype(dtype)


def run(subs, ops, **kw):
    with flops.BudgetContext(10**13, quiet=True) as ctx:
        r = fnp.einsum(subs, *ops, **kw)
    return np.asarray(r).view(np.ndarray), ctx.flops_used


def same_bits(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


# (subscripts, shapes): 3 to 6 operands, broadcast '...', repeated labels.
CASES = [
    ("ij,ia,jb->ab", [(24, 24), (24, 16), (24, 16)]),
    ("ij,jk,kl->il", [(20, 30), (30, 40), (40, 10)]),
    ("bi,bj,ij->b", [(12, 20), (12, 20), (20, 20)]),
    ("ai,bj,ck,ijk->abc", [(5, 6), (4, 7), (3, 8), (6, 7, 8)]),
    ("ij,jk,kl,lm->im", [(9, 17), (17, 23), (23, 11), (11, 13)]),
    ("ab,bc,cd,de,ef->af", [(7, 8), (8, 9), (9, 10), (10, 11), (11, 6)]),
    ("ab,bc,cd,de,ef,fg->ag", [(5, 6), (6, 7), (7, 8), (8, 9), (9, 10), (10, 4)]),
    ("...ij,...jk,...kl->...il", [(3, 1, 6, 7), (4, 7, 8), (1, 8, 5)]),
    ("ij...,jk...,k...->i...", [(6, 7, 3), (7, 8, 1), (8, 3)]),
    ("iij,jk,kl->il", [(6, 6, 7), (7, 8), (8, 5)]),  # a diagonal of the first operand
    ("ij,jk,kk->", [(6, 7), (7, 8), (8, 8)]),  # a trace of the last
    ("ij,jk,kl", [(6, 7), (7, 8), (8, 5)]),  # implicit output
]
DTYPES = {
    "f8": [np.float64] * 6,
    "f4": [np.float32] * 6,
    "c16": [np.complex128] * 6,
    "mixed": [np.float32, np.float64, np.complex64, np.int64, np.float32, np.complex128],
}
# Where the core prices a path: (profile, optimize= given to fnp.einsum, or None for none).
PATHS = [(PRIMER, True), (PRIMER, "greedy"), (PRIMER, "optimal"), (UPSTREAM, None), (UPSTREAM, False),
         (UPSTREAM, "greedy")]


def priced_path(subs, shapes, optimize, model):
    path, _ = accounting.einsum_path(subs, shapes, False if optimize is None else optimize, cost_model=model)
    return ["einsum_path", *path]


def kwargs_of(optimize):
    return {} if optimize is None else {"optimize": optimize}


@pytest.mark.parametrize("profile,optimize", PATHS, indirect=["profile"], ids=lambda p: str(p))
@pytest.mark.parametrize("kind", list(DTYPES))
@pytest.mark.parametrize("subs,shapes", CASES, ids=[c[0] for c in CASES])
def test_runs_the_priced_path_bit_for_bit(profile, optimize, kind, subs, shapes, handed):
    ops = [data(s, dt) for s, dt in zip(shapes, DTYPES[kind])]
    path = priced_path(subs, shapes, optimize, profile)
    assert len(path) == len(shapes)  # pairwise steps: n - 1 of them
    got, _ = run(subs, ops, **kwargs_of(optimize))
    assert handed == [path]
    same_bits(got, np.einsum(subs, *ops, optimize=path))


@pytest.mark.parametrize("profile,optimize", PATHS, indirect=["profile"], ids=lambda p: str(p))
def test_out_and_dtype_run_the_priced_path(profile, optimize, handed):
    subs, shapes = "ij,jk,kl,lm->im", [(9, 17), (17, 23), (23, 11), (11, 13)]
    path = priced_path(subs, shapes, optimize, profile)
    ops = [data(s, np.float32) for s in shapes]
    got, _ = run(subs, ops, dtype=np.float64, **kwargs_of(optimize))
    assert handed == [path]
    same_bits(got, np.einsum(subs, *ops, dtype=np.float64, optimize=path))
    handed.clear()
    out, want = np.zeros((9, 13), np.complex128), np.zeros((9, 13), np.complex128)
    r, _ = run(subs, ops, out=out, **kwargs_of(optimize))
    assert handed == [path]
    assert np.shares_memory(r, out)
    np.einsum(subs, *ops, out=want, optimize=path)
    same_bits(out, want)


@pytest.mark.parametrize("profile", [PRIMER], indirect=True)
@pytest.mark.parametrize("optimize", [None, False])
@pytest.mark.parametrize("subs,shapes", CASES[:4], ids=[c[0] for c in CASES[:4]])
def test_one_step_price_keeps_numpys_loop(profile, optimize, subs, shapes, handed):
    # The primer prices a call without a path as the one step NumPy's loop runs.
    ops = [data(s, np.float64) for s in shapes]
    got, used = run(subs, ops, **kwargs_of(optimize))
    assert handed == []
    same_bits(got, np.einsum(subs, *ops))
    assert used == accounting.einsum_cost(subs, shapes, False)


@pytest.mark.parametrize("profile", [PRIMER, UPSTREAM], indirect=True)
@pytest.mark.parametrize("optimize", [None, False])
def test_two_operands_without_a_path_keep_numpys_loop(profile, optimize, handed):
    a, b = data((20, 30), np.float64), data((30, 10), np.float64)
    got, used = run("ij,jk->ik", [a, b], **kwargs_of(optimize))
    assert handed == []
    same_bits(got, np.einsum("ij,jk->ik", a, b))
    assert used == (20 * 30 * 10 if profile == PRIMER else 2 * 20 * 10 * (2 * 30 - 1))


# The issue's example at n = 128, worked out by hand: the primer counts a
# multiply-add once per step, (k - 1) * prod(extents) for one k-operand step;
# flopscope-0.12 counts n^2 (2n - 1) per pairwise step of the optimal path, at
# float64's rate 2 (upstream flopscope 0.12.4's bill).
N = 128
ISSUE_BILLS = [
    (PRIMER, None, 2 * N**4),
    (PRIMER, False, 2 * N**4),
    (PRIMER, True, 2 * N**3),
    (PRIMER, "optimal", 2 * N**3),
    (UPSTREAM, None, 2 * 2 * N**2 * (2 * N - 1)),
    (UPSTREAM, False, 2 * 2 * N**2 * (2 * N - 1)),
    (UPSTREAM, True, 2 * 2 * N**2 * (2 * N - 1)),
]


@pytest.mark.parametrize("profile,optimize,want", ISSUE_BILLS, indirect=["profile"], ids=lambda p: str(p))
def test_issue_example_bills_as_before(profile, optimize, want, handed):
    C, W = data((N, N), np.float64), data((N, N), np.float64)
    got, used = run("ij,ia,jb->ab", [C, W, W], **kwargs_of(optimize))
    assert used == want
    shapes = [(N, N)] * 3
    # accounting prices what the call bills (dtype-blind: float64 is rate 2 under flopscope-0.12)
    assert used == accounting.einsum_cost("ij,ia,jb->ab", shapes, False if optimize is None else optimize,
                                          cost_model=profile) * (2 if profile == UPSTREAM else 1)
    if want == 2 * N**4:
        assert handed == []
    else:
        assert handed == [priced_path("ij,ia,jb->ab", shapes, optimize, profile)]
        same_bits(got, np.einsum("ij,ia,jb->ab", C, W, W, optimize=handed[0]))


@pytest.mark.parametrize("profile", [UPSTREAM], indirect=True)
@pytest.mark.parametrize("subs,shapes", CASES, ids=[c[0] for c in CASES])
def test_accounting_prices_the_path_a_call_without_one_runs(profile, subs, shapes, handed):
    # flopscope-0.12 bills a 3+-operand call without a path by a path (spec 2.8);
    # accounting.einsum_path/einsum_cost answer that path and price (float32: rate 1).
    ops = [data(s, np.float32) for s in shapes]
    _, used = run(subs, ops)
    path, cost = accounting.einsum_path(subs, shapes, False)
    assert handed == [["einsum_path", *path]] and len(path) == len(shapes) - 1
    assert cost == used == accounting.einsum_cost(subs, shapes)
