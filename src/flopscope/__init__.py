"""flopscope: NumPy-compatible arrays that count FLOPs analytically and enforce budgets.

    import flopscope as flops
    import flopscope.numpy as fnp

The engine (cost model, profiles, meter, counted dispatch) is C++ (flopscope._core).
"""

from __future__ import annotations

from . import errors
from . import _core
from .errors import (
    BudgetExhaustedError,
    ConfigureNoOpWarning,
    CostFallbackWarning,
    FlopscopeError,
    FlopscopeWarning,
    NoBudgetContextError,
    SymmetryError,
    SymmetryLossWarning,
    TimeExhaustedError,
    UnauthorizedControlError,
    UnsupportedDtypeError,
    UnsupportedFunctionError,
    UnsupportedReturnType,
)

_core._set_error_types(BudgetExhaustedError, TimeExhaustedError, UnsupportedDtypeError)

from ._budget import (  # noqa: E402
    BudgetContext,
    BudgetSnapshot,
    OpRecord,
    budget,
    budget_reset,
    budget_summary,
    budget_summary_dict,
    configure,
    current_budget,
    namespace,
)
from ._live import budget_live  # noqa: E402
from . import accounting  # noqa: E402
from ._module import Module  # noqa: E402
from . import stats  # noqa: E402
from ._symmetric import (  # noqa: E402
    SymmetricTensor,
    SymmetryGroup,
    as_symmetric,
    is_symmetric,
    symmetrize,
)
from .accounting import einsum_accumulation_cost, reduction_accumulation_cost  # noqa: E402
from . import numpy  # noqa: E402,F401  (routes NumPy's own functions on our arrays)

_core.seal_routes()

__version__ = "0.1.0"

FlopscopeArray = _core.ndarray

__all__ = [
    "BudgetContext",
    "BudgetSnapshot",
    "BudgetExhaustedError",
    "ConfigureNoOpWarning",
    "CostFallbackWarning",
    "FlopscopeArray",
    "FlopscopeError",
    "FlopscopeWarning",
    "Module",
    "NoBudgetContextError",
    "OpRecord",
    "SymmetricTensor",
    "SymmetryError",
    "SymmetryGroup",
    "SymmetryLossWarning",
    "TimeExhaustedError",
    "UnauthorizedControlError",
    "UnsupportedDtypeError",
    "UnsupportedFunctionError",
    "UnsupportedReturnType",
    "accounting",
    "as_symmetric",
    "budget",
    "budget_live",
    "budget_reset",
    "budget_summary",
    "budget_summary_dict",
    "configure",
    "current_budget",
    "einsum_accumulation_cost",
    "errors",
    "is_symmetric",
    "namespace",
    "numpy",
    "reduction_accumulation_cost",
    "stats",
    "symmetrize",
]


def __getattr__(name: str):
    raise AttributeError(
        f"flopscope does not provide {name!r}. Numpy-shaped operations live under 'flopscope.numpy' "
        f"(try `import flopscope.numpy as fnp; fnp.{name}`)."
    )
