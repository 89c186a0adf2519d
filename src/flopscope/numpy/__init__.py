"""flopscope.numpy: the counted NumPy surface.

Every function here is either counted (priced by the C++ core before it runs)
or declared free in the core's op table; `flopscope.accounting.op_table()`
lists which. Names flopscope does not provide raise AttributeError: there is
no silent fall-through to NumPy.
"""

from __future__ import annotations

import numpy as _np

from .. import _core
from .._budget import budget_summary
from ._surface import missing as _missing

ndarray = _core.ndarray

# Counted ufuncs and functions, built by the core from NumPy's own objects.
_counted = {name: obj for name, obj in _core.exported.items() if not name.startswith("_") and "." not in name}
globals().update(_counted)
# The symmetric-tensor functions: their table rows price the core's counts; the public
# functions (flopscope.as_symmetric, ...) are these (also reachable here).
from .._symmetric import as_symmetric, is_symmetric, symmetrize  # noqa: E402,F401
# Pickle-free file I/O around NumPy's free savers and loader.
from ._io import load, save, savez, savez_compressed  # noqa: E402

# Constants and dtypes: values, not operations.
_VALUES = [
    "pi", "e", "inf", "nan", "newaxis", "euler_gamma",
    "dtype", "finfo", "iinfo", "generic", "number", "integer", "signedinteger", "unsignedinteger",
    "inexact", "floating", "complexfloating", "bool_", "bool",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "intp", "uintp",
    "float16", "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble",
]
for _name in _VALUES:
    if hasattr(_np, _name):
        globals()[_name] = getattr(_np, _name)

from . import fft, linalg, random, testing  # noqa: E402
from ._callbacks import __all__ as _callback_names  # noqa: E402
from ._callbacks import (  # noqa: E402,F401
    apply_along_axis, apply_over_axes, fromfunction, fromiter, histogramdd, piecewise,
)

__all__ = sorted({*_counted, *(_n for _n in _VALUES if hasattr(_np, _n)), *_callback_names, "ndarray",
                  "budget_summary", "fft", "linalg", "random", "testing"})


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _missing("flopscope.numpy", _np, name)
