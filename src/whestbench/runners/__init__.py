"""Runners: where an estimator's setup() and predict() run (spec 3.3-3.4)."""

from whestbench.runners.base import PredictOutcome, ResourceLimits, Runner, RunnerError
from whestbench.runners.local import InProcessRunner, LocalRunner
from whestbench.runners.subprocess_runner import ServerRunner, SubprocessRunner

RUNNER_NAMES = ("local", "subprocess", "server", "inprocess")


def make_runner(name: str) -> Runner:
    """`local` / `inprocess`: in this process; `subprocess` / `server`: in a worker process."""
    if name in ("local", "inprocess"):
        return LocalRunner()
    if name in ("subprocess", "server"):
        return SubprocessRunner()
    raise ValueError(f"unknown runner {name!r}; choose one of {', '.join(RUNNER_NAMES)}")


__all__ = ["InProcessRunner", "LocalRunner", "PredictOutcome", "RUNNER_NAMES", "ResourceLimits", "Runner",
           "RunnerError", "ServerRunner", "SubprocessRunner", "make_runner"]
