"""Pickle-free save / load (spec section 10).

NumPy's own savers and loader do the work (they are free rows of the op table:
files are data movement, no arithmetic). What flopscope adds: only numeric
dtypes are written or read (object arrays would need pickle), pickle is never
allowed, an optional ``__meta__`` dict is stored as a JSON member, and what
``load`` returns are flopscope arrays (a dict of them for .npz files), so that
later work on loaded data is counted.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as _np

from .. import _core

_META = "__meta__"
_NUMERIC = "biufc"  # bool, signed, unsigned, float, complex


def _numeric(op: str, arr: Any) -> _np.ndarray:
    a = _np.asarray(arr)
    if a.dtype.kind not in _NUMERIC:
        raise ValueError(f"{op}: dtype {a.dtype} is not supported. Only numeric arrays may be saved/loaded "
                         "(object dtype would require pickle).")
    return a


def save(file: Any, arr: Any, allow_pickle: bool = False) -> None:
    """numpy.save of one numeric array, never pickled."""
    if allow_pickle:
        raise ValueError("flopscope.numpy.save: allow_pickle=True is not supported (pickle-free files only)")
    _core.exported["save"](file, _numeric("save", arr), allow_pickle=False)


def _members(op: str, args: tuple, kwds: dict) -> dict[str, _np.ndarray]:
    members: dict[str, _np.ndarray] = {}
    for i, a in enumerate(args):
        members[f"arr_{i}"] = _numeric(op, a)
    meta = kwds.pop(_META, None)
    for key, a in kwds.items():
        if key in members:
            raise ValueError(f"Cannot use un-named variables and keyword {key}")
        members[key] = _numeric(op, a)
    if meta is not None:
        if not isinstance(meta, dict):
            raise TypeError(f"{op}: __meta__ must be a dict, got {type(meta).__name__}")
        members[_META] = _np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=_np.uint8)
    return members


def savez(file: Any, *args: Any, **kwds: Any) -> None:
    """numpy.savez of numeric arrays (positional ones named arr_0, arr_1, ...), never
    pickled; ``__meta__=dict`` is stored as a JSON member."""
    _core.exported["savez"](file, allow_pickle=False, **_members("savez", args, kwds))


def savez_compressed(file: Any, *args: Any, **kwds: Any) -> None:
    """As savez, compressed."""
    _core.exported["savez_compressed"](file, allow_pickle=False, **_members("savez_compressed", args, kwds))


def load(file: Any, mmap_mode: Any = None, allow_pickle: bool = False, **kwargs: Any) -> Any:
    """numpy.load without pickle: a flopscope array for .npy, a dict of flopscope
    arrays (plus the decoded ``__meta__`` dict, if saved) for .npz."""
    if allow_pickle:
        raise ValueError("flopscope.numpy.load: allow_pickle=True is not supported (pickle-free files only)")
    loaded = _core.exported["load"](file, mmap_mode=mmap_mode, allow_pickle=False, **kwargs)
    if isinstance(loaded, _np.lib.npyio.NpzFile):
        with loaded:
            out: dict[str, Any] = {}
            for key in loaded.files:
                value = loaded[key]
                if key == _META:
                    out[key] = json.loads(value.tobytes().decode())
                else:
                    out[key] = _as_flopscope(_numeric("load", value))
            return out
    return _as_flopscope(_numeric("load", loaded))


# Each wrapper names the free op-table row it runs (the surface tests check it).
for _fn in (save, savez, savez_compressed, load):
    _fn.__flopscope_op__ = _fn.__name__
# NumPy's own savers called with flopscope arrays run these (np.save(f, fa)).
for _fn in (save, savez, savez_compressed):
    _core.route_numpy(getattr(_np, _fn.__name__), _fn)


def _as_flopscope(a: _np.ndarray) -> Any:
    return a if isinstance(a, _core.ndarray) else a.view(_core.ndarray)
