"""Cost queries that never touch a budget. Prices come from the C++ core.

`cost(op, *args, **kwargs)` prices any counted call by running the call's own
pricing code and stopping before NumPy would run, so a query and the charge
of the same call can never disagree. Operands may be real arrays or
zero-memory stand-ins from `like(shape, dtype)`. The named helpers
(`svd_cost(m, n)`, `fft_cost(n)`, `pointwise_cost("exp", shape=...)`, ...)
are shorthands over `cost`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as _np

from . import _core

__all__ = [
    "cost", "like", "einsum_cost", "einsum_path", "op_table", "cost_models", "register_cost_model",
    "pointwise_cost", "reduction_cost",
    "svd_cost", "svdvals_cost", "cholesky_cost", "qr_cost", "eig_cost", "eigh_cost", "eigvals_cost",
    "eigvalsh_cost", "solve_cost", "inv_cost", "det_cost", "slogdet_cost", "lstsq_cost", "pinv_cost",
    "tensorinv_cost", "tensorsolve_cost", "trace_cost", "norm_cost", "vector_norm_cost", "matrix_norm_cost",
    "cond_cost", "matrix_rank_cost", "multi_dot_cost", "matrix_power_cost",
    "fft_cost", "rfft_cost", "fftn_cost", "rfftn_cost", "hfft_cost",
]


def like(shape: Sequence[int] | int, dtype: Any = _np.float64) -> _np.ndarray:
    """A read-only stand-in operand of `shape` and `dtype` that holds no memory
    (every element is the same zero), for pricing calls with `cost`."""
    return _np.broadcast_to(_np.zeros((), dtype=dtype), tuple(shape) if not isinstance(shape, int) else (shape,))


def cost(op: Any, *args: Any, cost_model: str | None = None, **kwargs: Any) -> int:
    """FLOPs that `op(*args, **kwargs)` would be charged under `cost_model`
    (default: the default profile), computed by the same code that charges the
    call. NumPy does not run and no budget is touched. `op` is a counted
    flopscope operation (fnp.exp, fnp.linalg.svd, fnp.add.reduce, x.sum) or
    its name in the op table ("linalg.svd"). A call the op would refuse raises
    the op's error."""
    if isinstance(op, str):
        try:
            op = _core.exported[op]
        except KeyError:
            raise ValueError(f"cost: no counted operation named {op!r}") from None
    return _core.price(op, args, kwargs, cost_model or _core.default_profile())


def pointwise_cost(op_name: str, *, shape: Sequence[int], cost_model: str | None = None) -> int:
    """FLOPs of the elementwise op `op_name` (a ufunc name) with operands of `shape`."""
    fn = _core.exported[op_name]
    return cost(fn, *[like(shape)] * getattr(fn, "nin", 1), cost_model=cost_model)


def reduction_cost(op_name: str, *, input_shape: Sequence[int], axis: Any = None,
                   cost_model: str | None = None) -> int:
    """FLOPs of the reduction `op_name` (sum, mean, max, ...) of `input_shape` over `axis`."""
    return cost(op_name, like(input_shape), axis=axis, cost_model=cost_model)


def _square(n: int) -> _np.ndarray:
    return like((n, n))


def svd_cost(m: int, n: int, k: int | None = None, *, with_vectors: bool = False, full_matrices: bool = False,
             cost_model: str | None = None) -> int:
    """FLOPs of linalg.svd of an m x n matrix (with_vectors: U and V too; k: the top-k
    singular triplets, fnp.linalg.svd's k=, 1 <= k <= min(m, n))."""
    extra = {} if k is None else {"k": k}
    return cost("linalg.svd", like((m, n)), full_matrices=full_matrices, compute_uv=with_vectors,
                cost_model=cost_model, **extra)


def svdvals_cost(m: int, n: int, cost_model: str | None = None) -> int:
    return cost("linalg.svdvals", like((m, n)), cost_model=cost_model)


