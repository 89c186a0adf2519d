"""Module namespaces derived from the core's op table (never listed by hand).

An op named "linalg.solve" in the table is exported as flopscope.numpy.linalg.solve;
the names of a namespace that NumPy has but flopscope does not count raise
AttributeError saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import _core


def counted(prefix: str) -> dict[str, Any]:
    """{short name: counted object} of the table's ops named `prefix` + name (no further dots)."""
    out = {}
    for name, obj in _core.exported.items():
        if name.startswith(prefix):
            short = name[len(prefix):]
            if short and "." not in short and not short.startswith("_"):
                out[short] = obj
    return out


def missing(module: str, numpy_module: Any, name: str) -> AttributeError:
    """The error for a name flopscope's `module` does not provide."""
    hint = (" NumPy has it, but flopscope does not count it, so it is not exported (no uncounted "
            "fall-through). Convert explicitly with numpy.asarray(x) if you accept that the work is not counted."
            if hasattr(numpy_module, name) else "")
    return AttributeError(f"{module} does not provide {name!r}.{hint}")
