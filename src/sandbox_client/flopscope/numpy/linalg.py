"""flopscope.numpy.linalg in the sandbox (built from the server's handshake)."""

import _whest_remote as _R

globals().update(_R.make_functions("linalg."))


class LinAlgError(ValueError):
    pass


_R.CONN.errors["numpy.linalg.LinAlgError"] = LinAlgError
