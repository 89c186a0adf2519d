"""flopscope.accounting: the cost queries, answered by the server."""

import _whest_remote as _R

globals().update(_R.make_functions("accounting."))
