"""docs/op-reference.md is generated from the op table and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import flopscope.numpy as fnp
from flopscope import _core

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_op_reference.py"


def test_op_reference_page_is_current():
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_table_row_with_a_formula_is_documented():
    for row in _core.op_rows():
        if row["rule"] not in {"free", "pointwise", "reduction", "deviation", "contraction", "sort",
                               "partition", "search", "external"}:
            assert row["formula"], row["name"]


def test_methods_come_from_the_table():
    rows = {r["name"]: r for r in _core.op_rows()}
    methods = {n for n, r in rows.items() if r["method"]}
    assert {"sum", "mean", "sort", "argsort", "clip", "round", "searchsorted"} <= methods
    for name in methods:
        assert type(getattr(fnp.ndarray, name)).__name__ == "array_method", name
