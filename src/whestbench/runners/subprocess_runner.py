"""The subprocess runner (spec 3.4): the estimator runs in a worker process.

The worker applies the FLOP budget, the wall-time limit (flopscope's check plus
an alarm), an address-space cap (RLIMIT_AS) and the integrity checks. The host
only moves messages, with timeouts: a worker that crashes, hangs or runs out of
memory fails the current MLP, and the next MLP gets a fresh worker (which runs
setup() again).
"""

from __future__ import annotations

import collections
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from typing import Any, Deque, Dict, Optional

import numpy as np

from whestbench.loading import Entrypoint
from whestbench.mlp import MLP
from whestbench.runners.base import (ERROR, PredictOutcome, ResourceLimits, Runner, RunnerError, checked_reply,
                                     child_env, restart_failed)

#: Codes after which the worker is gone and the next predict starts a new one.
DEAD_WORKER_CODES = {"WORKER_EOF", "WORKER_BROKEN_PIPE", "WORKER_IO_ERROR", "PREDICT_TIMEOUT",
                     "WORKER_PROTOCOL_ERROR"}
READY_TIMEOUT_S = 120.0  # importing numpy and flopscope, not participant code
CLOSE_TIMEOUT_S = 0.5
STDERR_LINES = 200


class _Timeout(Exception):
    pass


class _Eof(Exception):
    pass


