"""flopscope.numpy.linalg: NumPy's linalg, counted.

Every function is NumPy's own (results bit for bit), priced by the standard
operation count of its factorisation (docs/op-reference.md lists each formula).
The names come from the op table of the C++ core.
"""

from __future__ import annotations

import numpy as _np

from ._surface import counted as _counted, missing as _missing

LinAlgError = _np.linalg.LinAlgError

globals().update(_counted("linalg."))
__all__ = sorted([*_counted("linalg."), "LinAlgError"])


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _missing("flopscope.numpy.linalg", _np.linalg, name)
