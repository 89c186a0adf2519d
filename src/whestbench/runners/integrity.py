"""Checks that the work of one predict call was all counted by its own meter.

What is detected (each fails the MLP with its own error code):

  ESTIMATOR_THREAD_STARTED  a thread was started during predict (refused), or a Python
                            thread the estimator started (at import, in setup() or in
                            predict(), by any API: threading, _thread, a copy of _thread)
                            is alive when the window opens, when predict returns, or when
                            the window closes
  ESTIMATOR_SUBPROCESS      a process was spawned / forked / exec'd (worker only, audit hook)
  ESTIMATOR_FFI             a shared library was opened through ctypes (worker only, audit hook)
  UNCOUNTED_WORK            counted flopscope calls ran outside the predict budget during
                            predict (another thread, or the meter was switched off)
  METER_TAMPERED            the predict meter was stopped, reset, deactivated, re-priced,
                            had time moved between its buckets, or flopscope's functions
                            were replaced

Every figure is read from the predict meter itself (MeterReader), through the
descriptors `_core.Meter` had when this module was imported, never through the
BudgetContext's attributes, which the estimator can replace.

These are checks on an honest process boundary, not a sandbox: code that runs
inside the same interpreter can in principle defeat any of them (docs/whestbench.md).
"""

from __future__ import annotations

import _thread
import contextlib
import sys
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

import flopscope as flops
from flopscope import _core

#: A zero-cost charge made when the window opens: a meter reset (rebase) erases it.
SENTINEL_OP = "whestbench.meter_check"
ROOT_NAMESPACE = "estimator"

_WATCHED_MODULES = ("flopscope", "flopscope.numpy", "flopscope.numpy.random", "flopscope._budget", "flopscope._core")
_AUDIT_PROCESS = ("subprocess.Popen", "os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn",
                  "os.spawn", "pty.spawn")
_AUDIT_FFI = ("ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle")

# Taken when this module is imported, before any participant code runs: the estimator can
# replace the module attributes afterwards, not these references.
_current_frames = sys._current_frames
_get_ident = _thread.get_ident
_THREADING_FILE = threading.__file__
_active_meter = _core.active_meter
_default_meter = _core.default_meter
_default_meter_exists = _core.default_meter_exists
_METER_TYPE = _core.Meter
_METER_DESCRIPTORS = {name: _core.Meter.__dict__[name] for name in
                      ("flop_budget", "flops_used", "flops_remaining", "profile", "running", "namespace",
                       "timing", "op_rows", "deduct", "activations")}


class MeterReader:
    """A `_core.Meter` read through the descriptors its class had when this module was imported.

    The harness keeps one for the predict meter, made before the estimator runs, and reads
    every figure through it: a BudgetContext whose class or `_meter` the estimator replaced,
    or a `_core.Meter` property it re-bound, changes nothing here."""

    __slots__ = ("meter",)

    def __init__(self, meter) -> None:
        if type(meter) is not _METER_TYPE:
            raise TypeError(f"not a flopscope meter: {type(meter).__name__}")
        self.meter = meter

    def _get(self, name: str):
        return _METER_DESCRIPTORS[name].__get__(self.meter, _METER_TYPE)

    @property
    def flop_budget(self) -> int:
        return self._get("flop_budget")

    @property
    def flops_used(self) -> int:
        return self._get("flops_used")

    @property
    def flops_remaining(self) -> int:
        return self._get("flops_remaining")

    @property
    def profile(self) -> str:
        return self._get("profile")

    @property
    def running(self) -> bool:
        return self._get("running")

    @property
    def namespace(self) -> str:
        return self._get("namespace")

    @property
    def activations(self) -> int:
        """Context entries of this meter: 1 for an untouched predict window."""
        return self._get("activations")

    def timing(self) -> Tuple[float, float, float, float]:
        """(wall, flopscope backend, flopscope overhead, residual) seconds."""
        return self._get("timing")()

    def op_rows(self) -> list:
        """(namespace, op, flops, calls, backend s, overhead s) per op and namespace."""
        return self._get("op_rows")()

    def deduct(self, op: str, flops: int) -> bool:
        return self._get("deduct")(op, flops)


