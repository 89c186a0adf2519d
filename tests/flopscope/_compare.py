"""Shared checks of the side-by-side NumPy tests: results bit for bit as
flopscope arrays, and the FLOPs a call is charged."""

import numpy as np

import flopscope as flops
import flopscope.numpy as fnp


def same(got, want):
    """`got` equals NumPy's `want` bit for bit (dtype and shape too) and holds
    flopscope arrays; tuples and named tuples element by element."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        if hasattr(want, "_fields"):
            assert type(got).__name__ == type(want).__name__ and got._fields == want._fields
        for g, w in zip(got, want):
            same(g, w)
        return
    if isinstance(want, int):  # e.g. lstsq's rank is a Python int in NumPy too
        assert type(got) is type(want) and got == want
        return
    assert isinstance(got, fnp.ndarray), type(got)
    np.testing.assert_array_equal(np.asarray(got).view(np.ndarray), want, strict=True)


def charged(fn, *args, **kw):
    """(result, FLOPs charged) of fn(*args, **kw) in a fresh context."""
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        out = fn(*args, **kw)
    return out, ctx.flops_used
