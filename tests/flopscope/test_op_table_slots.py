"""Every op-table row names NumPy's parameters, in NumPy's order: a call is read
once into the core's Signature by these slots (cpp/bindings/call_frame.cpp), so
a slot out of place would read the wrong argument and price the call wrongly.
Checked against inspect.signature of the NumPy function of the same name."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from flopscope import _core

# Rows whose slots differ from NumPy's Python signature on purpose.
DELIBERATE = {
    # NumPy spells einsum(*operands, out=, optimize=, **kwargs); the subscripts are
    # read apart and dtype/order/casting are the kwargs it hands to c_einsum.
    "einsum": ["subscripts", "operands", "out", "dtype", "order", "casting", "optimize"],
    # flopscope's own implementations (bound at import) with upstream's extra parameters.
    "linalg.svd": ["a", "full_matrices", "compute_uv", "hermitian", "k"],
    "linalg.svdvals": ["x", "k"],
    "linalg.cross": ["x1", "x2", "_axisa", "_axisb", "_axisc", "axis"],
    # piecewise's funclist is priced by its length (nfuncs, filled from the call).
    "piecewise": ["x", "condlist", "nfuncs"],
    # pad's statistics arguments come through NumPy's **kwargs.
    "pad": ["array", "pad_width", "mode", "stat_length", "reflect_type"],
}
MARKS = ("&*", "&+", "#+", "&", "#", "%", "@")


def slot_names(row):
    names = []
    for s in row["slots"]:
        keyword_only = s.startswith("*")
        s = s[1:] if keyword_only else s
        for mark in MARKS:
            if s.startswith(mark):
                s = s[len(mark):]
                break
        names.append((s, keyword_only))
    return names


def numpy_function(name):
    obj = np
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def rows_with_numpy_signature():
    out = []
    for row in _core.op_rows():
        fn = numpy_function(row["name"]) if row["slots"] else None
        if fn is None:
            continue
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        out.append((row, sig))
    return out


ROWS = rows_with_numpy_signature()


def test_the_check_covers_the_table():
    assert len(ROWS) > 150  # 185 rows with a NumPy function today


@pytest.mark.parametrize("row,sig", ROWS, ids=[r["name"] for r, _ in ROWS])
def test_slots_are_numpys_parameters_in_order(row, sig):
    ours = slot_names(row)
    if row["name"] in DELIBERATE:
        assert [n for n, _ in ours] == DELIBERATE[row["name"]]
        return
    theirs = [(p.name, p.kind == p.KEYWORD_ONLY) for p in sig.parameters.values()
              if p.kind is not p.VAR_KEYWORD]
    assert ours == theirs[:len(ours)], f"{row['name']}: slots {ours} vs NumPy {theirs}"
