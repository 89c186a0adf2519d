"""NumPy's helpers that call the user's Python: apply_along_axis, apply_over_axes,
fromfunction, fromiter, piecewise; and histogramdd, whose sample argument
NumPy reads in a way a plain conversion would change.

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

__all__ = ["apply_along_axis", "apply_over_axes", "fromfunction", "fromiter", "piecewise", "histogramdd"]


def _wrap(x):
    # Free under every profile: flopscope's own conversion of an input (refuses
    # what counted calls refuse); upstream converts these with np.asarray, unbilled.
    return _core.wrap(x)


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


def piecewise(x, condlist, funclist, *args, **kw):
    """NumPy's piecewise. Testing the elements against the conditions is charged
    (numel(x) per condition, the implicit "otherwise" included); each function
    gets the flopscope array x[cond] and runs outside any counted call, so what
    it computes is charged once, by its own calls."""
    x = _wrap(x)
    n2 = len(funclist)
    if _np.isscalar(condlist) or (not isinstance(condlist[0], (list, _np.ndarray)) and x.ndim != 0):
        condlist = [condlist]
    stacked = _np.asarray(_plain_list(condlist), dtype=bool)
    plain_x = _plain(x)
    _check_piecewise(plain_x, stacked, funclist)  # what NumPy would refuse, refused before the charge
    conds = _core.exported["piecewise"](x, stacked, n2)
    y = _np.zeros_like(plain_x)
    for cond, func in zip(_plain(conds), funclist):
        if not callable(func):
            y[cond] = func
        else:
            vals = plain_x[cond]
            if vals.size > 0:
                y[cond] = _plain(func(_wrap(vals), *args, **kw))
    return _wrap(y)


def _check_piecewise(x, conds, funclist):
    # NumPy fails these only inside its loop; checked first so that a refused
    # call is never charged: every condition must index x, and every constant
    # must convert to x's dtype and fit the elements it fills.
    if conds.ndim == 0 or conds.shape[1:] != x.shape:
        raise IndexError(f"piecewise: each condition must have the shape of x {x.shape}, got "
                         f"{conds.shape[1:] if conds.ndim else ()}")
    for i, func in enumerate(funclist):
        if callable(func):
            continue
        value = _np.asarray(func).astype(x.dtype)
        if value.size != 1:  # an array of values: one per element its condition selects
            selected = conds[i] if i < len(conds) else ~_np.any(conds, axis=0)
            _np.broadcast_to(value, (int(_np.count_nonzero(selected)),))


def _plain_list(condlist):
    # Conditions as plain values for NumPy's bool conversion (no arithmetic).
    return [_plain(c) for c in condlist] if isinstance(condlist, (list, tuple)) else _plain(condlist)


def _select_conditions(x, condlist, nfuncs):
    # The charged step of piecewise (the op table's "piecewise" row): the
    # conditions as one bool stack, with NumPy's implicit "otherwise" added.
    if len(condlist) == nfuncs - 1:
        otherwise = ~_np.any(condlist, axis=0, keepdims=True)
        condlist = _np.concatenate([condlist, otherwise], axis=0)
    return condlist


def histogramdd(sample, bins=10, range=None, density=None, weights=None):  # noqa: A002 (NumPy's names)
    """NumPy's histogramdd. A sequence of D coordinate arrays is stacked into
    (N, D) first, as NumPy does, so that the counted call reads it as N samples."""
    if not hasattr(sample, "shape"):
        sample = _np.atleast_2d(_np.asarray([_plain(s) for s in sample])).T
    return _core.exported["histogramdd"](sample, bins, range, density, weights)


# Each names the op-table row that prices it (the registry sweep checks it).
for _fn in (apply_along_axis, apply_over_axes, fromfunction, fromiter, piecewise, histogramdd):
    _fn.__flopscope_op__ = _fn.__name__
_core.bind_op("piecewise", _select_conditions)
# NumPy's own spellings on flopscope arrays (np.piecewise(fa, ...)) run these.
for _fn in (apply_along_axis, apply_over_axes, piecewise, histogramdd):
    _core.route_numpy(getattr(_np, _fn.__name__), _fn)
