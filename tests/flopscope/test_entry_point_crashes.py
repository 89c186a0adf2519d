"""Reproducers of interpreter crashes at flopscope's C entry points: each must end in a clean exception
(each runs in its own interpreter, so a regression shows as a failed test, not a dead pytest)."""

import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import numpy as np, flopscope as flops, flopscope.numpy as fnp
x = fnp.ones(3)
LST = []
class I64(np.int64):
    def __index__(self):
        LST.clear()
        return 1
class Empties:
    def __index__(self):
        LST.clear()
        return 1
    def __float__(self):
        LST.clear()
        return 1.0
"""

CASES = {
    "array_function_list_args": ("x.__array_function__(np.sum, (), [x], {})", "TypeError"),
    "array_function_int_args": ("x.__array_function__(np.sum, (), 5, {})", "TypeError"),
    "array_function_list_kwargs": ("x.__array_function__(np.sum, (), (x,), [])", "TypeError"),
    "array_function_int_types": ("x.__array_function__(np.sum, 1, (x,), {})", "TypeError"),
    "array_function_passthrough_bad": ("x.__array_function__(np.shape, (), [x], 3)", "TypeError"),
    "array_ufunc_not_a_ufunc": ("""
class F:
    signature = None; types = ['dd->d']; __name__ = 5; nin = 1; nout = 1
    def __hash__(self): return 1
x.__array_ufunc__(F(), '__call__', x)""", "TypeError"),
    "array_ufunc_method_not_str": ("x.__array_ufunc__(np.add, 5, x, x)", "TypeError"),
    "frompyfunc_name_surrogate": ("""
def f(a): return a
f.__name__ = '\\ud800'
np.frompyfunc(f, 1, 1)(x)""", "UnsupportedDtypeError"),
    "dtype_name_surrogate": ("fnp.add(np.zeros(2, dtype=[('\\ud800', 'f8')]), 1)", "UnsupportedDtypeError"),
    "einsum_subscripts_surrogate": ("fnp.einsum('\\ud800', x)", "UnicodeEncodeError"),
    "einsum_optimize_surrogate": ("fnp.einsum('i->', x, optimize='\\ud800')", "UnicodeEncodeError"),
    "einsum_path_cost_optimize_surrogate": (
        "flops._core.einsum_path_cost('i,i->', [[3], [3]], '\\ud800')", "UnicodeEncodeError"),
    "einsum_path_cost_shapes_emptied": (
        "LST[:] = [[Empties(), 1]] * 20 + [Empties()] * 20; flops._core.einsum_path_cost('i,i->', LST, LST)",
        "TypeError"),
    "pad_int64_subclass_empties_list": ("LST[:] = [I64(1), I64(1)] * 50; fnp.pad(x, LST)", "ValueError"),
    "reshape_int64_subclass_empties_list": ("LST[:] = [I64(1)] + [3] * 30; fnp.reshape(x, LST)", "ValueError"),
    "getitem_list_emptied": ("LST[:] = [Empties()] * 40; x[LST]", "IndexError"),
    "setitem_list_emptied": ("LST[:] = [Empties()] * 40; x[LST] = 1.0", "IndexError"),
    "resize_list_emptied": ("LST[:] = [Empties()] * 40; x.resize(LST, refcheck=False)", None),
    "special_list_emptied": ("LST[:] = [Empties()] * 40; flops._core.special_erfc(LST)", None),
    "set_error_types_junk": ("flops._core._set_error_types(1, 2, 3)", "TypeError"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_c_entry_point_refuses_junk_without_crashing(name):
    code, expected = CASES[name]
    src = PRELUDE + textwrap.dedent(code) + "\nprint('NO ERROR')"
    r = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, timeout=60)
    assert r.returncode >= 0, f"{name}: interpreter killed by signal {-r.returncode}"
    if expected is None:
        assert r.returncode == 0 or "Traceback" in r.stderr, r.stderr[-1000:]
    else:
        assert r.returncode == 1 and expected in r.stderr.strip().splitlines()[-1], r.stdout + r.stderr[-1000:]
