"""flopscope.numpy.testing: NumPy's assertions on flopscope arrays (free: nothing is charged)."""

from __future__ import annotations

from typing import Any

import numpy as _np
import numpy.testing as _npt

__all__ = ["assert_allclose", "assert_array_equal"]


def _plain(x: Any) -> Any:
    return _np.asarray(x) if isinstance(x, _np.ndarray) else x


def assert_allclose(actual: Any, desired: Any, rtol: float = 1e-7, atol: float = 0, equal_nan: bool = True,
                    err_msg: str = "", verbose: bool = True, **kwargs: Any) -> None:
    """numpy.testing.assert_allclose, run on plain views so it is not billed."""
    _npt.assert_allclose(_plain(actual), _plain(desired), rtol=rtol, atol=atol, equal_nan=equal_nan,
                         err_msg=err_msg, verbose=verbose, **kwargs)


def assert_array_equal(actual: Any, desired: Any, err_msg: str = "", verbose: bool = True, **kwargs: Any) -> None:
    """numpy.testing.assert_array_equal, run on plain views so it is not billed."""
    _npt.assert_array_equal(_plain(actual), _plain(desired), err_msg=err_msg, verbose=verbose, **kwargs)
