#include "flopscope/formulas/linalg.hpp"

namespace flopscope::formulas::linalg {
namespace {

// n of a stack of square matrices (..., n, n); refused otherwise (NumPy's LinAlgError).
std::int64_t square(const Signature& s, std::size_t i) {
  if (s.ndim(i) < 2) throw SignatureError("expected a stack of square matrices (at least 2 dimensions)");
  const std::int64_t n = s.dim(i, -1);
  if (s.dim(i, -2) != n) throw SignatureError("last 2 dimensions of the array must be square");
  return n;
}

Flops cube(std::int64_t n) { return checked_mul(checked_mul(n, n), n); }

}  // namespace

// LU with partial pivoting, 2n^3/3, then a forward and a back substitution per
// right-hand side, 2n^2 each (Golub & Van Loan, Matrix Computations, 3.2 and 3.1).
Flops solve(const Signature& s) {
  const std::int64_t n = square(s, 0);
  // b is (..., n) or (..., n, k): NumPy treats a 1-d b, or b of a's ndim - 1, as vectors.
  const bool vectors = s.ndim(1) == 1 || s.ndim(1) == s.ndim(0) - 1;
  const std::int64_t k = vectors ? 1 : s.dim(1, -1);
  const Flops batch = formula_util::batch(s.shape(0), 2);
  return checked_mul(batch, checked_add(checked_mul(2, cube(n)) / 3, checked_mul(checked_mul(2, checked_mul(n, n)), k)));
}

// LU (2n^3/3) plus inverting the factors (4n^3/3): 2n^3 (Golub & Van Loan 3.2).
Flops inv(const Signature& s) {
  const std::int64_t n = square(s, 0);
  return checked_mul(formula_util::batch(s.shape(0), 2), checked_mul(2, cube(n)));
}

// Cholesky factorisation: n^3/3 (Golub & Van Loan, 4.2).
Flops cholesky(const Signature& s) {
  const std::int64_t n = square(s, 0);
  return checked_mul(formula_util::batch(s.shape(0), 2), cube(n) / 3);
}

}  // namespace flopscope::formulas::linalg
