#include "flopscope/formulas/polynomial.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "flopscope/cost_model.hpp"
#include "flopscope/formulas/linalg.hpp"

namespace flopscope::formulas::polynomial {
namespace {

// Number of coefficients of a 1-d coefficient operand (a scalar is one).
Flops coefficients(const Signature& s, std::size_t i) {
  if (s.ndim(i) > 1) throw SignatureError("a polynomial's coefficients must be 1-d");
  return s.numel(i);
}

// The order m of polyder / polyint: NumPy takes int(m), so 1.7 is 1.
std::int64_t order(const Signature& s, std::size_t i) {
  const double m = s.number_or(i, 1);
  if (!std::isfinite(m) || std::fabs(m) > 1e15) throw SignatureError("the order m must be a finite integer");
  return static_cast<std::int64_t>(m);
}

// An operand slot of a synthetic Signature (formulas of other families reused).
Arg array_of(std::span<const std::int64_t> shape) {
  Arg a;
  a.kind = Arg::Kind::Array;
  a.ints = shape;
  return a;
}

}  // namespace

// Horner's rule: deg multiply-adds per point.
// p may hold a polynomial per trailing index (NumPy runs y = y * x + p[i] over
// p's first axis): each step is one multiply-add per element of the broadcast
// of x with p[i].
Flops polyval(const Signature& s) {
  const auto p = s.shape(0);
  const Flops n = p.empty() ? 1 : p[0];
  if (n <= 1) return 0;
  const cost::Shape shapes[2] = {p.subspan(1), s.shape(1)};
  std::vector<cost::Extent> step;
  if (!cost::broadcast_shapes(shapes, &step)) throw SignatureError("operands could not be broadcast together");
  return checked_mul(n - 1, cost::numel(step));
}

// One addition per coefficient of the result: the longer polynomial's length
// times the broadcast of the trailing dimensions (NumPy adds along axis 0).
Flops polyadd(const Signature& s) {
  auto lead = [&](std::size_t i) -> Flops { return s.ndim(i) == 0 ? 1 : s.shape(i)[0]; };
  auto rest = [&](std::size_t i) { return s.ndim(i) == 0 ? cost::Shape{} : s.shape(i).subspan(1); };
  const cost::Shape shapes[2] = {rest(0), rest(1)};
  std::vector<cost::Extent> trailing;
  if (!cost::broadcast_shapes(shapes, &trailing)) throw SignatureError("operands could not be broadcast together");
  return checked_mul(std::max(lead(0), lead(1)), cost::numel(trailing));
}

// The convolution of the coefficients: n1 n2 multiply-adds.
Flops polymul(const Signature& s) { return checked_mul(coefficients(s, 0), coefficients(s, 1)); }

// Long division: per quotient term (n_u - n_v + 1 of them) one division and
// n_v multiply-adds.
Flops polydiv(const Signature& s) {
  const Flops nu = coefficients(s, 0), nv = coefficients(s, 1);
  if (nv == 0) throw SignatureError("polydiv: the divisor has no coefficients");
  // A divisor longer than the dividend leaves no quotient terms, but NumPy still
  // converts both (u + 0.0, v + 0.0) and takes 1 / v[0]: nu + nv + 1.
  if (nv > nu) return checked_add(checked_add(nu, nv), 1);
  return checked_mul(nu - nv + 1, nv + 1);
}

// Order j of m multiplies the n - j remaining coefficients: t n - t(t+1)/2, t = min(m, n - 1).
Flops polyder(const Signature& s) {
  const std::int64_t m = order(s, 1);
  if (m < 0) throw SignatureError("Order of derivative must be positive");
  if (m == 0) return 0;  // NumPy hands p back
  const Flops n = coefficients(s, 0);
  const Flops t = std::min<Flops>(m, std::max<Flops>(n - 1, 0));
  return checked_mul(t, n) - t * (t + 1) / 2;
}

// Order j of m divides n + j - 1 coefficients: m n + m(m-1)/2.
Flops polyint(const Signature& s) {
  const std::int64_t m = order(s, 1);
  if (m < 0) throw SignatureError("Order of integral must be positive");
  if (m == 0) return 0;  // NumPy hands p back
  const Flops n = coefficients(s, 0);
  return checked_add(checked_mul(m, n), checked_mul(m, m - 1) / 2);
}

// From n roots: the product of n linear factors, k multiply-adds at step k
// (n(n+1)/2); a square matrix first gives its eigenvalues (as linalg.eigvals).
Flops poly(const Signature& s) {
  if (s.ndim(0) == 2 && s.dim(0, 0) == s.dim(0, 1)) {
    const Flops n = s.dim(0, 0);
    return checked_add(formulas::linalg::eigvals(s), checked_mul(n, n + 1) / 2);
  }
  const Flops n = s.numel(0);
  return checked_mul(n, n + 1) / 2;
}

// The eigenvalues of the (n x n) companion matrix, n = len(p) - 1 (as
// linalg.eigvals: 10n^3). Priced before NumPy trims zero coefficients.
Flops roots(const Signature& s) {
  const Flops n = std::max<Flops>(coefficients(s, 0) - 1, 0);
  const std::array<std::int64_t, 2> shape{n, n};
  const Arg a = array_of(shape);
  return n == 0 ? 0 : formulas::linalg::eigvals(Signature({&a, 1}));
}

// The m x (deg + 1) Vandermonde matrix (m deg products), then its least
// squares solve (as linalg.lstsq) for each column of y; weights scale both (2m).
Flops polyfit(const Signature& s) {
  const std::int64_t deg = s.int_or(2, -1);
  if (deg < 0) throw SignatureError("expected deg >= 0");
  if (s.ndim(0) != 1) throw SignatureError("expected 1D vector for x");
  const Flops m = s.dim(0, 0);
  if (m == 0) throw SignatureError("expected non-empty vector for x");
  const std::array<std::int64_t, 2> a_shape{m, deg + 1};
  const Arg args[2] = {array_of(a_shape), array_of(s.shape(1))};
  Flops c = checked_add(checked_mul(m, deg), formulas::linalg::lstsq(Signature(args)));
  if (s.given(5)) c = checked_add(c, checked_mul(2, m));
  return c;
}

// Columns of powers: the first two are ones and x, each further one a product.
Flops vander(const Signature& s) {
  if (s.ndim(0) != 1) throw SignatureError("x must be a one-dimensional array or sequence.");
  const Flops n = s.dim(0, 0);
  const std::int64_t cols = s.int_or(1, n);
  return checked_mul(n, std::max<std::int64_t>(cols - 2, 0));
}

namespace flopscope012 {
Flops polyval(const Signature& s) { return checked_mul(2, polynomial::polyval(s)); }
}  // namespace flopscope012

}  // namespace flopscope::formulas::polynomial
