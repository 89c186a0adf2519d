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


# Names flopscope refuses on purpose (spec section 1.4), with the reason.
BLOCKED = {
    **dict.fromkeys(["array2string", "array_repr", "array_str", "base_repr", "binary_repr",
                     "format_float_positional", "format_float_scientific"],
                    "It formats arrays as text: not a numerical operation."),
    **dict.fromkeys(["busday_count", "busday_offset", "datetime_as_string", "datetime_data", "is_busday", "isnat"],
                    "Dates and times are not numeric data flopscope counts."),
    **dict.fromkeys(["fromfile", "fromregex", "fromstring", "genfromtxt"],
                    "It parses text or files with Python-level code that cannot be counted; "
                    "use flopscope.numpy.load / loadtxt."),
    "frompyfunc": "It runs Python code per element, which flopscope cannot count.",
    "vectorize": "It runs Python code per element, which flopscope cannot count.",
    "asmatrix": "numpy.matrix is not supported; use 2-d arrays.",
    "bmat": "numpy.matrix is not supported; use flopscope.numpy.block.",
    "info": "It prints documentation: not a numerical operation.",
    "test": "It runs NumPy's own test suite: not a numerical operation.",
    "nested_iters": "NumPy iterator internals are not supported.",
    **dict.fromkeys(["getbufsize", "setbufsize", "geterr", "seterr", "geterrcall", "seterrcall",
                     "get_include", "show_config", "show_runtime"],
                    "NumPy configuration and build information: use numpy directly."),
}

# Names NumPy 2.0 removed: (version, what to use instead). Raised as
# UnsupportedFunctionError, as for any name of another NumPy version.
REMOVED = {
    "alltrue": ("2.0", "all"), "sometrue": ("2.0", "any"), "product": ("2.0", "prod"),
    "cumproduct": ("2.0", "cumprod"), "round_": ("2.0", "round"), "asfarray": ("2.0", "asarray(x, dtype=float)"),
    "msort": ("2.0", "sort(a, axis=0)"), "trapz": ("2.0", "trapezoid"), "row_stack": ("2.0", "vstack"),
    "in1d": ("2.0", "isin"), "NaN": ("2.0", "nan"), "Inf": ("2.0", "inf"), "Infinity": ("2.0", "inf"),
    "PINF": ("2.0", "inf"), "NINF": ("2.0", "-inf"), "float_": ("2.0", "float64"), "complex_": ("2.0", "complex128"),
    "find_common_type": ("2.0", "result_type"), "cast": ("2.0", "asarray(x, dtype=...)"),
}


def missing(module: str, numpy_module: Any, name: str) -> Exception:
    """The error for a name flopscope's `module` does not provide."""
    if module == "flopscope.numpy" and name in BLOCKED:
        return AttributeError(f"flopscope.numpy does not support {name!r} (blocked). {BLOCKED[name]}")
    if module == "flopscope.numpy" and name in REMOVED and not hasattr(numpy_module, name):
        from ..errors import UnsupportedFunctionError

        version, instead = REMOVED[name]
        return UnsupportedFunctionError(
            f"numpy.{name} was removed in numpy {version}; use flopscope.numpy.{instead} instead "
            f"(you have numpy {_np.__version__}).")
    hint = (" NumPy has it, but flopscope does not count it, so it is not exported (no uncounted "
            "fall-through). Convert explicitly with numpy.asarray(x) if you accept that the work is not counted."
            if hasattr(numpy_module, name) else "")
    return AttributeError(f"{module} does not provide {name!r}.{hint}")
