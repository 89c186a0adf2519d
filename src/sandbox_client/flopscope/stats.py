"""flopscope.stats: the op table's distributions (stats.<dist>.<pdf|cdf|ppf>), counted on the server."""

from types import SimpleNamespace

import _whest_remote as _R

__all__ = list(_R.HANDSHAKE["stats"])
for _dist in __all__:
    globals()[_dist] = SimpleNamespace(**_R.make_functions(f"stats.{_dist}."))
