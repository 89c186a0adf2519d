#include "flopscope/formulas/linalg.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "flopscope/cost_model.hpp"
#include "linalg_detail.hpp"

namespace flopscope::formulas::linalg {
namespace detail {

std::int64_t square(const Signature& s, std::size_t i) {
  if (s.ndim(i) < 2) throw SignatureError("expected a stack of square matrices (at least 2 dimensions)");
  const std::int64_t n = s.dim(i, -1);
  if (s.dim(i, -2) != n) throw SignatureError("last 2 dimensions of the array must be square");
  return n;
}

Flops cube(std::int64_t n) { return checked_mul(checked_mul(n, n), n); }

void matrices(const Signature& s, std::size_t i) {
  if (s.ndim(i) < 2) throw SignatureError("expected a stack of matrices (at least 2 dimensions)");
}

Order order_of(const Signature& s, std::size_t i) {
  Order o;
  if (!s.given(i)) return o;
  o.is_default = false;
  if (s[i].kind == Arg::Kind::Str) {
    o.is_str = true;
    o.str = s.str_or(i, "");
  } else {
    o.p = s.number_or(i, 2);
  }
  return o;
}

namespace {
// The matrix norm over axes (r, c) of argument i, times the other extents.
Flops matrix_norms(const Signature& s, std::size_t i, int r, int c, const Order& o, const NormCosts& costs) {
  const std::int64_t m = s.dim(i, r), n = s.dim(i, c);
  Flops others = 1;
  for (int d = 0; d < s.ndim(i); ++d)
    if (d != r && d != c) others = checked_mul(others, s.dim(i, d));
  return checked_mul(others, costs.matrix(m, n, o));
}

// The vector norm over the given axes of argument i (their product is the
// vector length), times the number of vectors.
Flops vector_norms(const Signature& s, std::size_t i, const std::vector<int>& axes, const Order& o,
                   const NormCosts& costs) {
  Flops len = 1;
  for (int a : axes) len = checked_mul(len, s.dim(i, a));
  if (len == 0) return 0;
  return checked_mul(s.numel(i) / len, costs.vector(len, o));
}
}  // namespace

// Slots: &x ord axis keepdims. NumPy's cases: no axis (a vector, a matrix or
// the flattened 2-norm), one axis (vector norms), two axes (matrix norms).
Flops norm(const Signature& s, const NormCosts& costs) {
  const Order o = order_of(s, 1);
  const int nd = s.ndim(0);
  if (!s.given(2)) {
    if (o.is_default) return vector_norms(s, 0, s.axes_or_all(2, nd), o, costs);  // sqrt(x . x) of the flattened x
    if (nd == 1) return vector_norms(s, 0, {0}, o, costs);
    if (nd == 2) return matrix_norms(s, 0, 0, 1, o, costs);
    throw SignatureError("Improper number of dimensions to norm.");
  }
  const std::vector<int> axes = s.axes_or_all(2, nd);
  if (axes.size() == 1) return vector_norms(s, 0, axes, o, costs);
  if (axes.size() == 2) return matrix_norms(s, 0, axes[0], axes[1], o, costs);
  throw SignatureError("Improper number of dimensions to norm.");
}

// Slots: &x * axis keepdims ord (default ord 2; axis None: the flattened x).
Flops vector_norm(const Signature& s, const NormCosts& costs) {
  return vector_norms(s, 0, s.axes_or_all(1, s.ndim(0)), order_of(s, 3), costs);
}

// Slots: &x * keepdims ord (default 'fro'), over the last two axes.
Flops matrix_norm(const Signature& s, const NormCosts& costs) {
  matrices(s, 0);
  return matrix_norms(s, 0, s.ndim(0) - 2, s.ndim(0) - 1, order_of(s, 2), costs);
}

// Slots: &*arrays * out. The chain of products in the order of least total
// `product` (matrix chain dynamic programming, as NumPy orders it by M*N*K).
// A 1-d first (last) operand is a row (column) vector.
Flops multi_dot(const Signature& s, Flops (*product)(Flops outputs, Flops k)) {
  if (s[0].kind != Arg::Kind::Arrays) throw SignatureError("expected a sequence of arrays");
  const auto items = s[0].items;
  const std::size_t count = items.size();
  if (count < 2) throw SignatureError("Expecting at least two arrays.");
  if (count == 2) {  // NumPy's multi_dot of two arrays is dot(a, b), of any dimensions
    Flops k = 1;
    bool summed = false;
    if (!cost::product_contraction(cost::Product::Dot, items[0].ints, items[1].ints, {}, {}, &k, &summed))
      throw SignatureError("shapes not aligned");
    if (k == 0) return 0;
    return product(checked_mul(cost::numel(items[0].ints) / k, cost::numel(items[1].ints) / k), k);
  }
  std::vector<std::int64_t> p;  // A_i is p[i] x p[i + 1]
  for (std::size_t i = 0; i < count; ++i) {
    const auto shape = items[i].ints;
    const bool end = i == 0 || i + 1 == count;
    if (shape.size() != 2 && !(end && shape.size() == 1))
      throw SignatureError("multi_dot: the first and last arrays may be 1-d, the others must be 2-d");
    std::int64_t rows = shape.size() == 2 ? shape[0] : (i == 0 ? 1 : shape[0]);
    std::int64_t cols = shape.size() == 2 ? shape[1] : (i == 0 ? shape[0] : 1);
    if (i == 0) p.push_back(rows);
    else if (p.back() != rows) throw SignatureError("shapes not aligned");
    p.push_back(cols);
  }
  std::vector<std::vector<Flops>> best(count, std::vector<Flops>(count, 0));
  for (std::size_t len = 1; len < count; ++len)
    for (std::size_t i = 0; i + len < count; ++i) {
      const std::size_t j = i + len;
      Flops cheapest = -1;
      for (std::size_t k = i; k < j; ++k) {
        const Flops c = checked_add(checked_add(best[i][k], best[k + 1][j]),
                                    product(checked_mul(p[i], p[j + 1]), p[k + 1]));
        if (cheapest < 0 || c < cheapest) cheapest = c;
      }
      best[i][j] = cheapest;
    }
  return best[0][count - 1];
}

std::string_view qr_mode(const Signature& s) {
  std::string_view mode = s.str_or(1, "reduced");
  if (mode == "f" || mode == "full") mode = "reduced";  // NumPy's deprecated spellings
  if (mode == "e" || mode == "economic") mode = "r";
  if (mode != "reduced" && mode != "complete" && mode != "r" && mode != "raw")
    throw SignatureError("Unrecognized mode '" + std::string(mode) + "'");
  return mode;
}

}  // namespace detail

// A 1-d operand is promoted to a row (first) or column (second) and dropped after.
cost::GufuncDims matmul_dims(const Signature& s) {
  cost::GufuncDims d;
  if (!cost::gufunc_dims(cost::CoreLayout::Matmul, s.shape(0), s.shape(1), &d))
    throw SignatureError("matmul: the operands' core dimensions do not match (or their batch dimensions do not "
                         "broadcast)");
  return d;
}

cost::GufuncDims vecdot_dims(const Signature& s) {
  const int axis = s.int_or(2, -1);
  const int axes[1] = {axis};
  std::vector<cost::Extent> a, b;
  cost::GufuncDims d;
  if (!cost::move_axes_last(s.shape(0), axes, &a) || !cost::move_axes_last(s.shape(1), axes, &b) ||
      !cost::gufunc_dims(cost::CoreLayout::Vecdot, a, b, &d))
    throw SignatureError("vecdot: the vectors' lengths differ along axis " + std::to_string(axis) +
                         " (or their other dimensions do not broadcast)");
  return d;
}

using detail::cube;
using detail::matrices;
using detail::Order;
using detail::order_of;
using detail::square;

// LU with partial pivoting, 2n^3/3, then a forward and a back substitution per
// right-hand side, 2n^2 each (Golub & Van Loan, Matrix Computations, 3.2 and 3.1).
// The systems are the broadcast of a's and b's stacks: a big b solves one system
// per matrix of its stack, each with a's factorisation.
Flops solve(const Signature& s) {
  const std::int64_t n = square(s, 0);
  // b is (n,) (one vector: NumPy 2's gufunc (m,m),(m)->(m)) or (..., n, k).
  const bool vectors = s.ndim(1) == 1;
  const std::int64_t k = vectors ? 1 : s.dim(1, -1);
  const cost::Shape a = s.shape(0), b = s.shape(1);
  const cost::Shape stacks[2] = {a.first(a.size() - 2), vectors ? cost::Shape{} : b.first(b.size() < 2 ? 0 : b.size() - 2)};
  std::vector<cost::Extent> loop;
  if (!vectors && b.size() < 2) throw SignatureError("b must be a vector or a stack of matrices");
  if (!cost::broadcast_shapes(stacks, &loop)) throw SignatureError("the stacks of a and b do not broadcast");
  const Flops batch = cost::numel(loop);
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
}  // namespace

// flopscope's top-k (k=, spec section 2.9): the k leading singular triplets,
// cut from the thin decomposition, which is what runs; 1 <= k <= min(m, n).
namespace {
bool top_k(const Signature& s, std::size_t slot, std::int64_t m, std::int64_t n) {
  if (!s.given(slot)) return false;
  const std::int64_t k = s.int_or(slot, 0);
  if (k < 1 || k > std::min(m, n))
    throw SignatureError("k must satisfy 1 <= k <= min(m, n) = " + std::to_string(std::min(m, n)) + ", got " +
                         std::to_string(k));
  return true;
}
}  // namespace

// Slots: &a full_matrices compute_uv hermitian * k. hermitian=True is priced as eigh
// (eigvalsh without vectors), which is what NumPy computes then.
Flops svd(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1);
  const bool k = top_k(s, 4, m, n);
  const bool full = s.bool_or(1, true) && !k, uv = s.bool_or(2, true), herm = s.bool_or(3, false);
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
  top_k(s, 1, s.dim(0, -2), s.dim(0, -1));
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

namespace {
// Householder QR of an m x n matrix with k = min(m, n) reflectors, R only: the
// sum over reflectors j < k of 4(m - j)(n - j), i.e. 4kmn - 2(m + n)k^2 + 4k^3/3
// (Golub & Van Loan 5.2.1: 2n^2(m - n/3) for m >= n).
Flops householder_r(std::int64_t m, std::int64_t n) {
  const std::int64_t k = std::min(m, n);
  const Flops kk = checked_mul(k, k);
  return checked_mul(4, checked_mul(checked_mul(k, m), n)) - checked_mul(checked_mul(2, m + n), kk) +
         checked_mul(4, checked_mul(kk, k)) / 3;
}

// Accumulating the k reflectors into an explicit Q (Golub & Van Loan 5.1.6):
// thin Q (m x k) 2mk^2 - 2k^3/3 (the same sum over an m x k block); full Q
// (m x m) 4(m^2 k - m k^2 + k^3/3).
Flops householder_q(std::int64_t m, std::int64_t k, bool full) {
  if (!full) return householder_r(m, k);
  const Flops kk = checked_mul(k, k);
  return checked_mul(4, checked_mul(checked_mul(m, m), k) - checked_mul(m, kk)) + checked_mul(4, checked_mul(kk, k)) / 3;
}

// One vector norm of n entries (primer principle: pointwise ops 1 per element,
// reductions the input size, a multiply-add counted once):
// 2-norm n multiply-adds + 1 square root; 1-norm abs + sum 2n; inf/-inf abs +
// comparisons 2n; 0 comparisons + count 2n; any other p abs, power, sum 3n + 1 root.
Flops vector_norm_one(std::int64_t n, const Order& o) {
  if (o.is_str) throw SignatureError("Invalid norm order for vectors");
  if (n == 0) return 0;
  if (o.is_default || o.p == 2) return checked_add(n, 1);
  if (o.p == 1 || o.p == 0 || std::isinf(o.p)) return checked_mul(2, n);
  return checked_add(checked_mul(3, n), 1);
}

// One matrix norm of an m x n matrix, q = min(m, n): 'fro' mn multiply-adds +
// 1 root; 'nuc' singular values + q sum; 2/-2 singular values + q comparisons;
// 1/-1 abs + column sums 2mn + n comparisons; inf/-inf 2mn + m.
Flops matrix_norm_one(std::int64_t m, std::int64_t n, const Order& o) {
  const std::int64_t q = std::min(m, n);
  if (o.is_default || (o.is_str && (o.str == "fro" || o.str == "f"))) return m * n == 0 ? 0 : checked_add(checked_mul(m, n), 1);
  if (o.is_str && o.str == "nuc") return checked_add(svd_one(m, n, false, false), q);
  if (o.is_str) throw SignatureError("Invalid norm order for matrices");
  const Flops two_mn = checked_mul(2, checked_mul(m, n));
  if (o.p == 2 || o.p == -2) return checked_add(svd_one(m, n, false, false), q);
  if (o.p == 1 || o.p == -1) return checked_add(two_mn, n);
  if (std::isinf(o.p)) return checked_add(two_mn, m);
  throw SignatureError("Invalid norm order for matrices");
}

}  // namespace

// Slots: &a mode. R: householder_r; 'reduced' adds the thin Q, 'complete' the
// full Q; 'r' and 'raw' return R (or its reflectors) only.
Flops qr(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), k = std::min(m, n);
  const std::string_view mode = detail::qr_mode(s);
  Flops one = householder_r(m, n);
  if (mode == "reduced" || mode == "complete") one = checked_add(one, householder_q(m, k, mode == "complete"));
  return checked_mul(formula_util::batch(s.shape(0), 2), one);
}

