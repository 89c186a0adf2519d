#include "flopscope/formulas/linalg.hpp"

#include <algorithm>

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

// LU with partial pivoting, 2n^3/3, then the product of the n diagonal
// entries (Golub & Van Loan, Matrix Computations, 3.2).
Flops det(const Signature& s) {
  const std::int64_t n = square(s, 0);
  return checked_mul(formula_util::batch(s.shape(0), 2), checked_add(checked_mul(2, cube(n)) / 3, n));
}

// LU (2n^3/3) plus n logarithms/signs summed over the diagonal (as det).
Flops slogdet(const Signature& s) { return det(s); }

// Symmetric eigenproblem, eigenvalues and eigenvectors: 9n^3 (Golub & Van Loan,
// 8.3, rule of thumb for tridiagonalisation + implicit QR with accumulation).
Flops eigh(const Signature& s) {
  const std::int64_t n = square(s, 0);
  return checked_mul(formula_util::batch(s.shape(0), 2), checked_mul(9, cube(n)));
}

// Symmetric eigenvalues only: 4n^3/3 (Householder tridiagonalisation;
// Golub & Van Loan 8.3, the QR iterations on the tridiagonal are O(n^2)).
Flops eigvalsh(const Signature& s) {
  const std::int64_t n = square(s, 0);
  return checked_mul(formula_util::batch(s.shape(0), 2), checked_mul(4, cube(n)) / 3);
}

// General eigenproblem with eigenvectors: 25n^3 (Golub & Van Loan 7.5.6,
// Francis QR with Hessenberg reduction, Schur vectors and back substitution).
Flops eig(const Signature& s) {
  const std::int64_t n = square(s, 0);
  return checked_mul(formula_util::batch(s.shape(0), 2), checked_mul(25, cube(n)));
}

// General eigenvalues only: 10n^3 (Golub & Van Loan 7.5.6).
Flops eigvals(const Signature& s) {
  const std::int64_t n = square(s, 0);
  return checked_mul(formula_util::batch(s.shape(0), 2), checked_mul(10, cube(n)));
}

namespace {
// Golub-Reinsch SVD of one m x n matrix (Golub & Van Loan 8.6, table 8.6.1),
// with p = max(m, n), q = min(m, n): values only 4pq^2 - 4q^3/3; thin U, S, V
// 4pq^2 + 8q^3; full U (p != q) 4p^2 q + 8pq^2 + 9q^3.
Flops svd_one(std::int64_t m, std::int64_t n, bool uv, bool full) {
  const std::int64_t p = std::max(m, n), q = std::min(m, n);
  const Flops pq2 = checked_mul(checked_mul(p, q), q);
  if (!uv) {
    const Flops a = checked_mul(4, pq2), b = checked_mul(4, cube(q)) / 3;
    return a - b;
  }
  if (full && p != q)
    return checked_add(checked_add(checked_mul(4, checked_mul(checked_mul(p, p), q)), checked_mul(8, pq2)),
                       checked_mul(9, cube(q)));
  return checked_add(checked_mul(4, pq2), checked_mul(8, cube(q)));
}

std::int64_t matrices(const Signature& s, std::size_t i) {
  if (s.ndim(i) < 2) throw SignatureError("expected a stack of matrices (at least 2 dimensions)");
  return 0;
}
}  // namespace

// Slots: &a full_matrices compute_uv hermitian. hermitian=True is priced as eigh
// (eigvalsh without vectors), which is what NumPy computes then.
Flops svd(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1);
  const bool full = s.bool_or(1, true), uv = s.bool_or(2, true), herm = s.bool_or(3, false);
  const Flops batch = formula_util::batch(s.shape(0), 2);
  if (herm) {
    if (m != n) throw SignatureError("hermitian=True needs square matrices");
    return checked_mul(batch, uv ? checked_mul(9, cube(n)) : checked_mul(4, cube(n)) / 3);
  }
  return checked_mul(batch, svd_one(m, n, uv, full));
}

// Singular values only (as svd with compute_uv=False).
Flops svdvals(const Signature& s) {
  matrices(s, 0);
  return checked_mul(formula_util::batch(s.shape(0), 2), svd_one(s.dim(0, -2), s.dim(0, -1), false, false));
}

// Slots: &x * offset. One addition per diagonal entry, per matrix.
Flops trace(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), k = s.int_or(1, 0);
  std::int64_t len = 0;
  if (k >= 0) len = std::max<std::int64_t>(0, std::min(m, n - k));
  else len = std::max<std::int64_t>(0, std::min(m + k, n));
  return checked_mul(formula_util::batch(s.shape(0), 2), len);
}

}  // namespace flopscope::formulas::linalg
