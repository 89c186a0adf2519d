"""flopscope.numpy.linalg: NumPy's linalg, counted.

Every function is NumPy's own (results bit for bit), priced by the standard
operation count of its factorisation (docs/op-reference.md lists each formula).
The names come from the op table of the C++ core.
"""

from __future__ import annotations

import numpy as _np

from .. import _core
from ._surface import counted as _counted, missing as _missing

LinAlgError = _np.linalg.LinAlgError


def _svd(a, full_matrices=True, compute_uv=True, hermitian=False, *, k=None):
    """numpy.linalg.svd, plus flopscope's k=: the k leading singular values (and
    vectors: U[..., :k], S[..., :k], Vh[..., :k, :]), cut from the thin SVD."""
    if k is None:
        return _np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv, hermitian=hermitian)
    r = _np.linalg.svd(a, full_matrices=False, compute_uv=compute_uv, hermitian=hermitian)
    if not compute_uv:
        return r[..., :k]
    return type(r)(r.U[..., :k], r.S[..., :k], r.Vh[..., :k, :])


def _svdvals(x, *, k=None):
    """numpy.linalg.svdvals, plus flopscope's k=: the k largest singular values."""
    s = _np.linalg.svdvals(x)
    return s if k is None else s[..., :k]


# Rows of the op table implemented here (k= is flopscope's); NumPy's own
# spellings on flopscope arrays run them too.
for _name, _impl in (("svd", _svd), ("svdvals", _svdvals)):
    _core.route_numpy(getattr(_np.linalg, _name), _core.bind_op("linalg." + _name, _impl))

globals().update(_counted("linalg."))
__all__ = sorted([*_counted("linalg."), "LinAlgError"])


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _missing("flopscope.numpy.linalg", _np.linalg, name)
