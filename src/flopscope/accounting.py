"""Cost queries that never touch a budget. Prices come from the C++ core."""

from __future__ import annotations

from typing import Any, Sequence

from . import _core

__all__ = ["einsum_cost", "einsum_path", "op_table", "cost_models", "register_cost_model"]


def einsum_cost(subscripts: str, shapes: Sequence[Sequence[int]], optimize: Any = False,
                cost_model: str | None = None) -> int:
    """FLOPs of einsum(subscripts, *operands of `shapes`) along the path flopscope would run.

    optimize=False prices one step over all operands (NumPy's default); True,
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
