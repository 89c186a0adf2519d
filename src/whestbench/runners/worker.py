"""The subprocess runner's worker: ``python -m whestbench.runners.worker``.

Protocol: one JSON object per line. The worker announces ``{"status": "ready"}``,
then answers each command on its own line:

  {"cmd": "start", "entrypoint": {...}, "context": {...}, "wall_time_limit_s", "memory_limit_mb", "cost_model"}
      -> {"status": "ok", "class_name"} or {"status": "error", "stage", "code", "message", "details", "traceback"}
  {"cmd": "predict", "budget", "mlp": {"width", "depth", "seed", "weights_path"}}
      -> a PredictOutcome (runners/base.py) as JSON
  {"cmd": "close"} -> {"status": "ok"}, then teardown() and exit

The weights travel as a .npy file (64 MiB at 1024x16 would be ~300 MB of JSON).
The protocol uses private copies of stdin/stdout; the estimator's own stdout is
sent to stderr, which the host keeps (last 200 lines).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from typing import Any, Dict, Optional

import numpy as np

import flopscope as flops
from flopscope import TimeExhaustedError, _core

from whestbench.estimator_errors import describe_exception, format_current_exception
from whestbench.loading import Entrypoint, EstimatorLoadError, instantiate, load_estimator_class
from whestbench.mlp import MLP, as_counted
from whestbench.runners.integrity import IntegrityGuard
from whestbench.runners.interrupts import InterruptWatch
from whestbench.runners.metering import current_cost_model, metered_predict
from whestbench.sdk import SetupContext


class Worker:
    def __init__(self, out) -> None:
        self.out = out
        self.estimator = None
        self.guard: Optional[IntegrityGuard] = None
        self.interrupts = InterruptWatch()
        self.wall_time_limit_s: Optional[float] = None

    def send(self, message: Dict[str, Any]) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    # -- commands -----------------------------------------------------------------
    def start(self, msg: Dict[str, Any]) -> Dict[str, Any]:
        warning = _cap_memory(msg.get("memory_limit_mb"))
        if warning:
            print(f"whestbench worker: {warning}", file=sys.stderr)
        if msg.get("cost_model"):
            flops.configure(cost_model=msg["cost_model"])
        self.wall_time_limit_s = msg.get("wall_time_limit_s")
        # before any participant code runs: flopscope's functions, the thread list and gate, SIGINT
        self.guard = IntegrityGuard(strict_threads=True, audit=True, cost_model=current_cost_model())
        self.interrupts = InterruptWatch()
        with self.interrupts, self.guard.estimator_code():
            try:
                cls = load_estimator_class(Entrypoint(**msg["entrypoint"]))
                estimator = instantiate(cls)
            except EstimatorLoadError as exc:
                return {"status": "error", "stage": "load", "code": exc.code, "message": exc.message,
                        "details": {"hint": exc.hint} if exc.hint else None, "traceback": exc.traceback_text}
            try:
                estimator.setup(SetupContext(**msg["context"]))
            except BaseException as exc:  # noqa: BLE001
                return {"status": "error", "stage": "setup", "code": "SETUP_ERROR",
                        "message": f"setup() raised {describe_exception(exc)}",
                        "traceback": format_current_exception(exc)}
        self.estimator = estimator
        return {"status": "ok", "class_name": cls.__name__}

    def predict(self, msg: Dict[str, Any]) -> Dict[str, Any]:
        if self.estimator is None or self.guard is None:
            return {"status": "error", "error_code": "RUNNER_NOT_STARTED", "message": "start was not sent"}
        spec = msg["mlp"]
        weights = np.load(spec["weights_path"])
        mlp = MLP(width=int(spec["width"]), depth=int(spec["depth"]),
                  weights=[as_counted(w) for w in weights], seed=int(spec.get("seed", 0)))
        outcome = metered_predict(self.estimator, mlp, int(msg["budget"]), wall_time_limit_s=self.wall_time_limit_s,
                                  guard=self.guard, watchdog=lambda: _alarm(self.wall_time_limit_s),
                                  interrupts=self.interrupts)
        return outcome.to_json()

    def close(self) -> None:
        if self.estimator is not None:
            with contextlib.redirect_stdout(sys.stderr):
                try:
                    self.estimator.teardown()
                except BaseException as exc:  # noqa: BLE001
                    print(format_current_exception(exc), file=sys.stderr)


def _cap_memory(limit_mb) -> Optional[str]:
    if not limit_mb:
        return None
    try:
        import resource

        cap = int(limit_mb) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError) as exc:
        return f"could not cap the address space at {limit_mb} MB ({exc}); running without a memory cap"
    return None


_ALARM = {"started": 0.0, "limit_s": 0.0}  # the predict the watchdog is timing


def _on_alarm(signum, frame):
    raise TimeExhaustedError("predict (whestbench wall-clock watchdog)",
                             elapsed_s=time.monotonic() - _ALARM["started"], limit_s=_ALARM["limit_s"])


# The grader's own handler: flopscope does not book long counted calls as residual for it.
_core._trust_signal_handler(_on_alarm)


@contextlib.contextmanager
def _alarm(limit_s: Optional[float]):
    """Ends a predict that outlives the wall limit while running Python (sleeping, looping).
    Flopscope checks the limit only at counted calls; a single long native call still
    runs to its end and is then caught by the host's transport timeout."""
    if not limit_s:
        yield
        return
    _ALARM.update(started=time.monotonic(), limit_s=float(limit_s))
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(limit_s), 0.5)  # repeats, in case the estimator swallows one
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def main() -> int:
    # Private protocol channels; fd 0/1 then point elsewhere so estimator I/O cannot touch them.
    proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    worker = Worker(proto_out)
    worker.send({"status": "ready", "pid": os.getpid()})
    for line in proto_in:
        try:
            msg = json.loads(line)
            cmd = msg.get("cmd")
        except (ValueError, AttributeError):
            worker.send({"status": "protocol_error", "message": f"not a JSON object: {line[:80]!r}"})
            continue
        if cmd == "start":
            worker.send(worker.start(msg))
        elif cmd == "predict":
            try:
                reply = worker.predict(msg)
            except BaseException as exc:  # noqa: BLE001 - e.g. the MLP does not fit under the memory cap
                reply = {"status": "error", "error_code": "PREDICT_ERROR",
                         "message": f"the worker could not run predict: {describe_exception(exc)}",
                         "traceback": format_current_exception(exc), "restart_worker": True}
            worker.send(reply)
            if reply.get("restart_worker"):
                os._exit(3)  # threads or meter state left behind: this process must not be reused
        elif cmd == "close":
            worker.send({"status": "ok"})
            worker.close()
            return 0
        else:
            worker.send({"status": "protocol_error", "message": f"unknown command {cmd!r}"})
    worker.close()  # the host went away
    return 0


if __name__ == "__main__":
    sys.exit(main())
