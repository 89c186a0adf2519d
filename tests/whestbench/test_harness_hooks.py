"""The harness's own signal handlers (the Ctrl-C watch of the local runner, the worker's and the
sandbox server's wall-clock watchdogs) are not taken for a participant's hook: with them installed,
flopscope would book every counted call longer than 50 us as residual time, and an honest
estimator would fail the residual limit (cpp/bindings/hooks.hpp)."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import BEHAVIOURS

TINY = ["--width", "8", "--depth", "2", "--n-mlps", "1", "--n-samples", "500", "--seed", "3"]


@pytest.mark.parametrize("runner", ["local", "subprocess"])
def test_no_hook_is_seen_inside_predict_under_the_harness(runner):
    # SIGINT at its default, as from a terminal: the local runner installs its Ctrl-C watch then.
    cmd = [sys.executable, "-m", "whestbench", "run", "--format", "json", "--runner", runner, "--estimator",
           BEHAVIOURS, "--class", "ReportsHooksArmed", "--wall-time-limit", "30", *TINY]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    rep = json.loads(r.stdout)
    mlp = rep["results"]["per_mlp"][0]
    assert "error_code" not in mlp, mlp.get("failure_message")


def test_the_sandbox_servers_watchdog_is_not_a_hook():
    code = textwrap.dedent("""
        import signal
        from flopscope import _core
        import whestbench.sandbox.server as server
        signal.signal(signal.SIGALRM, server._on_alarm)
        print(_core._python_hooks_armed())
        signal.signal(signal.SIGALRM, lambda *a: None)  # any other handler still counts
        print(_core._python_hooks_armed())
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True"]


def test_trusted_handlers_cannot_be_added_once_estimator_code_may_run(tmp_path):
    est = tmp_path / "est.py"
    est.write_text("from whestbench import BaseEstimator\nclass E(BaseEstimator):\n    pass\n")
    code = textwrap.dedent(f"""
        import signal
        from flopscope import _core
        from whestbench.loading import load_module
        load_module({str(est)!r})
        def mine(signum, frame):
            pass
        print(_core._trust_signal_handler(mine))
        signal.signal(signal.SIGUSR1, mine)
        print(_core._python_hooks_armed())
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True"]
