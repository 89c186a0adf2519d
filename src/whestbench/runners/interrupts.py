"""Telling a real Ctrl-C from a KeyboardInterrupt the estimator raises.

While estimator code runs (import, setup, predict, teardown) the harness's own
SIGINT handler is installed: a SIGINT delivered to the process marks the watch,
then raises KeyboardInterrupt as Python's default handler does. When the
estimator's code is left, a marked watch raises KeyboardInterrupt again (even if
the estimator caught the first one) and the run stops; a KeyboardInterrupt, or
any other BaseException, raised without the mark is the estimator's own, and is
reported as its error.
"""

from __future__ import annotations

import signal
from typing import Any

from flopscope import _core


class InterruptWatch:
    """Make one before any estimator code runs (it keeps the harness's SIGINT disposition);
    `with watch:` around each stretch of estimator code.

    Inert where SIGINT is ignored (a real Ctrl-C cannot arrive) or outside the main thread
    (Python delivers signals to the main thread only, so a KeyboardInterrupt seen in another
    thread was raised by code)."""

    def __init__(self) -> None:
        self.fired = False
        self._installed = False
        try:
            self._harness: Any = signal.getsignal(signal.SIGINT)
        except ValueError:
            self._harness = None

    def _on_sigint(self, signum, frame) -> None:
        self.fired = True
        raise KeyboardInterrupt

    def __enter__(self) -> "InterruptWatch":
        self.fired = False
        if self._harness not in (None, signal.SIG_IGN):
            try:
                signal.signal(signal.SIGINT, self._on_sigint)
                self._installed = True
            except ValueError:  # not the main thread
                pass
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._installed:
            self._installed = False
            signal.signal(signal.SIGINT, self._harness)  # the harness's, whatever the estimator installed
        if self.fired:
            raise KeyboardInterrupt("interrupted (SIGINT)")
        return False


# The watch's handler is the grader's code: flopscope does not take it for a participant's hook
# (which would book every long counted call of the estimator as residual time).
_core._trust_signal_handler(InterruptWatch._on_sigint)