@dataclass
class Violation:
    code: str
    message: str
    restart_worker: bool = False


def _callables(obj) -> Dict[str, object]:
    """Functions, classes and submodules of a module (its data may change); every entry of a class.
    The objects themselves are kept, so that an identity test cannot be fooled by a reused id()."""
    if isinstance(obj, type):
        return dict(vars(obj))
    return {name: value for name, value in vars(obj).items() if callable(value) or isinstance(value, ModuleType)}


class ApiSnapshot:
    """Identities of flopscope's functions and classes, taken before participant code is imported."""

    def __init__(self) -> None:
        import flopscope.numpy  # noqa: F401  (make sure the watched modules exist)

        self._ids: Dict[str, Dict[str, object]] = {}
        self._objects = []
        for name in _WATCHED_MODULES:
            module = sys.modules.get(name)
            if module is not None:
                self._ids[name] = _callables(module)
                self._objects.append((name, module))
        for label, cls in (("flopscope.BudgetContext", flops.BudgetContext),
                           ("flopscope.numpy.random.Generator", sys.modules["flopscope.numpy.random"].Generator),
                           ("flopscope._core.Meter", _core.Meter)):
            self._ids[label] = _callables(cls)
            self._objects.append((label, cls))

    def changed(self) -> List[str]:
        """Names (module.attr) that no longer hold the original object; additions are fine."""
        out = []
        for label, obj in self._objects:
            now = vars(obj)
            for attr, original in self._ids[label].items():
                if attr not in now or now[attr] is not original:
                    out.append(f"{label}.{attr}")
        return out


class _ThreadGate:
    """Wraps the functions that start a thread (threading's and _thread's) from before the
    estimator is imported until the last guard is closed, so that a reference the estimator
    saves at import is the wrapper too. One per process: the wrappers stay the same objects
    across guards, so a reference saved under one guard is gated under the next.

    While armed (a predict window) a call is refused and recorded. Otherwise it passes through
    and the new thread's ident (start_new_thread returns it) is recorded as the harness's when
    the harness started it (outside the estimator's code, from a harness thread), else as the
    estimator's."""

    _NAMES = ((threading, "_start_new_thread"), (threading, "_start_joinable_thread"),
              (_thread, "start_new_thread"), (_thread, "start_joinable_thread"), (_thread, "start_new"))

    def __init__(self) -> None:
        self.armed = False
        self.attempts: List[str] = []
        self.in_estimator_code = False
        self.harness: Set[int] = set()  # threads the harness started while a guard existed
        self.estimator: Set[int] = set()  # threads the estimator started through these functions
        self._users = 0
        self._wrappers: Dict[Tuple[ModuleType, str], Tuple[object, object]] = {}  # -> (original, wrapper)

    def acquire(self, harness_threads: FrozenSet[int]) -> None:
        if self._users == 0:
            self.harness, self.estimator = set(harness_threads), set()
            for module, name in self._NAMES:
                current = getattr(module, name, None)
                if current is None:
                    continue
                entry = self._wrappers.get((module, name))
                if entry is None or current not in (entry[0], entry[1]):
                    entry = (current, self._wrap(current))
                    self._wrappers[(module, name)] = entry
                setattr(module, name, entry[1])
        self._users += 1

    def release(self) -> None:
        self._users = max(0, self._users - 1)
        if self._users == 0:
            self.armed = False
            for (module, name), (original, wrapper) in self._wrappers.items():
                if getattr(module, name, None) is wrapper:
                    setattr(module, name, original)

    def arm(self) -> None:
        self.attempts = []
        self.armed = True

    def disarm(self) -> None:
        self.armed = False

    def _wrap(self, original):
        gate = self

        def start_thread(*args, **kwargs):
            if gate.armed:
                gate.attempts.append("a thread")
                target = args[0] if args else None
                try:
                    gate.attempts[-1] = str(getattr(target, "__qualname__", None) or type(target).__name__)
                except BaseException:  # noqa: BLE001 - the target is the estimator's object
                    pass
                raise RuntimeError("whestbench: starting a thread inside predict() is not allowed "
                                   "(work on other threads escapes the FLOP and residual-time accounting)")
            by_harness = not gate.in_estimator_code and _get_ident() in gate.harness
            ident = original(*args, **kwargs)
            if isinstance(ident, int):
                (gate.harness if by_harness else gate.estimator).add(ident)
                (gate.estimator if by_harness else gate.harness).discard(ident)  # an ident is reused
            return ident

        start_thread.__name__ = getattr(original, "__name__", "start_new_thread")
        start_thread.__doc__ = getattr(original, "__doc__", None)
        return start_thread


