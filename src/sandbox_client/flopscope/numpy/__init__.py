"""flopscope.numpy in the sandbox: every op-table name, built from the server's handshake."""

import _whest_remote as _R

globals().update(_R.make_functions(""))
for _name, _value in _R.HANDSHAKE["constants"].items():
    if "." not in _name:
        globals()[_name] = _value
ndarray = _R.ndarray
dtype = _R.dtype
generic = _R.generic

from . import fft, linalg, random, testing  # noqa: E402,F401


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"flopscope.numpy does not provide {name!r}")
