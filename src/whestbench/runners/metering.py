"""One metered predict call, shared by the local runner and the subprocess worker (spec 3.1, 8.2).

Inside the BudgetContext: predict(), then materialising the result (shape check,
float32 coercion), then dropping the estimator's object. Outside it: the
finiteness scan, which is not charged to the estimator.

Every figure of the outcome is read from the predict meter through the harness's
own MeterReader, made before the estimator runs: the BudgetContext object is the
estimator's to reach (flops.current_budget, gc, frames) and to alter.
"""

from __future__ import annotations

import contextlib
import sys
import time
import traceback
import warnings
from typing import Any, Callable, ContextManager, Optional

import numpy as np

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import BudgetExhaustedError, TimeExhaustedError
from flopscope.errors import UnauthorizedControlError

from whestbench.breakdowns import TIME_KEYS, merge
from whestbench.estimator_errors import (describe_exception, exception_name, exception_text,
                                         format_current_exception)
from whestbench.mlp import MLP
from whestbench.runners.base import BUDGET_EXHAUSTED, ERROR, OK, TIME_EXHAUSTED, PredictOutcome
from whestbench.runners.integrity import ROOT_NAMESPACE, SENTINEL_OP, IntegrityGuard, MeterReader
from whestbench.runners.interrupts import InterruptWatch
from whestbench.sdk import BaseEstimator

#: Unlabeled estimator work is reported under this namespace (upstream's name).
CLIENT_NAMESPACE = "estimator.estimator-client"


class OutputError(ValueError):
    """predict() returned something that is not a finite (depth, width) array."""

    def __init__(self, code: str, message: str, details: dict):
        super().__init__(message)
        self.code = code
        self.details = details


def _shape_hint(got, expected) -> str:
    depth, width = expected
    if got == (width, depth):
        return "the output is transposed: return shape (depth, width), one row per layer"
    if got == (width,):
        return "only one layer was returned: stack one row per layer, e.g. fnp.stack(rows)"
    if got == (depth, width, width) or (len(got) == 3 and got[0] == depth):
        return "return the mean of each neuron, shape (depth, width), not per-sample or per-matrix values"
    return f"return an array of shape (depth, width) = {expected}"


