"""The special functions flopscope.stats needs, elementwise in float64.

NumPy has no erfc and no inverse normal CDF, and scipy is not a runtime
dependency: they are C++ kernels of the core (cpp/src/special.cpp): erfc is the
C library's, ndtr(z) = erfc(-z / sqrt 2) / 2 (accurate in both tails), and ndtri
starts from Abramowitz & Stegun 26.2.23 and takes three Halley steps on
Phi(x) = p. The kernels only compute: the stats rows that call them are priced.
"""

from __future__ import annotations

from .. import _core

erfc = _core.special_erfc
ndtr = _core.special_ndtr
ndtri = _core.special_ndtri