class _Worker:
    """One worker process and its pipes."""

    def __init__(self, env: Dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "whestbench.runners.worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, bufsize=0, start_new_session=True)
        self.stderr: Deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._buffer = b""
        self._drain = threading.Thread(target=self._drain_stderr, name="whest-worker-stderr", daemon=True)
        self._drain.start()

    def _drain_stderr(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            self.stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def send(self, message: Dict[str, Any]) -> None:
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def read(self, timeout_s: float) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise _Timeout()
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise _Eof()
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def exit_description(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker closed its output but is still running"
        if code < 0:
            try:
                return f"the worker was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"the worker was killed by signal {-code}"
        return f"the worker exited with code {code}"

    def stderr_tail(self, n: int = 20) -> list:
        self._drain.join(timeout=0.5)
        return list(self.stderr)[-n:]

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the whole group: anything it spawned dies too
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class SubprocessRunner(Runner):
    name = "subprocess"
    enforces_wall_time_limit = True  # the worker's meter applies it; the host adds only a transport timeout

    def __init__(self) -> None:
        super().__init__()
        self._worker: Optional[_Worker] = None
        self._start_msg: Optional[Dict[str, Any]] = None
        self._limits = ResourceLimits()
        self._tmp = tempfile.mkdtemp(prefix="whest-worker-")
        self.worker_starts = 0

    # -- lifecycle -------------------------------------------------------------------
    def start(self, entrypoint: Entrypoint, context, limits: ResourceLimits) -> None:
        self._limits = limits
        self._start_msg = {"cmd": "start", "entrypoint": asdict(entrypoint), "context": asdict(context),
                           "wall_time_limit_s": limits.wall_time_limit_s, "memory_limit_mb": limits.memory_limit_mb,
                           "cost_model": limits.cost_model}
        self._spawn()

    def _spawn(self) -> None:
        """A new worker that has run setup(); RunnerError (stage setup) when that fails."""
        worker = _Worker(child_env(self._limits))
        self.worker_starts += 1
        try:
            try:
                ready = worker.read(READY_TIMEOUT_S)
            except (_Timeout, _Eof, ValueError):
                why = (worker.exit_description() if worker.proc.poll() is not None
                       else f"no 'ready' message within {READY_TIMEOUT_S:g}s")
                raise RunnerError("setup", "WORKER_START_FAILED", f"the worker process did not start: {why}",
                                  {"stderr_tail": worker.stderr_tail()})
            if ready.get("status") != "ready":
                raise RunnerError("setup", "SETUP_PROTOCOL_ERROR", f"unexpected first message {ready!r}")
            try:
                worker.send(self._start_msg)
                reply = worker.read(self._limits.setup_timeout_s)
            except _Timeout:
                raise RunnerError("setup", "SETUP_TIMEOUT",
                                  f"loading the estimator and setup() did not finish within "
                                  f"{self._limits.setup_timeout_s:g}s", {"setup_timeout_s": self._limits.setup_timeout_s,
                                                                         "stderr_tail": worker.stderr_tail()})
            except (_Eof, BrokenPipeError, OSError, ValueError):
                tail = worker.stderr_tail()
                last = f" (last stderr line: {tail[-1]})" if tail else ""
                raise RunnerError("setup", "SETUP_PROTOCOL_ERROR",
                                  f"the worker died during setup: {worker.exit_description()}{last}",
                                  {"stderr_tail": tail})
            if reply.get("status") != "ok":
                raise RunnerError(reply.get("stage", "setup"), reply.get("code", "SETUP_ERROR"),
                                  reply.get("message", "setup failed"), reply.get("details"), reply.get("traceback"))
        except RunnerError:
            worker.kill()
            raise
        self.estimator_class_name = reply.get("class_name")
        self._worker = worker

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            try:
                worker.send({"cmd": "close"})
                worker.read(CLOSE_TIMEOUT_S)
            except (_Timeout, _Eof, OSError, ValueError):
                pass
            worker.kill()
        shutil.rmtree(self._tmp, ignore_errors=True)

    # -- predict ---------------------------------------------------------------------
    def _dead(self, code: str, message: str, worker: _Worker) -> PredictOutcome:
        tail = worker.stderr_tail()
        worker.kill()
        self._worker = None
        text = message + (f"\n--- worker stderr (last {len(tail)} lines) ---\n" + "\n".join(tail) if tail else "")
        return PredictOutcome(ERROR, error_code=code, message=message, details={"stderr_tail": tail},
                              traceback=text)

    def predict(self, mlp: MLP, budget: int) -> PredictOutcome:
        if self._start_msg is None:
            return PredictOutcome(ERROR, error_code="RUNNER_NOT_STARTED", message="the runner was not started")
        if self._worker is None:
            try:
                self._spawn()
            except RunnerError as exc:
                return restart_failed(exc, "worker")
        worker = self._worker
        path = os.path.join(self._tmp, "weights.npy")
        np.save(path, mlp.stacked_weights())
        timeout = self._limits.transport_timeout_s()
        try:
            try:
                worker.send({"cmd": "predict", "budget": int(budget),
                             "mlp": {"width": mlp.width, "depth": mlp.depth, "seed": int(mlp.seed),
                                     "weights_path": path}})
            except BrokenPipeError:
                return self._dead("WORKER_BROKEN_PIPE", "the worker's input pipe is closed: "
                                  + worker.exit_description(), worker)
            except OSError as exc:
                return self._dead("WORKER_IO_ERROR", f"writing to the worker failed: {exc}", worker)
            try:
                reply = worker.read(timeout)
            except _Timeout:
                return self._dead("PREDICT_TIMEOUT", f"no reply from predict within {timeout:g}s "
                                  "(transport timeout); the worker was killed", worker)
            except _Eof:
                return self._dead("WORKER_EOF", f"the worker died during predict: {worker.exit_description()}",
                                  worker)
            except ValueError:
                return self._dead("WORKER_PROTOCOL_ERROR", "the worker sent a reply that is not JSON", worker)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        if not isinstance(reply, dict) or "status" not in reply or reply.get("status") == "protocol_error":
            return self._dead("WORKER_PROTOCOL_ERROR", f"unexpected reply: {str(reply)[:200]}", worker)
        try:
            outcome = checked_reply(PredictOutcome.from_json(reply), (mlp.depth, mlp.width))
        except (TypeError, ValueError) as exc:  # the worker checked the output: this reply is not its
            return self._dead("WORKER_PROTOCOL_ERROR", f"the worker's reply is malformed: {exc}", worker)
        if outcome.restart_worker:
            worker.kill()
            self._worker = None
        return outcome


ServerRunner = SubprocessRunner