def cholesky_cost(n: int, cost_model: str | None = None) -> int:
    return cost("linalg.cholesky", _square(n), cost_model=cost_model)


def qr_cost(m: int, n: int, mode: str = "reduced", cost_model: str | None = None) -> int:
    return cost("linalg.qr", like((m, n)), mode=mode, cost_model=cost_model)


def eig_cost(n: int, cost_model: str | None = None) -> int:
    return cost("linalg.eig", _square(n), cost_model=cost_model)


def eigh_cost(n: int, cost_model: str | None = None) -> int:
    return cost("linalg.eigh", _square(n), cost_model=cost_model)


def eigvals_cost(n: int, cost_model: str | None = None) -> int:
    return cost("linalg.eigvals", _square(n), cost_model=cost_model)


def eigvalsh_cost(n: int, cost_model: str | None = None) -> int:
    return cost("linalg.eigvalsh", _square(n), cost_model=cost_model)


def solve_cost(n: int, nrhs: int | None = None, cost_model: str | None = None) -> int:
    """linalg.solve of an n x n system with a vector (nrhs None) or n x nrhs right-hand side."""
    return cost("linalg.solve", _square(n), like((n,) if nrhs is None else (n, nrhs)), cost_model=cost_model)


def inv_cost(n: int, cost_model: str | None = None) -> int:
    return cost("linalg.inv", _square(n), cost_model=cost_model)


def det_cost(n: int, cost_model: str | None = None) -> int:
    return cost("linalg.det", _square(n), cost_model=cost_model)


def slogdet_cost(n: int, cost_model: str | None = None) -> int:
    return cost("linalg.slogdet", _square(n), cost_model=cost_model)


def lstsq_cost(m: int, n: int, nrhs: int | None = None, cost_model: str | None = None) -> int:
    return cost("linalg.lstsq", like((m, n)), like((m,) if nrhs is None else (m, nrhs)), cost_model=cost_model)


def pinv_cost(m: int, n: int, cost_model: str | None = None) -> int:
    return cost("linalg.pinv", like((m, n)), cost_model=cost_model)


def tensorinv_cost(shape: Sequence[int], ind: int = 2, cost_model: str | None = None) -> int:
    return cost("linalg.tensorinv", like(shape), ind=ind, cost_model=cost_model)


def tensorsolve_cost(a_shape: Sequence[int], b_shape: Sequence[int], cost_model: str | None = None) -> int:
    return cost("linalg.tensorsolve", like(a_shape), like(b_shape), cost_model=cost_model)


def trace_cost(shape: Sequence[int], offset: int = 0, cost_model: str | None = None) -> int:
    return cost("linalg.trace", like(shape), offset=offset, cost_model=cost_model)


def norm_cost(shape: Sequence[int], ord: Any = None, axis: Any = None, cost_model: str | None = None) -> int:
    return cost("linalg.norm", like(shape), ord=ord, axis=axis, cost_model=cost_model)


def vector_norm_cost(shape: Sequence[int], ord: Any = 2, axis: Any = None, cost_model: str | None = None) -> int:
    return cost("linalg.vector_norm", like(shape), ord=ord, axis=axis, cost_model=cost_model)


def matrix_norm_cost(shape: Sequence[int], ord: Any = "fro", cost_model: str | None = None) -> int:
    return cost("linalg.matrix_norm", like(shape), ord=ord, cost_model=cost_model)


def cond_cost(shape: Sequence[int], p: Any = None, cost_model: str | None = None) -> int:
    return cost("linalg.cond", like(shape), p=p, cost_model=cost_model)


def matrix_rank_cost(shape: Sequence[int], cost_model: str | None = None) -> int:
    return cost("linalg.matrix_rank", like(shape), cost_model=cost_model)


def multi_dot_cost(shapes: Sequence[Sequence[int]], cost_model: str | None = None) -> int:
    return cost("linalg.multi_dot", [like(s) for s in shapes], cost_model=cost_model)