// Slots: &a &b rcond. Least squares by the SVD (LAPACK gelsd): the thin SVD
// 4pq^2 + 8q^3 (Golub & Van Loan 5.5, table 5.5.1), then per right-hand side
// U^T b (2mq), the scaling by 1/sigma (q) and the product with V (2nq).
Flops lstsq(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), q = std::min(m, n);
  const std::int64_t k = s.ndim(1) <= 1 ? 1 : s.dim(1, -1);
  const Flops per_rhs = checked_add(checked_mul(2, checked_mul(m + n, q)), q);
  return checked_mul(formula_util::batch(s.shape(0), 2),
                     checked_add(svd_one(m, n, true, false), checked_mul(k, per_rhs)));
}

// Slots: &a rcond hermitian * rtol. The thin SVD (hermitian: eigh, 9n^3), the
// q reciprocals, V scaled (nq) and the product with U^T (2mnq).
Flops pinv(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), q = std::min(m, n);
  const bool herm = s.bool_or(2, false);
  if (herm && m != n) throw SignatureError("hermitian=True needs square matrices");
  const Flops factor = herm ? checked_mul(9, cube(n)) : svd_one(m, n, true, false);
  const Flops rebuild = checked_add(checked_add(q, checked_mul(n, q)), checked_mul(2, checked_mul(checked_mul(m, n), q)));
  return checked_mul(formula_util::batch(s.shape(0), 2), checked_add(factor, rebuild));
}