def materialise(result: Any, expected: tuple) -> np.ndarray:
    """The shape check and the float32 conversion, done inside the meter window.

    The conversion is upstream's: a counted `fnp.asarray(predictions, dtype=float32)`, so it
    bills what the active profile bills for that cast (the primer: nothing; flopscope-0.12:
    upstream's conversion, e.g. 1,536 for a (6, 128) float64 output, nothing for float32).
    The array the object converts to is checked, not only the shape it claims: an
    object's `.shape` and its `__array__` are its own code and need not agree."""
    expected = tuple(expected)
    if result is None or not hasattr(result, "shape"):
        raise OutputError("ESTIMATOR_BAD_SHAPE",
                          f"predict() must return an array of shape {expected}, got {type(result).__name__}",
                          {"expected_shape": list(expected), "got_shape": None,
                           "hint": "return a flopscope array, e.g. fnp.stack(rows)"})
    got = tuple(int(n) for n in result.shape)
    if got != expected:
        raise OutputError("ESTIMATOR_BAD_SHAPE", f"predictions must have shape {expected}, got {got}",
                          {"expected_shape": list(expected), "got_shape": list(got),
                           "hint": _shape_hint(got, expected)})
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            # An object that is not an array (it only has .shape and __array__) is read by its own
            # code first, uncounted as upstream's asarray reads it; the cast itself is the counted call.
            source = result if isinstance(result, np.ndarray) else np.asarray(result)
            if source.dtype.kind not in "biufc":  # strings, objects: NumPy's own cast decides
                source = np.asarray(source, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise OutputError("ESTIMATOR_UNSUPPORTED_DTYPE",
                          f"predictions cannot be converted to float32: {exc}",
                          {"dtype": str(getattr(result, "dtype", type(result).__name__))}) from exc
    if tuple(source.shape) != expected:
        actual = tuple(source.shape)
        raise OutputError("ESTIMATOR_BAD_SHAPE",
                          f"predictions must have shape {expected}: the returned object says its shape is {got} "
                          f"but it converts to an array of shape {actual}",
                          {"expected_shape": list(expected), "got_shape": list(actual), "claimed_shape": list(got),
                           "hint": _shape_hint(actual, expected)})
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        converted = fnp.asarray(source, dtype=fnp.float32)  # counted: upstream's materialisation
    return np.array(converted.view(np.ndarray), dtype=np.float32, copy=True)  # the harness's own copy


def check_finite(arr: np.ndarray) -> None:
    """The finiteness scan, on a plain array (not counted)."""
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = sorted({int(i) for i in np.nonzero(bad)[0]})
        raise OutputError("ESTIMATOR_NON_FINITE",
                          f"predictions must be finite: {int(bad.sum())} NaN/inf value(s) in layer row(s) {rows[:8]}",
                          {"n_non_finite": int(bad.sum()), "rows": rows[:32]})


def current_cost_model() -> str:
    """The cost model a new BudgetContext gets now."""
    return flops.BudgetContext(flop_budget=1, quiet=True).cost_model


def _namespace_record(ops: dict) -> dict:
    return {"flops_used": sum(int(r["flop_cost"]) for r in ops.values()),
            "calls": sum(int(r["calls"]) for r in ops.values()),
            "flopscope_backend_time_s": sum(float(r["flopscope_backend_time_s"]) for r in ops.values()),
            "flopscope_overhead_time_s": sum(float(r["flopscope_overhead_time_s"]) for r in ops.values()),
            "operations": ops}


def normalise_breakdown(summary: dict) -> dict:
    """A summary_dict(by_namespace=True) in the report's shape (spec 6.3): the participant's
    namespaces under `estimator.`, unlabeled work as `estimator.estimator-client`."""
    parts = []
    for ns, rec in (summary.get("by_namespace") or {}).items():
        name = CLIENT_NAMESPACE if ns in (None, "", ROOT_NAMESPACE) else str(ns)
        ops = {op: dict(r) for op, r in rec.get("operations", {}).items() if op != SENTINEL_OP}
        if ops:
            parts.append({"by_namespace": {name: _namespace_record(ops)}})
    merged = merge(parts)
    out = {k: summary[k] for k in ("flop_budget", "flops_used", "flops_remaining", *TIME_KEYS)}
    out["cost_model"] = summary.get("cost_model")
    out["by_namespace"] = merged["by_namespace"] if merged else {}
    return out


def meter_summary(meter: MeterReader) -> dict:
    """BudgetContext.summary_dict(by_namespace=True)'s figures, read from the meter itself."""
    wall, backend, overhead, residual = meter.timing()
    by_namespace: dict = {}
    for ns, op, flops_, calls, b, o in meter.op_rows():
        ops = by_namespace.setdefault(ns or None, {"operations": {}})["operations"]
        ops[op] = {"flop_cost": flops_, "calls": calls, "flopscope_backend_time_s": b,
                   "flopscope_overhead_time_s": o}
    return {"flop_budget": meter.flop_budget, "flops_used": meter.flops_used, "flops_remaining": meter.flops_remaining,
            "cost_model": meter.profile, "wall_time_s": wall, "flopscope_backend_time_s": backend,
            "flopscope_overhead_time_s": overhead, "residual_wall_time_s": residual, "by_namespace": by_namespace}


def _counters(meter: MeterReader, outcome: PredictOutcome) -> None:
    summary = meter_summary(meter)
    outcome.flops_used = int(summary["flops_used"])
    for key in TIME_KEYS:
        setattr(outcome, key, float(summary[key]))
    outcome.breakdown = normalise_breakdown(summary)


def _error(code: str, message: str, *, details=None, tb=None, exc=None) -> PredictOutcome:
    return PredictOutcome(ERROR, error_code=code, message=message, details=details, traceback=tb, exception=exc)


def _outcome_of(exc: BaseException, reading: bool) -> PredictOutcome:
    """The outcome of an exception that ended the predict window (`reading`: while its output was
    read). Rendered without trusting it: the estimator's exceptions run its own code."""
    tb = format_current_exception(exc)
    kind = type(exc)  # not isinstance(): it would read the estimator's __class__, which may raise
    if issubclass(kind, BudgetExhaustedError):
        return PredictOutcome(BUDGET_EXHAUSTED, message=exception_text(exc), traceback=tb, exception=exc)
    if issubclass(kind, TimeExhaustedError):
        return PredictOutcome(TIME_EXHAUSTED, message=exception_text(exc), traceback=tb, exception=exc)
    if issubclass(kind, UnauthorizedControlError):  # flopscope refused a control that would change the live meter
        return _error("METER_TAMPERED", f"the estimator tampered with the meter (refused): {exception_text(exc)}",
                      tb=tb, exc=exc)
    if kind is OutputError:
        return _error(exc.code, exception_text(exc), details=exc.details, tb=tb, exc=exc)
    where = "reading predict()'s output" if reading else "predict()"
    return _error("PREDICT_ERROR", f"{where} raised {describe_exception(exc)}",
                  details={"exception_type": exception_name(exc)}, tb=tb, exc=exc)


def _span(t_in: Optional[float], t_out: Optional[float]) -> float:
    return t_out - t_in if t_in is not None and t_out is not None else 0.0


def metered_predict(estimator: BaseEstimator, mlp: MLP, budget: int, *, wall_time_limit_s: Optional[float],
                    guard: IntegrityGuard,
                    watchdog: Callable[[], ContextManager] = contextlib.nullcontext,
                    interrupts: Optional[InterruptWatch] = None) -> PredictOutcome:
    """Runs estimator.predict(mlp, budget) in its own BudgetContext and reports what happened.

    `watchdog` wraps the call (the worker's wall-clock alarm). Never raises for anything
    the estimator does, KeyboardInterrupt and every other BaseException included; only a
    real SIGINT, seen by `interrupts` (the runner's, made before any estimator code ran),
    raises KeyboardInterrupt.
    """
    expected = (mlp.depth, mlp.width)
    ctx = flops.BudgetContext(flop_budget=budget, quiet=True, namespace=ROOT_NAMESPACE,
                              wall_time_limit_s=wall_time_limit_s)
    meter = MeterReader(ctx._meter)  # the harness's own handle, taken before the estimator runs
    interrupts = interrupts if interrupts is not None else InterruptWatch()
    outcome: Optional[PredictOutcome] = None
    predictions = None
    # The span the meter must cover, timed inside the `with`: a pause while the
    # context is entered or left (a garbage collection, a descheduled process)
    # lies outside the meter and must not look like a stopped meter.
    t_in = t_out = None
    reading = False  # False while predict() runs, True while its output is read
    try:
        guard.before()
        with interrupts:  # raises KeyboardInterrupt on leaving only for a real SIGINT
            try:
                with ctx:
                    t_in = time.perf_counter()
                    meter.deduct(SENTINEL_OP, 0)
                    try:
                        with watchdog(), contextlib.redirect_stdout(sys.stderr):  # stdout carries the report
                            result = estimator.predict(mlp, budget)
                            reading = True
                            predictions = materialise(result, expected)
                            del result  # the estimator's object is released inside the window
                    finally:
                        guard.inspect_meter(meter)
                        t_out = time.perf_counter()
            except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt, SystemExit, ...: the estimator's too
                outcome = _outcome_of(exc, reading)
    finally:
        violation = guard.after(meter, _span(t_in, t_out))  # also on a real Ctrl-C: it lifts the thread gate
    if violation is not None:
        bad = _error(violation.code, violation.message)
        bad.restart_worker = violation.restart_worker
        if outcome is not None and outcome.traceback:
            bad.traceback = outcome.traceback
        return bad
    if outcome is None:
        try:
            check_finite(predictions)
        except OutputError as exc:
            return _error(exc.code, str(exc), details=exc.details, tb=traceback.format_exc(), exc=exc)
        outcome = PredictOutcome(OK, predictions=predictions)
    if outcome.status != ERROR:
        _counters(meter, outcome)
    return outcome
