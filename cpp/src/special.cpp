#include "flopscope/special.hpp"

#include <cmath>
#include <limits>

namespace flopscope::special {

double erfc(double x) { return std::erfc(x); }

double ndtr(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) as the start in the lower
// half, where q keeps its relative precision, then three Halley steps on
// Phi(x) = q (cubic convergence: far past double precision from 4.5e-4).
double ndtri(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  if (p == 0.5) return 0.0;
  const bool upper = p > 0.5;
  const double q = upper ? 1.0 - p : p;
  const double t = std::sqrt(-2.0 * std::log(q));
  double x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                       (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * M_PI);
  for (int step = 0; step < 3; ++step) {
    const double density = std::exp(-0.5 * x * x) * inv_sqrt_2pi;
    if (density == 0.0) break;
    const double delta = (ndtr(x) - q) / density;
    x -= delta / (1.0 + 0.5 * x * delta);
  }
  return upper ? -x : x;
}

}  // namespace flopscope::special
