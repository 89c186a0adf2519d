"""NumPy's helpers that call the user's Python: apply_along_axis, apply_over_axes,
fromfunction, fromiter.

They are written here in Python, not as counted calls wrapping NumPy's function:
the user's callback runs outside any counted call, so the flopscope functions it
calls are charged once, normally, and its plain Python is never booked as
flopscope work. Assembling the output (slicing the input, placing each result)
is copying, with no arithmetic: free. The results are NumPy's own, value for
value (the same algorithm NumPy's helpers follow).
"""

from __future__ import annotations

import numpy as _np

from .. import _core

__all__ = ["apply_along_axis", "apply_over_axes", "fromfunction", "fromiter"]


def _wrap(x):
    # Free: views a NumPy array as a flopscope array (the core's free asarray).
    return _core.exported["asarray"](x)


def _plain(x):
    return _np.asanyarray(x).view(_np.ndarray) if isinstance(x, _np.ndarray) else _np.asanyarray(x)


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """NumPy's apply_along_axis; func1d gets flopscope 1-d slices. Assembly is free."""
    arr = _plain(arr)
    axis = _np.lib.array_utils.normalize_axis_index(axis, arr.ndim)
    moved = _np.moveaxis(arr, axis, -1)
    outer = moved.shape[:-1]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    indices = iter(_np.ndindex(outer))
    first = next(indices)
    res = _plain(func1d(_wrap(moved[first]), *args, **kwargs))
    buff = _np.empty(outer + res.shape, res.dtype)
    buff[first] = res
    for ind in indices:
        buff[ind] = _plain(func1d(_wrap(moved[ind]), *args, **kwargs))
    n_outer, n_res = len(outer), res.ndim
    perm = [*range(axis), *range(n_outer, n_outer + n_res), *range(axis, n_outer)]
    return _wrap(buff.transpose(perm))


def apply_over_axes(func, a, axes):
    """NumPy's apply_over_axes; func gets flopscope arrays. Reshaping is free."""
    val = _wrap(a)
    n = val.ndim
    axes = _plain(axes)  # plain values: comparing the axes is NumPy's bookkeeping, never charged
    if axes.ndim == 0:
        axes = (axes,)
    for axis in axes:
        if axis < 0:
            axis = n + axis
        res = func(val, axis)
        if _np.ndim(res) != val.ndim:
            res = _core.exported["expand_dims"](res, axis)
            if _np.ndim(res) != val.ndim:
                raise ValueError("function is not returning an array of the correct shape")
        val = res
    return val


def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    """NumPy's fromfunction: function(*indices(shape)); the index grid is free."""
    if like is not None:
        raise TypeError("fromfunction: like= is not supported by flopscope")
    return function(*_core.exported["indices"](shape, dtype=dtype), **kwargs)


def fromiter(iter, dtype, count=-1, *, like=None):  # noqa: A002 (NumPy's name)
    """NumPy's fromiter, run as a plain call (not counted): the iterable's own work is
    the user's; filling the array is copying, free."""
    if like is not None:
        raise TypeError("fromiter: like= is not supported by flopscope")
    return _wrap(_np.fromiter(iter, dtype, count))
