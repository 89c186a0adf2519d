"""What every runner shares: limits, the outcome of one predict call, and errors."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import numpy as np

from whestbench import budget as _b
from whestbench.loading import Entrypoint
from whestbench.mlp import MLP
from whestbench.sdk import SetupContext


@dataclass(frozen=True)
class ResourceLimits:
    """Per-run limits a runner applies.

    wall_time_limit_s   enforced in the predict BudgetContext (None: no limit)
    setup_timeout_s     module import + setup(); over it the run fails (SETUP_TIMEOUT)
    memory_limit_mb     address-space cap of the subprocess worker (advisory in the local runner)
    predict_timeout_s   floor of the subprocess runner's transport timeout
    cost_model          flopscope cost model for the predict budgets (None: flopscope's configured one)
    """

    wall_time_limit_s: Optional[float] = _b.DEFAULT_WALL_TIME_LIMIT_S
    setup_timeout_s: float = _b.DEFAULT_SETUP_TIMEOUT_S
    memory_limit_mb: Optional[int] = _b.DEFAULT_MEMORY_LIMIT_MB
    predict_timeout_s: float = _b.DEFAULT_PREDICT_TIMEOUT_S
    cost_model: Optional[str] = None

    def transport_timeout_s(self) -> float:
        """How long the host waits for one predict reply: max(predict_timeout_s, wall + 5 s)."""
        if self.wall_time_limit_s is None:
            return float(self.predict_timeout_s)
        return max(float(self.predict_timeout_s), float(self.wall_time_limit_s) + _b.TRANSPORT_GRACE_S)


def child_env(limits: ResourceLimits) -> Dict[str, str]:
    """The environment of a runner's child process (worker or server): this one, with this
    installation of whestbench first on the path and the run's cost model."""
    import whestbench

    env = dict(os.environ)
    src_root = os.path.dirname(os.path.dirname(os.path.abspath(whestbench.__file__)))
    env["PYTHONPATH"] = src_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if limits.cost_model:
        env["FLOPSCOPE_COST_MODEL"] = limits.cost_model
    return env


class RunnerError(Exception):
    """A runner-level failure: `stage` (setup / predict / ...), a stable `code`, and what is known."""

    def __init__(self, stage: str, code: str, message: str, details: Optional[dict] = None,
                 traceback_text: Optional[str] = None):
        super().__init__(f"{code}: {message}")
        self.stage = stage
        self.code = code
        self.message = message
        self.details = details
        self.traceback_text = traceback_text

    def payload(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"stage": self.stage, "code": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        if self.traceback_text:
            out["traceback"] = self.traceback_text
        return out


#: Outcome statuses.
OK, BUDGET_EXHAUSTED, TIME_EXHAUSTED, ERROR = "ok", "budget_exhausted", "time_exhausted", "error"


@dataclass
class PredictOutcome:
    """What one predict call produced, as measured by the meter that ran it.

    On `ok`, `predictions` is a finite float32 (depth, width) array. On an
    exhaustion the counters are the meter's at that moment. On `error`,
    `error_code` / `message` / `details` / `traceback` say what happened.
    """

    status: str
    predictions: Optional[np.ndarray] = None
    flops_used: int = 0
    wall_time_s: float = 0.0
    flopscope_backend_time_s: float = 0.0
    flopscope_overhead_time_s: float = 0.0
    residual_wall_time_s: float = 0.0
    #: CPU time of the sandbox's threads during predict (sandbox runner only; None elsewhere)
    residual_cpu_time_s: Optional[float] = None
    breakdown: Optional[dict] = None
    error_code: Optional[str] = None
    message: Optional[str] = None
    details: Optional[dict] = None
    traceback: Optional[str] = None
    #: the worker must not be reused (threads left running, meter state unknown)
    restart_worker: bool = False
    #: the original exception, local runner only (for --fail-fast)
    exception: Optional[BaseException] = field(default=None, repr=False)

    def to_json(self) -> Dict[str, Any]:
        # not dataclasses.asdict: it deep-copies, and flopscope's exceptions cannot be copied
        out = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "exception"}
        if self.predictions is not None:
            out["predictions"] = self.predictions.tolist()
        return out

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "PredictOutcome":
        data = dict(data)
        preds = data.pop("predictions", None)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        out = cls(**known)
        if preds is not None:
            out.predictions = np.asarray(preds, dtype=np.float32)
        return out


class Runner(ABC):
    """Runs one estimator: start() once, predict() per MLP, close() at the end."""

    #: True when the runner applies the wall-time limit itself.
    enforces_wall_time_limit = False
    name = "runner"

    def __init__(self) -> None:
        self.estimator_class_name: Optional[str] = None

    @abstractmethod
    def start(self, entrypoint: Entrypoint, context: SetupContext, limits: ResourceLimits) -> None: ...

    @abstractmethod
    def predict(self, mlp: MLP, budget: int) -> PredictOutcome: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def checked_reply(outcome: PredictOutcome, expected: tuple) -> PredictOutcome:
    """A child process's reply (the subprocess worker's, the sandbox server's) with its figures as
    numbers and its predictions as a (depth, width) array, else ValueError or TypeError: one
    malformed reply fails its own MLP, never the scoring of the run. An "ok" without predictions
    is that MLP's PREDICT_NO_DATA."""
    outcome.flops_used = int(outcome.flops_used)
    for key in ("wall_time_s", "flopscope_backend_time_s", "flopscope_overhead_time_s", "residual_wall_time_s"):
        setattr(outcome, key, float(getattr(outcome, key)))
    if outcome.residual_cpu_time_s is not None:
        outcome.residual_cpu_time_s = float(outcome.residual_cpu_time_s)
    if outcome.predictions is not None and outcome.predictions.shape != tuple(expected):
        raise ValueError(f"its predictions have shape {outcome.predictions.shape}, not {tuple(expected)}")
    if outcome.status == "ok" and outcome.predictions is None:
        return PredictOutcome(ERROR, error_code="PREDICT_NO_DATA", message="the reply carried no predictions")
    return outcome


def restart_failed(exc: RunnerError, what: str) -> PredictOutcome:
    """The outcome of an MLP whose fresh child process (`what`: worker, sandbox) did not start."""
    return PredictOutcome(ERROR, error_code="WORKER_RESTART_FAILED",
                          message=f"a fresh {what} could not be started: {exc.code}: {exc.message}",
                          details=exc.details, traceback=exc.traceback_text)

