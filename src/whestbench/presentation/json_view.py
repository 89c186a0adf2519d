"""JSON output: the report (or the error payload) on stdout, nothing else there."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Dict, Optional


class JsonView:
    def __init__(self, out=None, **_ignored) -> None:
        self.out = out or sys.stdout

    def header(self, config: Dict, host: Dict, estimator: Optional[str]) -> None:
        pass

    @contextlib.contextmanager
    def progress(self, description: str, total: int, unit: str = "MLP"):
        yield lambda *a, **k: None

    def note(self, text: str) -> None:
        pass

    def emit(self, obj: Dict) -> None:
        self.out.write(json.dumps(obj, indent=2, default=_default) + "\n")
        self.out.flush()

    report = emit
    error = emit


def _default(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
