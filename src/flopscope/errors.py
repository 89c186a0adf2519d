"""Exceptions and warnings raised by flopscope (hierarchy of spec section 6)."""

from __future__ import annotations

__all__ = [
    "FlopscopeError",
    "BudgetExhaustedError",
    "TimeExhaustedError",
    "NoBudgetContextError",
    "SymmetryError",
    "UnsupportedFunctionError",
    "UnsupportedReturnType",
    "UnauthorizedControlError",
    "UnsupportedDtypeError",
    "FlopscopeWarning",
    "SymmetryLossWarning",
    "CostFallbackWarning",
    "RemoteCallbackWarning",
    "ConfigureNoOpWarning",
]

_BUDGET_HINT = (
    "Reduce the work (smaller shapes, fewer calls) or raise flop_budget; "
    "flops.current_budget() shows what is left."
)


def _rebuild(cls, args, kwargs):
    return cls(*args, **kwargs)


class FlopscopeError(Exception):
    """Base class of every flopscope error."""


class BudgetExhaustedError(FlopscopeError):
    """An operation would exceed the FLOP budget. It was not run and nothing was charged."""

    def __init__(self, op_name: str, *, flop_cost: int, flops_remaining: int):
        self.op_name = op_name
        self.flop_cost = flop_cost
        self.flops_remaining = flops_remaining
        super().__init__(
            f"{op_name} would cost {flop_cost:,} FLOPs but only {flops_remaining:,} remain. {_BUDGET_HINT}"
        )

    def __reduce__(self):  # keyword-only fields: pickle / copy / multiprocessing need this
        return _rebuild, (type(self), (self.op_name,),
                          {"flop_cost": self.flop_cost, "flops_remaining": self.flops_remaining})


class TimeExhaustedError(FlopscopeError):
    """The context's wall_time_limit_s was exceeded (checked before and after each counted call)."""

    def __init__(self, op_name: str, *, elapsed_s: float, limit_s: float, flop_cost: int | None = None):
        self.op_name = op_name
        self.elapsed_s = elapsed_s
        self.limit_s = limit_s
        self.flop_cost = flop_cost
        if flop_cost is None:
            text = (f"{op_name}: wall-clock time {elapsed_s:.3f}s exceeds limit {limit_s:.3f}s. "
                    "Do less work per call or raise wall_time_limit_s.")
        else:  # refused before running: it could not end in time on any machine
            text = (f"{op_name}: a call of {flop_cost:,} FLOPs cannot finish in the {limit_s - elapsed_s:.3f}s left "
                    f"of the wall-time limit {limit_s:.3f}s even at 1e14 FLOP/s; it was refused before running "
                    "and charged nothing. Split the work or raise wall_time_limit_s.")
        super().__init__(text)

    def __reduce__(self):
        return _rebuild, (type(self), (self.op_name,), {"elapsed_s": self.elapsed_s, "limit_s": self.limit_s,
                                                        "flop_cost": self.flop_cost})


class NoBudgetContextError(FlopscopeError):
    """An operation needs an explicit BudgetContext and none is active."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message or "No active BudgetContext. Wrap your code in `with flopscope.BudgetContext(...):`."
        )


class SymmetryError(FlopscopeError):
    """A tensor is not symmetric along the declared axes (flops.as_symmetric and friends)."""

    def __init__(self, axes=(), max_deviation: float = float("inf"), atol: float = 1e-6, rtol: float = 1e-5):
        self.axes = tuple(axes)
        self.max_deviation = max_deviation
        self.atol = atol
        self.rtol = rtol
        super().__init__(
            f"Tensor not symmetric along axes ({', '.join(str(a) for a in self.axes)}): "
            f"max deviation = {max_deviation} (tolerance: atol={atol}, rtol={rtol}). "
            "Symmetrize it first (flops.symmetrize) or declare the symmetry it has."
        )


class UnsupportedFunctionError(FlopscopeError):
    """A NumPy function exists only in other NumPy versions."""


class UnsupportedReturnType(FlopscopeError):
    """A result cannot be represented by flopscope."""


class UnauthorizedControlError(FlopscopeError):
    """A budget-control call was made without the control token."""


class UnsupportedDtypeError(TypeError):
    """A non-numeric dtype (object, str, datetime, ...) reached a counted operation; nothing was charged."""


class FlopscopeWarning(UserWarning):
    """Base class of flopscope warnings."""


class SymmetryLossWarning(FlopscopeWarning):
    pass


class CostFallbackWarning(FlopscopeWarning):
    pass


class RemoteCallbackWarning(FlopscopeWarning):
    pass


class ConfigureNoOpWarning(FlopscopeWarning):
    pass