_GATE = _ThreadGate()


def _python_threads() -> FrozenSet[int]:
    """Idents of the threads running Python now, whatever started them (threading, _thread, a
    copy of _thread the gate does not wrap, a C extension): every thread with a Python frame.
    Threads that never run Python (a BLAS pool, another library's native threads, which appear
    at any time) are not the estimator's: starting one needs native code (ESTIMATOR_FFI)."""
    return frozenset(_current_frames())


def _thread_function(ident: int) -> Optional[str]:
    """What a Python thread runs: the outermost function of its stack outside threading.py."""
    frame = _current_frames().get(ident)
    chain = []
    while frame is not None:
        chain.append(frame.f_code)
        frame = frame.f_back
    for code in reversed(chain):
        if code.co_filename != _THREADING_FILE:
            return getattr(code, "co_qualname", code.co_name)
    return None


class _AuditLog:
    """Process-wide audit hook (the subprocess worker only: hooks cannot be removed)."""

    armed = False
    events: List[str] = []
    _installed = False

    @classmethod
    def install(cls) -> None:
        if cls._installed:
            return
        cls._installed = True

        def hook(event, args):
            if cls.armed and (event.startswith(_AUDIT_PROCESS) or event in _AUDIT_FFI):
                cls.events.append(event)

        # Through flopscope: its own audit hook would otherwise take this one for a participant's
        # and book every counted call's time as residual (cpp/bindings/hooks.hpp).
        _core._add_trusted_audit_hook(hook)


def _default_flops() -> int:
    return MeterReader(_default_meter()).flops_used if _default_meter_exists() else 0