namespace {
constexpr detail::NormCosts kNormCosts{vector_norm_one, matrix_norm_one};
}  // namespace

Flops norm(const Signature& s) { return detail::norm(s, kNormCosts); }
Flops vector_norm(const Signature& s) { return detail::vector_norm(s, kNormCosts); }
Flops matrix_norm(const Signature& s) { return detail::matrix_norm(s, kNormCosts); }

// Slots: &A tol hermitian * rtol. Below 2-d: one comparison per element. Else
// the singular values (hermitian: eigvalsh 4n^3/3 and n absolute values), then
// the largest (q) and a comparison per value (q).
Flops matrix_rank(const Signature& s) {
  if (s.ndim(0) < 2) return s.numel(0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), q = std::min(m, n);
  const bool herm = s.bool_or(2, false);
  if (herm && m != n) throw SignatureError("hermitian=True needs square matrices");
  const Flops values = herm ? checked_add(checked_mul(4, cube(n)) / 3, n) : svd_one(m, n, false, false);
  return checked_mul(formula_util::batch(s.shape(0), 2), checked_add(values, checked_mul(2, q)));
}

// Slots: &x p. p None, 2, -2: the singular values and one division; any other
// p: inv (2n^3), the two matrix norms and their product.
Flops cond(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1);
  const Order o = order_of(s, 1);
  Flops one;
  if (o.is_default || (!o.is_str && (o.p == 2 || o.p == -2))) {
    one = checked_add(svd_one(m, n, false, false), 1);
  } else {
    if (m != n) throw SignatureError("last 2 dimensions of the array must be square");
    one = checked_add(checked_add(checked_mul(2, cube(n)), checked_mul(2, matrix_norm_one(n, n, o))), 1);
  }
  return checked_mul(formula_util::batch(s.shape(0), 2), one);
}

