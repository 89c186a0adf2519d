"""The in-process runner (spec 3.3): the estimator runs in this interpreter, debugger-friendly.

It applies the FLOP budget and the wall-time limit through flopscope, and the
same integrity checks as the worker except those that need a separate process
(see docs/whestbench.md for what it cannot protect against: a hang, a crash of
the interpreter, memory use, and an estimator that edits the harness itself).
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from typing import Optional

import flopscope as flops

from whestbench.estimator_errors import describe_exception, format_current_exception
from whestbench.loading import Entrypoint, EstimatorLoadError, instantiate, load_estimator_class
from whestbench.mlp import MLP
from whestbench.runners.base import ERROR, PredictOutcome, ResourceLimits, Runner, RunnerError
from whestbench.runners.integrity import IntegrityGuard
from whestbench.runners.interrupts import InterruptWatch
from whestbench.runners.metering import current_cost_model, metered_predict
from whestbench.sdk import BaseEstimator, SetupContext


class LocalRunner(Runner):
    name = "local"
    enforces_wall_time_limit = False  # the predict BudgetContext in this process applies it

    def __init__(self, estimator: Optional[BaseEstimator] = None) -> None:
        """`estimator`: an instance to run instead of loading one from a file."""
        super().__init__()
        self._given = estimator
        self._estimator: Optional[BaseEstimator] = None
        self._limits = ResourceLimits()
        self._guard: Optional[IntegrityGuard] = None
        self._interrupts = InterruptWatch()

    def start(self, entrypoint: Optional[Entrypoint], context: SetupContext, limits: ResourceLimits) -> None:
        self._limits = limits
        if limits.cost_model:
            flops.configure(cost_model=limits.cost_model)
        # before any estimator code: the harness's SIGINT disposition, the thread baseline and gate
        self._interrupts = InterruptWatch()
        # memory_limit_mb is advisory here: one process cannot cap its own estimator
        self._guard = IntegrityGuard(strict_threads=False, audit=False, cost_model=current_cost_model())
        t0 = time.perf_counter()
        try:
            with self._interrupts, self._guard.estimator_code(), contextlib.redirect_stdout(sys.stderr):
                estimator = self._load_and_set_up(entrypoint, context)
        except BaseException:
            self._guard.close()
            raise
        took = time.perf_counter() - t0
        if took > limits.setup_timeout_s:
            self._guard.close()
            raise RunnerError("setup", "SETUP_TIMEOUT",
                              f"loading the estimator and setup() took {took:.2f}s, over the "
                              f"{limits.setup_timeout_s:g}s setup timeout",
                              {"setup_time_s": took, "setup_timeout_s": limits.setup_timeout_s})
        self._estimator = estimator
        self.estimator_class_name = type(estimator).__name__

    def _load_and_set_up(self, entrypoint: Optional[Entrypoint], context: SetupContext) -> BaseEstimator:
        """Every exception of the estimator's (KeyboardInterrupt too) as a RunnerError; a real
        Ctrl-C is raised again by the InterruptWatch around this call."""
        try:
            estimator = self._given if self._given is not None else instantiate(load_estimator_class(entrypoint))
        except EstimatorLoadError as exc:
            raise RunnerError("load", exc.code, exc.message, {"hint": exc.hint} if exc.hint else None,
                              exc.traceback_text) from exc
        try:
            estimator.setup(context)
        except BaseException as exc:  # noqa: BLE001
            raise RunnerError("setup", "SETUP_ERROR", f"setup() raised {describe_exception(exc)}",
                              None, format_current_exception(exc)) from exc
        return estimator

    def predict(self, mlp: MLP, budget: int) -> PredictOutcome:
        if self._estimator is None or self._guard is None:
            return PredictOutcome(ERROR, error_code="RUNNER_NOT_STARTED", message="the runner was not started")
        return metered_predict(self._estimator, mlp, budget, wall_time_limit_s=self._limits.wall_time_limit_s,
                               guard=self._guard, interrupts=self._interrupts)

    def close(self) -> None:
        estimator, self._estimator = self._estimator, None
        try:
            if estimator is not None:
                problem = None
                with self._interrupts, contextlib.redirect_stdout(sys.stderr):
                    try:
                        estimator.teardown()
                    except BaseException as exc:  # noqa: BLE001 - a failing teardown must not hide the results
                        problem = describe_exception(exc)
                if problem is not None:
                    warnings.warn(f"teardown() raised {problem}", RuntimeWarning, stacklevel=2)
        finally:
            if self._guard is not None:
                self._guard.close()


InProcessRunner = LocalRunner