def matrix_power_cost(n: int, k: int, cost_model: str | None = None) -> int:
    """linalg.matrix_power of an n x n matrix to the integer power k."""
    return cost("linalg.matrix_power", _square(n), k, cost_model=cost_model)


def fft_cost(n: int, cost_model: str | None = None) -> int:
    return cost("fft.fft", like((n,), _np.complex128), cost_model=cost_model)


def rfft_cost(n: int, cost_model: str | None = None) -> int:
    return cost("fft.rfft", like((n,)), cost_model=cost_model)


def fftn_cost(shape: Sequence[int], cost_model: str | None = None) -> int:
    return cost("fft.fftn", like(shape, _np.complex128), cost_model=cost_model)


def rfftn_cost(shape: Sequence[int], cost_model: str | None = None) -> int:
    return cost("fft.rfftn", like(shape), cost_model=cost_model)


def hfft_cost(n_out: int, cost_model: str | None = None) -> int:
    """fft.hfft producing n_out real values (from n_out // 2 + 1 complex ones)."""
    return cost("fft.hfft", like((n_out // 2 + 1,), _np.complex128), n=n_out, cost_model=cost_model)


def einsum_cost(subscripts: str, shapes: Sequence[Sequence[int]], optimize: Any = False,
                cost_model: str | None = None) -> int:
    """FLOPs of einsum(subscripts, *operands of `shapes`) along the path flopscope would run.

    optimize=False prices a call without a path (NumPy's default): one step over
    all operands (NumPy's own loop), or, under a profile with einsum.path_summed
    (flopscope-0.12) and 3+ operands, the path it is billed and run along; True,
    'greedy' or 'optimal' price the path flopscope's search picks; an explicit
    path (NumPy's einsum_path form, e.g. ['einsum_path', (0, 1), (0, 1)]) is
    priced as given. Same arguments as fnp.einsum's optimize=.
    """
    return einsum_path(subscripts, shapes, optimize, cost_model)[1]


def einsum_path(subscripts: str, shapes: Sequence[Sequence[int]], optimize: Any = "greedy",
                cost_model: str | None = None) -> tuple[list[tuple[int, ...]], int]:
    """(path, FLOPs) of einsum over operands of `shapes`: the contraction order flopscope
    runs for this `optimize` (see einsum_cost) and its price. No budget is touched."""
    path, cost = _core.einsum_path_cost(subscripts, [list(s) for s in shapes], optimize,
                                        cost_model or _core.default_profile())
    return [tuple(step) for step in path], cost


def op_table() -> dict[str, str]:
    """{op name: cost rule} for every operation the core knows."""
    return dict(_core.op_table())


def cost_models() -> list[str]:
    """Names of the cost profiles: those compiled into the core, then any registered."""
    return list(_core.profile_names())


def register_cost_model(name: str, text: str) -> None:
    """Adds a cost profile written in the profile format (docs/cost-model.md).

    The profile is then selectable with flops.configure(cost_model=name). Names are
    never reused: a profile cannot be replaced once budgets may be using it.
    Raises ValueError for malformed text or a name already in use.
    """
    _core.register_profile(name, text)


# ---------------------------------------------------------------------------
# Symmetry-aware accumulation inspectors (spec section 8), as upstream 0.12.4
# exposes them: raw counts (no weight, no dtype rate), no budget touched.
# ---------------------------------------------------------------------------


class AccumulationCost:
    """What einsum_accumulation_cost / reduction_accumulation_cost return.

    total: the symmetry-aware count (flopscope-0.12's contraction engine, summed along
    the path the call is billed by; for a reduction op_factor·(α − output orbits) +
    extra_ops); dense_baseline: the product of every index extent (a reduction: its
    input size); num_terms: operands; savings_ratio = total / (num_terms · dense_baseline);
    path: the contraction path priced; output_symmetry: the result's group or None.
    """

    __slots__ = ("total", "dense_baseline", "num_terms", "path", "output_symmetry", "alpha", "num_output_orbits")

    def __init__(self, total, dense_baseline, num_terms, path=(), output_symmetry=None, alpha=None,
                 num_output_orbits=None):
        self.total = int(total)
        self.dense_baseline = int(dense_baseline)
        self.num_terms = int(num_terms)
        self.path = list(path)
        self.output_symmetry = output_symmetry
        self.alpha = alpha
        self.num_output_orbits = num_output_orbits

    @property
    def savings_ratio(self) -> float:
        denominator = self.num_terms * self.dense_baseline
        return self.total / denominator if denominator else 1.0

    def describe(self) -> str:
        return (f"AccumulationCost(total={self.total:,}, dense_baseline={self.dense_baseline:,}, "
                f"num_terms={self.num_terms}, savings_ratio={self.savings_ratio:.3f})")

    __repr__ = describe


def _operand_tags(operands: Sequence[Any]) -> tuple[list[int], list[int]]:
    ids = [int(_core.sym_tag_of(o)) if isinstance(o, _np.ndarray) else 0 for o in operands]
    classes: dict[int, int] = {}
    identity = []
    for o in operands:
        key = id(o)
        count = sum(1 for p in operands if p is o)
        identity.append(classes.setdefault(key, len(classes)) if count > 1 else -1)
    return ids, identity


def einsum_accumulation_cost(subscripts: str, *operands: Any, optimize: Any = False) -> AccumulationCost:
    """The symmetry-aware count of einsum(subscripts, *operands) as upstream 0.12.4's engine
    gives it (declared groups of SymmetricTensor operands, one array at several positions),
    along the path a call with this `optimize` is billed by. Inspection only: nothing runs."""
    from ._symmetric import _group_of

    arrays = [_np.asarray(o) for o in operands]
    shapes = [list(a.shape) for a in arrays]
    path, _ = _core.einsum_path_cost(subscripts, shapes, optimize, "flopscope-0.12")
    ids, identity = _operand_tags(operands)
    total, out = _core.sym_path_cost(subscripts, shapes, ids, identity, [list(s) for s in path], "flopscope-0.12",
                                     True)
    extents: dict[str, int] = {}
    for term, shape in zip(subscripts.split("->")[0].split(","), shapes):
        for label, n in zip(term.strip(), shape):
            extents[label] = n
    dense = 1
    for n in extents.values():
        dense *= n
    out_ndim = len(subscripts.split("->")[1]) if "->" in subscripts else 0
    return AccumulationCost(total, dense, len(operands), path, _group_of(out, out_ndim) if out else None)


def reduction_accumulation_cost(a: Any, axis: Any = None, *, op_factor: int = 1,
                                extra_ops: int = 0) -> AccumulationCost:
    """The orbit-model count of reducing `a` over `axis` (upstream 0.12.4, spec 2.7):
    op_factor·(α − output orbits) + extra_ops, α the input's orbits under the setwise
    stabilizer of the reduced axes (its group, for a SymmetricTensor; every element else)."""
    array = _np.asarray(a)
    ndim = array.ndim
    if axis is None:
        reduced = list(range(ndim))
    else:
        reduced = [int(x) % ndim for x in (axis if isinstance(axis, (tuple, list)) else (axis,))] if ndim else []
    flags = [1 if i in reduced else 0 for i in range(ndim)]
    gid = int(_core.sym_tag_of(a)) if isinstance(a, _np.ndarray) else 0
    stabilizer, out = _core.sym_reduce(gid, flags, False)
    alpha = _core.sym_orbits(list(array.shape), stabilizer)
    out_shape = [n for i, n in enumerate(array.shape) if not flags[i]]
    out_orbits = _core.sym_orbits(out_shape, out)
    total = op_factor * (alpha - out_orbits) + extra_ops
    return AccumulationCost(total, array.size, 1, (), None, alpha, out_orbits)
