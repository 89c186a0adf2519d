"""The sandbox runner: the estimator runs in a bubblewrap sandbox with no NumPy and no meter.

Three processes: this one (the host: dataset, ground truth, scoring), the server
(`python -m whestbench.sandbox.server`: arrays, weights, meter, profile) and the sandbox the
server starts (the participant's interpreter, a numpy-free client). Host and server talk on a
socketpair of their own; the sandbox only ever sees its channel to the server. A server or
sandbox that crashes, hangs or breaks the protocol fails the current MLP; the next MLP gets a
fresh server and sandbox (which run setup() again). It never runs unsandboxed.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
from typing import Any, Dict, Optional

import numpy as np

from whestbench.loading import Entrypoint
from whestbench.mlp import MLP
from whestbench.runners.base import (ERROR, PredictOutcome, ResourceLimits, Runner, RunnerError, checked_reply,
                                     child_env, restart_failed)
from whestbench.sandbox import weights as WT
from whestbench.sandbox import wire as W
from whestbench.sandbox.launch import SUBMISSION_MOUNT, SandboxUnavailable, bwrap_path, stderr_fd

SERVER_START_S = 120.0  # importing numpy and flopscope in the server, starting bwrap
CLOSE_TIMEOUT_S = 3.0


class _Server:
    def __init__(self, env: Dict[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.weights, weights_theirs = WT.channel()
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "whestbench.sandbox.server", str(theirs.fileno()),
                                          str(weights_theirs.fileno())],
                                         stdin=subprocess.DEVNULL, stdout=stderr_fd(), env=env,
                                         pass_fds=[theirs.fileno(), weights_theirs.fileno()], start_new_session=True)
        except BaseException:
            ours.close()
            self.weights.close()
            raise
        finally:
            theirs.close()
            weights_theirs.close()
        self.sock = ours
        self.chan = W.Channel(ours)
        self.dec = W.Decoder()

    def call(self, message, timeout: float):
        self.sock.settimeout(timeout)
        self.chan.send(message)
        return self.dec.decode(self.chan.recv())

    def describe_exit(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the sandbox server is still running"
        if code < 0:
            return f"the sandbox server was killed by signal {-code}"
        return f"the sandbox server exited with code {code}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the server and the bwrap/sandbox it started
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for sock in (self.sock, self.weights):
            try:
                sock.close()
            except OSError:
                pass


class SandboxRunner(Runner):
    name = "sandbox"
    enforces_wall_time_limit = True  # the server's meter and its watchdog apply it

    def __init__(self, submission_dir: Optional[str] = None, pin_cpu: bool = True) -> None:
        """`submission_dir`: the folder mounted read-only at /submission (default: the estimator file's).
        `pin_cpu`: run the server's request loop and the sandbox on one CPU (see launch.pin_to_cpu)."""
        super().__init__()
        self.submission_dir = submission_dir
        self.pin_cpu = pin_cpu
        self._server: Optional[_Server] = None
        self._cfg: Optional[Dict[str, Any]] = None
        self._limits = ResourceLimits()
        self.server_starts = 0

    def start(self, entrypoint: Entrypoint, context, limits: ResourceLimits) -> None:
        try:
            bwrap_path()
        except SandboxUnavailable as exc:
            raise RunnerError("setup", "SANDBOX_UNAVAILABLE", str(exc)) from None
        self._limits = limits
        submission = os.path.abspath(self.submission_dir or os.path.dirname(os.path.abspath(entrypoint.file_path)))
        estimator = os.path.abspath(entrypoint.file_path)
        if os.path.dirname(estimator) != submission:
            raise RunnerError("setup", "CONFIG_ERROR", f"the estimator {estimator} is not directly inside the "
                                                       f"submission folder {submission}")
        # What the sandbox is told: no run seed (it would rebuild the MLPs and the ground truth), and
        # the paths as it sees them.
        ctx = dataclasses.replace(context, seed=0, submission_dir=SUBMISSION_MOUNT, scratch_dir="/tmp")
        self._cfg = {"entrypoint": dataclasses.asdict(entrypoint), "context": dataclasses.asdict(ctx),
                     "submission_dir": submission, "client_dir": W.client_root(),
                     "wall_time_limit_s": limits.wall_time_limit_s, "memory_limit_mb": limits.memory_limit_mb,
                     "setup_timeout_s": limits.setup_timeout_s, "cost_model": limits.cost_model,
                     "pin_cpu": bool(self.pin_cpu)}
        self._spawn()

    def _spawn(self) -> None:
        server = _Server(child_env(self._limits))
        self.server_starts += 1
        try:
            try:
                reply = server.call(("start", self._cfg), SERVER_START_S + float(self._limits.setup_timeout_s))
            except (socket.timeout, EOFError, OSError, W.WireError) as exc:
                raise RunnerError("setup", "SANDBOX_SERVER_FAILED",
                                  f"the sandbox server did not start: {server.describe_exit()} ({exc})")
            if not isinstance(reply, dict) or reply.get("status") != "ok":
                reply = reply if isinstance(reply, dict) else {}
                raise RunnerError(reply.get("stage", "setup"), reply.get("code", "SETUP_ERROR"),
                                  reply.get("message", "setup failed"), reply.get("details"), reply.get("traceback"))
        except RunnerError:
            server.kill()
            raise
        self.estimator_class_name = reply.get("class_name")
        self._server = server

    def predict(self, mlp: MLP, budget: int) -> PredictOutcome:
        if self._cfg is None:
            return PredictOutcome(ERROR, error_code="RUNNER_NOT_STARTED", message="the runner was not started")
        if self._server is None:
            try:
                self._spawn()
            except RunnerError as exc:
                return restart_failed(exc, "sandbox")
        server = self._server
        spec = {"width": int(mlp.width), "depth": int(mlp.depth), "seed": int(mlp.seed), "name": str(mlp.name),
                "budget": int(budget)}
        timeout = self._limits.transport_timeout_s()
        try:
            WT.send(server.weights, mlp.weights)  # before the request: the server takes it on "predict"
            reply = server.call(("predict", spec), timeout)
        except socket.timeout:
            return self._dead("PREDICT_TIMEOUT", f"no reply from the sandbox server within {timeout:g}s; "
                                                 "it was killed")
        except (EOFError, OSError) as exc:
            return self._dead("SANDBOX_SERVER_CRASHED", f"the sandbox server died during predict: "
                                                        f"{server.describe_exit()} ({exc})")
        except W.WireError as exc:
            return self._dead("WORKER_PROTOCOL_ERROR", f"the sandbox server's reply is malformed: {exc}")
        try:
            data, raw = reply
            outcome = PredictOutcome.from_json(data)
            if raw is not None:
                outcome.predictions = np.frombuffer(raw, dtype=np.float32).reshape(mlp.depth, mlp.width).copy()
            outcome = checked_reply(outcome, (mlp.depth, mlp.width))
        except (TypeError, ValueError) as exc:
            return self._dead("WORKER_PROTOCOL_ERROR", f"the sandbox server's reply is malformed: {exc}")
        if outcome.restart_worker:
            server.kill()
            self._server = None
        return outcome

    def _dead(self, code: str, message: str) -> PredictOutcome:
        if self._server is not None:
            self._server.kill()
        self._server = None
        return PredictOutcome(ERROR, error_code=code, message=message, traceback=f"{code}: {message}")

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            try:
                server.call(("close",), CLOSE_TIMEOUT_S)
            except (socket.timeout, EOFError, OSError, W.WireError):
                pass
            server.kill()
