"""Runners: where an estimator's setup() and predict() run (spec 3.3-3.4)."""

from whestbench.runners.base import PredictOutcome, ResourceLimits, Runner, RunnerError
from whestbench.runners.local import InProcessRunner, LocalRunner
from whestbench.runners.sandbox_runner import SandboxRunner
from whestbench.runners.subprocess_runner import ServerRunner, SubprocessRunner

RUNNER_NAMES = ("local", "subprocess", "server", "inprocess", "sandbox")


def make_runner(name: str) -> Runner:
    """`local` / `inprocess`: in this process; `subprocess` / `server`: in a worker process;
    `sandbox`: in a bubblewrap sandbox without NumPy, every operation run by a server process."""
    if name in ("local", "inprocess"):
        return LocalRunner()
    if name in ("subprocess", "server"):
        return SubprocessRunner()
    if name == "sandbox":
        return SandboxRunner()
    raise ValueError(f"unknown runner {name!r}; choose one of {', '.join(RUNNER_NAMES)}")


__all__ = ["InProcessRunner", "LocalRunner", "PredictOutcome", "RUNNER_NAMES", "ResourceLimits", "Runner",
           "RunnerError", "SandboxRunner", "ServerRunner", "SubprocessRunner", "make_runner"]
