"""flopscope.numpy.fft: NumPy's fft, counted.

Every function is NumPy's own (results bit for bit), priced by the radix-2
Cooley-Tukey count, 5 n ceil(log2 n) per complex transform of length n and half
of it for a real signal (docs/op-reference.md lists each formula); fftshift and
ifftshift only move data and are free. The names come from the op table of the
C++ core.
"""

from __future__ import annotations

import numpy as _np

from ._surface import counted as _counted, missing as _missing

globals().update(_counted("fft."))
__all__ = sorted(_counted("fft."))


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _missing("flopscope.numpy.fft", _np.fft, name)
