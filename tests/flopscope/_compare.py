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


def as_flopscope(x):
    """NumPy arrays (also inside a list) as flopscope arrays; anything else as it is."""
    if isinstance(x, list):
        return [as_flopscope(v) for v in x]
    return fnp.asarray(x) if isinstance(x, np.ndarray) else x


def refused(np_namespace, fnp_namespace, name, *args, **kw):
    """NumPy refuses the call; flopscope's twin raises the same type and charges nothing."""
    import pytest

    with pytest.raises(Exception) as want:
        getattr(np_namespace, name)(*args, **kw)
    with flops.BudgetContext(10**15, quiet=True) as ctx:
        with pytest.raises(type(want.value)):
            getattr(fnp_namespace, name)(*map(as_flopscope, args), **kw)
    assert ctx.flops_used == 0


def random_data(rng, shape, dtype):
    """Standard normal data of `dtype` (complex: both parts; integers: rounded, times 4)."""
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    if np.issubdtype(dtype, np.integer):
        x = np.round(x * 4)
    return x.astype(dtype)
