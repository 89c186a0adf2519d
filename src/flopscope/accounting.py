"""Cost queries that never touch a budget. Prices come from the C++ core."""

from __future__ import annotations

from typing import Sequence

from . import _core

__all__ = ["einsum_cost", "op_table", "cost_models", "register_cost_model"]


def einsum_cost(subscripts: str, shapes: Sequence[Sequence[int]], optimize: str | bool = False,
                cost_model: str | None = None) -> int:
    """FLOPs of einsum(subscripts, *operands of `shapes`) along the path flopscope would run.

    optimize=False prices one step over all operands (NumPy's default); 'greedy'
    or 'optimal' price the path flopscope's search picks.
    """
    strategy = "none" if optimize is False else ("greedy" if optimize is True else str(optimize))
    _, cost = _core.einsum_path_cost(subscripts, [list(s) for s in shapes], strategy,
                                     cost_model or _core.default_profile())
    return cost


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
