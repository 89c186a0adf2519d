#include "flopscope/formulas/polynomial.hpp"

#include <algorithm>
#include <array>

#include "flopscope/formulas/linalg.hpp"

namespace flopscope::formulas::polynomial {
namespace {

// Number of coefficients of a 1-d coefficient operand (a scalar is one).
Flops coefficients(const Signature& s, std::size_t i) {
  if (s.ndim(i) > 1) throw SignatureError("a polynomial's coefficients must be 1-d");
  return s.numel(i);
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
Flops polyval(const Signature& s) {
  const Flops n = coefficients(s, 0);
  return n <= 1 ? 0 : checked_mul(n - 1, s.numel(1));
}

// One addition per coefficient of the longer polynomial.
Flops polyadd(const Signature& s) { return std::max(coefficients(s, 0), coefficients(s, 1)); }

// The convolution of the coefficients: n1 n2 multiply-adds.
Flops polymul(const Signature& s) { return checked_mul(coefficients(s, 0), coefficients(s, 1)); }

// Long division: per quotient term (n_u - n_v + 1 of them) one division and
// n_v multiply-adds.
Flops polydiv(const Signature& s) {
  const Flops nu = coefficients(s, 0), nv = coefficients(s, 1);
  if (nv == 0) throw SignatureError("polydiv: the divisor has no coefficients");
  return checked_mul(std::max<Flops>(nu - nv + 1, 0), nv + 1);
}

// Order j of m multiplies the n - j remaining coefficients: t n - t(t+1)/2, t = min(m, n - 1).
Flops polyder(const Signature& s) {
  const std::int64_t m = s.int_or(1, 1);
  if (m < 0) throw SignatureError("Order of derivative must be positive");
  const Flops n = coefficients(s, 0);
  const Flops t = std::min<Flops>(m, std::max<Flops>(n - 1, 0));
  return checked_mul(t, n) - t * (t + 1) / 2;
}

// Order j of m divides n + j - 1 coefficients: m n + m(m-1)/2.
Flops polyint(const Signature& s) {
  const std::int64_t m = s.int_or(1, 1);
  if (m < 0) throw SignatureError("Order of integral must be positive");
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

}  // namespace flopscope::formulas::polynomial
