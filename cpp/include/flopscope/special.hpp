// The special functions flopscope.stats computes with (float64), which NumPy
// lacks and SciPy (not a runtime dependency) would otherwise provide. Pure C++.
#pragma once

namespace flopscope::special {

// The complementary error function (the C library's erfc: accurate to a few
// ulp over the whole range, relative accuracy kept in the upper tail).
double erfc(double x);
// The standard normal CDF, Phi(z) = erfc(-z / sqrt 2) / 2.
double ndtr(double z);
// The standard normal quantile Phi^-1(p): -inf at 0, inf at 1, nan outside [0, 1].
double ndtri(double p);

}  // namespace flopscope::special