class IntegrityGuard:
    """Wraps one predict call: before() when the window opens, inspect_meter() when predict
    returned, after() when the window closed.

    Made before the estimator is imported: it takes the thread baseline and puts the thread
    gate on; close() lifts the gate. The estimator's threads are the Python threads alive at a
    check that were not alive when the guard was made; unless strict_threads (the worker, where
    nothing else starts threads), those the harness itself started through threading/_thread
    outside the estimator's code (the local runner's progress display) are left out. Checks:
    when the window opens (threads started at import, in setup() or between calls), when
    predict returns and when the window closes.
    """

    def __init__(self, *, strict_threads: bool, audit: bool, cost_model: str) -> None:
        self.api = ApiSnapshot()
        self.cost_model = cost_model
        self.strict_threads = strict_threads
        self.baseline = _python_threads()
        self.gate = _GATE
        self.gate.acquire(self.baseline)
        self._closed = False
        self.audit = audit
        if audit:
            _AuditLog.install()
        self._seen: Dict[int, str] = {}  # the estimator's threads seen in this window: ident -> what it runs
        self._default_before = 0
        self._meter_violation: Optional[Violation] = None

    @contextlib.contextmanager
    def estimator_code(self) -> Iterator[None]:
        """Around the estimator's import, __init__ and setup(): threads started there are its own."""
        self.gate.in_estimator_code = True
        try:
            yield
        finally:
            self.gate.in_estimator_code = False

    def close(self) -> None:
        """Lifts the thread gate (the local runner, when it closes)."""
        if not self._closed:
            self._closed = True
            self.gate.release()

    def _look_for_threads(self) -> None:
        """Records the estimator's threads alive now, whatever started them."""
        theirs = _python_threads() - self.baseline
        if not self.strict_threads:
            theirs = theirs - (self.gate.harness - self.gate.estimator)
        for ident in theirs:
            if ident not in self._seen:
                self._seen[ident] = _thread_function(ident) or f"thread {ident}"

    # -- window -----------------------------------------------------------------
    def before(self) -> None:
        self._seen = {}
        self._look_for_threads()  # threads started at import, in setup() or between calls, alive now
        self._default_before = _default_flops()
        self._meter_violation = None
        if self.audit:
            _AuditLog.events = []
            _AuditLog.armed = True
        self.gate.in_estimator_code = True
        self.gate.arm()

    def inspect_meter(self, meter: MeterReader) -> None:
        """Called inside the window, right after predict returned or raised; `meter` is the
        harness's own reader of the predict meter."""
        self._look_for_threads()
        problems = []
        if _active_meter() is not meter.meter:
            problems.append("the predict meter is no longer the active one (deactivated or replaced)")
        if not meter.running:
            problems.append("the predict meter was stopped")
        if meter.activations != 1:
            problems.append("the predict meter was switched off and on again during predict")
        if meter.profile != self.cost_model:
            problems.append(f"the cost model changed from {self.cost_model!r} to {meter.profile!r}")
        if not any(op == SENTINEL_OP and calls == 1 for _, op, _, calls, _, _ in meter.op_rows()):
            problems.append("the predict meter was reset (its records were cleared)")
        if meter.namespace != ROOT_NAMESPACE:
            problems.append(f"the namespace stack was left at {meter.namespace!r}")
        if problems:
            self._meter_violation = Violation("METER_TAMPERED", "; ".join(problems), restart_worker=True)

    def after(self, meter: MeterReader, outer_wall_s: float) -> Optional[Violation]:
        """Called once the window closed; the first violation found, or None.
        `outer_wall_s`: the time from just inside the predict context to just before
        it was left, which an untouched meter covers."""
        self.gate.disarm()
        self.gate.in_estimator_code = False
        if self.audit:
            _AuditLog.armed = False
        if self.gate.attempts:
            return Violation("ESTIMATOR_THREAD_STARTED",
                             f"predict() tried to start {len(self.gate.attempts)} thread(s) "
                             f"({', '.join(self.gate.attempts[:3])}); threads are not allowed", restart_worker=False)
        self._look_for_threads()
        if self._seen:
            named = list(dict.fromkeys(self._seen.values()))
            return Violation("ESTIMATOR_THREAD_STARTED",
                             f"{len(self._seen)} thread(s) started by the estimator (at import, in setup() or in "
                             f"predict(), by any API) alive during predict (running {', '.join(named[:3])}); "
                             "threads are not allowed", restart_worker=True)
        if self.audit and _AuditLog.events:
            events = sorted(set(_AuditLog.events))
            code = "ESTIMATOR_SUBPROCESS" if any(e.startswith(_AUDIT_PROCESS) for e in events) else "ESTIMATOR_FFI"
            return Violation(code, f"predict() did {', '.join(events)}; processes and native libraries "
                                   "are not allowed in a submission", restart_worker=True)
        moved = _default_flops() - self._default_before
        if moved > 0:
            return Violation("UNCOUNTED_WORK",
                             f"{moved:,} FLOPs of counted calls ran outside the predict budget during predict "
                             "(on another thread, or with the meter switched off)", restart_worker=True)
        if self._meter_violation is not None:
            return self._meter_violation
        changed = self.api.changed()
        if changed:
            return Violation("METER_TAMPERED", f"flopscope functions were replaced: {', '.join(changed[:5])}",
                             restart_worker=True)
        wall, _, overhead, _ = meter.timing()
        # generous slack: a descheduled process must never look like a tampered meter (resets are
        # caught exactly by the sentinel; this catches stop/start games longer than the slack)
        if wall < outer_wall_s - (0.25 + 0.05 * outer_wall_s):
            return Violation("METER_TAMPERED", f"the predict meter's wall time ({wall:.3f}s) is shorter than the "
                                               f"call took ({outer_wall_s:.3f}s): it was stopped or reset",
                             restart_worker=True)
        per_op = sum(row[5] for row in meter.op_rows())
        if overhead > per_op + 0.005 + 0.02 * wall:
            return Violation("METER_TAMPERED", "overhead time was added to the predict meter by hand "
                                               "(it moves time out of the residual bucket)", restart_worker=True)
        return None
