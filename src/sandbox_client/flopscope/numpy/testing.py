"""flopscope.numpy.testing in the sandbox (built from the server's handshake)."""

import _whest_remote as _R

globals().update(_R.make_functions("testing."))
