"""The registry sweep: every public callable of flopscope.numpy, its linalg, fft
and random modules, the random generators' methods and flopscope.stats is an
op-table row (counted, or declared free there), and every counted one is called
by some test. Nothing is silently free. The test prints the number of names per
module beside upstream flopscope 0.12.4's (spec section 1.1)."""

import inspect
import pathlib
import re
import types

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope import _core

TABLE = flops.accounting.op_table()  # row name -> rule
TESTS = pathlib.Path(__file__).resolve().parents[1]
# Upstream's published counts (README "What's Supported", spec 1.1).
UPSTREAM = {"flopscope.numpy": 333, "flopscope.numpy.linalg": 31, "flopscope.numpy.fft": 18,
            "flopscope.numpy.random": 51, "flopscope.stats": 24}


def row_of(obj, module_prefix=""):
    """The op-table row a public callable runs under, or None."""
    op = getattr(obj, "__flopscope_op__", None)  # flopscope's own Python (piecewise, save, ...)
    if op is not None:
        return op
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    if hasattr(obj, "numpy_ufunc"):  # counted ufuncs are rows under NumPy's canonical name
        return obj.__name__
    for name, counted in _core.exported.items():
        if counted is obj:
            return name
    return None


def public_callables(module):
    for name in sorted(set(getattr(module, "__all__", []))):
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
            continue  # types, dtypes, exception classes, submodules and values
        if isinstance(obj, (np.dtype, type)):
            continue
        yield name, obj


def _stats_callables():
    for dist in flops.stats.__all__:
        for fn in ("pdf", "cdf", "ppf"):
            yield f"{dist}.{fn}", getattr(getattr(flops.stats, dist), fn)


def _method_callables(cls, instance):
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        attr = getattr(instance, name)
        if callable(attr) and not inspect.isclass(attr):
            yield name, attr


MODULES = {
    "flopscope.numpy": lambda: public_callables(fnp),
    "flopscope.numpy.linalg": lambda: public_callables(fnp.linalg),
    "flopscope.numpy.fft": lambda: public_callables(fnp.fft),
    "flopscope.numpy.random": lambda: public_callables(fnp.random),
    "flopscope.numpy.random.Generator": lambda: _method_callables(fnp.random.Generator, fnp.random.default_rng(0)),
    "flopscope.numpy.random.RandomState": lambda: _method_callables(fnp.random.RandomState,
                                                                    fnp.random.RandomState(0)),
    "flopscope.stats": _stats_callables,
}
# Not operations: NumPy's state management of its legacy generator, and
# Generator/RandomState bookkeeping, passed through as NumPy's own.
NOT_OPERATIONS = {
    "flopscope.numpy.random": {"seed", "get_state", "set_state", "default_rng"},
    "flopscope.numpy.random.Generator": {"spawn"},
    "flopscope.numpy.random.RandomState": {"seed", "get_state", "set_state"},
    "flopscope.numpy": {"budget_summary"},
}


def _all_test_text():
    return "\n".join(p.read_text() for p in TESTS.rglob("test_*.py"))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_public_callable_is_an_op_table_row(module):
    unknown = []
    for name, obj in MODULES[module]():
        if name in NOT_OPERATIONS.get(module, set()):
            continue
        row = row_of(obj)
        if row is None or row not in TABLE:
            unknown.append(name)
    assert not unknown, f"{module}: not in the op table (silently free?): {unknown}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_counted_callable_is_called_by_a_test(module):
    from test_surface import UFUNC_NAMES  # every ufunc runs through its parametrized tests

    text = _all_test_text()
    untested = []
    for name, obj in MODULES[module]():
        row = row_of(obj)
        if row is None or TABLE.get(row) == "free" or (hasattr(obj, "numpy_ufunc") and name in UFUNC_NAMES):
            continue
        leaf = name.split(".")[-1]
        if not re.search(rf"[.\"']{re.escape(leaf)}\b", text):
            untested.append(name)
    assert not untested, f"{module}: counted but never called by a test: {untested}"


def test_name_counts_per_module_beside_upstream(capsys):
    counts = {}
    for module, names in MODULES.items():
        rows = [TABLE.get(row_of(obj)) for name, obj in names() if name not in NOT_OPERATIONS.get(module, set())]
        counts[module] = (len(rows), sum(r != "free" for r in rows))
    with capsys.disabled():
        print("\nnames per module (ours: all / counted, non-free; upstream 0.12.4 supported):")
        for module, (n, counted) in counts.items():
            print(f"  {module:40s} {n:4d} / {counted:4d}   upstream {UPSTREAM.get(module, '-')}")
    assert counts["flopscope.numpy.linalg"][0] >= 31 and counts["flopscope.numpy.fft"][0] == 18
    assert counts["flopscope.stats"] == (24, 24)