// Slots: &a n. Binary powering, as NumPy does it: bit_length(|n|) - 1 squarings
// and popcount(|n|) - 1 further products, each n^3 (primer "Matmul": M*N*K);
// a negative n inverts first (2n^3). n = 0 (identity) and 1 (a copy) are free.
Flops matrix_power(const Signature& s) {
  const std::int64_t n = square(s, 0);
  if (s[1].kind != Arg::Kind::Int) throw SignatureError("exponent must be an integer");
  const std::int64_t e = s[1].i;
  const std::uint64_t mag = e < 0 ? 0 - static_cast<std::uint64_t>(e) : static_cast<std::uint64_t>(e);
  Flops one = mag <= 1 ? 0 : checked_mul(static_cast<Flops>(std::bit_width(mag) - 1 + std::popcount(mag) - 1), cube(n));
  if (e < 0) one = checked_add(one, checked_mul(2, cube(n)));
  return checked_mul(formula_util::batch(s.shape(0), 2), one);
}

// Slots: &*arrays * out. The cheapest order of the chain of products, each
// product M*N*K (primer "Matmul").
Flops multi_dot(const Signature& s) {
  return detail::multi_dot(s, [](Flops outputs, Flops k) { return checked_mul(outputs, k); });
}


// Slots: &a ind. inv of a reshaped to (prod(shape[:ind]), prod(shape[ind:])): 2n^3.
Flops tensorinv(const Signature& s) {
  const std::int64_t ind = s.int_or(1, 2);
  const auto shape = s.shape(0);
  if (ind <= 0 || ind > static_cast<std::int64_t>(shape.size())) throw SignatureError("Invalid ind argument.");
  Flops rows = 1, cols = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    Flops& side = static_cast<std::int64_t>(d) < ind ? rows : cols;
    side = checked_mul(side, shape[d]);
  }
  if (rows != cols) throw SignatureError("tensorinv: the array is not square once reshaped");
  return checked_mul(2, cube(rows));
}

// Slots: &a &b axes. solve of a reshaped to an n x n system, n = numel(b):
// 2n^3/3 + 2n^2 (LU and one right-hand side, as linalg.solve).
Flops tensorsolve(const Signature& s) {
  const Flops n = s.numel(1);
  if (checked_mul(n, n) != s.numel(0)) throw SignatureError("tensorsolve: a is not square once reshaped to b");
  return checked_add(checked_mul(2, cube(n)) / 3, checked_mul(2, checked_mul(n, n)));
}

}  // namespace flopscope::formulas::linalg
