"""flopscope.errors: the server's exception classes, same names and hierarchy (built at handshake)."""

import sys

import _whest_remote as _R

_R.make_errors(sys.modules[__name__])
__all__ = [name.rsplit(".", 1)[-1] for name, _, _ in _R.HANDSHAKE["errors"]]
