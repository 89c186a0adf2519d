"""What a participant implements: BaseEstimator, and the SetupContext it is given (spec 2.1)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Optional

from whestbench.mlp import MLP

#: api_version reported to setup() by `whest run`.
API_VERSION = "1.0"


@dataclass(frozen=True)
class SetupContext:
    """Handed to BaseEstimator.setup() once per runner start (once per worker process).

    width, depth    the contest shape
    flop_budget     the per-MLP FLOP budget B (also passed to every predict call)
    api_version     "1.0" from `whest run`
    scratch_dir     a writable directory, or None
    submission_dir  the directory holding the estimator file (load shipped data from here)
    seed            the run seed (`--seed`), 0 when none was given
    """

    width: int
    depth: int
    flop_budget: int
    api_version: str = API_VERSION
    scratch_dir: Optional[str] = None
    submission_dir: Optional[str] = None
    seed: int = 0


class BaseEstimator(ABC):
    """Subclass this and implement predict().

    predict(mlp, budget) returns the predicted mean of every neuron after every
    layer: an array of shape (mlp.depth, mlp.width), all finite. It runs inside
    a flopscope BudgetContext of `budget` FLOPs; use flopscope.numpy so the work
    is counted.
    """

    @abstractmethod
    def predict(self, mlp: MLP, budget: int) -> Any:
        raise NotImplementedError

    def setup(self, context: SetupContext) -> None:
        """One-time preparation (not metered, capped by --setup-timeout)."""
        return None

    def teardown(self) -> None:
        """Called when the runner closes."""
        return None
