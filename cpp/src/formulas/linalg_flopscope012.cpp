// Upstream flopscope 0.12.4's linalg costs (spec section 2.9), per matrix times
// the batch, a = max(m, n), b = min(m, n). Integer division as upstream's.
#include "flopscope/formulas/linalg_flopscope012.hpp"

#include <algorithm>
#include <cmath>

#include "flopscope/cost_model.hpp"
#include "flopscope/formulas/linalg.hpp"
#include "linalg_detail.hpp"

namespace flopscope::formulas::linalg::flopscope012 {
namespace {

using detail::cube;
using detail::matrices;
using detail::Order;

Flops batch(const Signature& s) { return formula_util::batch(s.shape(0), 2); }

// a * b^2 with a = max(m, n), b = min(m, n).
Flops ab2(std::int64_t m, std::int64_t n) {
  const std::int64_t b = std::min(m, n);
  return checked_mul(checked_mul(std::max(m, n), b), b);
}

// Singular values only: 2ab^2 + 2b^3.
Flops values(std::int64_t m, std::int64_t n) {
  return checked_add(checked_mul(2, ab2(m, n)), checked_mul(2, cube(std::min(m, n))));
}

// Thin U, S, V: 6ab^2 + 20b^3.
Flops thin(std::int64_t m, std::int64_t n) {
  return checked_add(checked_mul(6, ab2(m, n)), checked_mul(20, cube(std::min(m, n))));
}

// The contraction engine's (2K - 1) M N for an (M x K) @ (K x N) product
// (spec 2.8: FMA = 2 with the output correction).
Flops product(Flops outputs, Flops k) { return k == 0 ? 0 : checked_mul(outputs, 2 * k - 1); }
Flops matmul_cost(std::int64_t m, std::int64_t k, std::int64_t n) { return product(checked_mul(m, n), k); }

// top k= (1 <= k < min(m, n)): min(4mnk, economy); k = min(m, n): the economy cost.
Flops top_k(const Signature& s, std::size_t slot, std::int64_t m, std::int64_t n, Flops economy) {
  const std::int64_t k = s.int_or(slot, 0);
  if (k < 1 || k > std::min(m, n))
    throw SignatureError("k must satisfy 1 <= k <= min(m, n) = " + std::to_string(std::min(m, n)) + ", got " +
                         std::to_string(k));
  return std::min(checked_mul(4, checked_mul(checked_mul(m, n), k)), economy);
}

// Vector norms: 2 per element (general p: 18 per element + 16); matrix norms:
// fro / 1 / inf 2 per element, 2 / -2 / nuc the singular values.
Flops vector_norm_one(std::int64_t n, const Order& o) {
  if (o.is_str) throw SignatureError("Invalid norm order for vectors");
  if (n == 0) return 0;
  if (o.is_default || o.p == 2 || o.p == 1 || o.p == 0 || std::isinf(o.p)) return checked_mul(2, n);
  return checked_add(checked_mul(18, n), 16);
}

Flops matrix_norm_one(std::int64_t m, std::int64_t n, const Order& o) {
  const bool fro = o.is_default || (o.is_str && (o.str == "fro" || o.str == "f"));
  if (fro || (!o.is_str && (o.p == 1 || o.p == -1 || std::isinf(o.p)))) return checked_mul(2, checked_mul(m, n));
  if ((o.is_str && o.str == "nuc") || (!o.is_str && (o.p == 2 || o.p == -2))) return values(m, n);
  throw SignatureError("Invalid norm order for matrices");
}

constexpr detail::NormCosts kNormCosts{vector_norm_one, matrix_norm_one};

}  // namespace

// thin (full_matrices=False, or square) 6ab^2 + 20b^3; full 4a^2 b + 22b^3;
// compute_uv=False 2ab^2 + 2b^3; k= min(4mnk, the thin cost).
Flops svd(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1);
  if (s.given(4)) return checked_mul(batch(s), top_k(s, 4, m, n, thin(m, n)));
  const bool full = s.bool_or(1, true), uv = s.bool_or(2, true);
  if (!uv) return checked_mul(batch(s), values(m, n));
  if (full && m != n) {
    const std::int64_t a = std::max(m, n), b = std::min(m, n);
    return checked_mul(batch(s), checked_add(checked_mul(4, checked_mul(checked_mul(a, a), b)), checked_mul(22, cube(b))));
  }
  return checked_mul(batch(s), thin(m, n));
}

Flops svdvals(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1);
  return checked_mul(batch(s), s.given(1) ? top_k(s, 1, m, n, values(m, n)) : values(m, n));
}

// 2n^3/3 + 18n.
// inv: 2n^3 (getrf + getri); a SymmetricTensor n^3/3 + n^3 (Cholesky and n
// triangular solves), upstream 0.12.4's inv_cost (measured: inv of a tagged
// 16 x 16 float64 bills 10,922).
Flops inv(const Signature& s) {
  const std::int64_t n = detail::square(s, 0);
  const Flops per = s[0].symmetry != 0 ? checked_add(cube(n) / 3, cube(n)) : checked_mul(2, cube(n));
  return checked_mul(batch(s), per);
}

Flops slogdet(const Signature& s) {
  const std::int64_t n = detail::square(s, 0);
  return checked_mul(batch(s), checked_add(checked_mul(2, cube(n)) / 3, checked_mul(18, n)));
}

// mode reduced / complete 2(2mnk - 2k^3/3), r / raw 2mnk - 2k^3/3, k = min(m, n).
Flops qr(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), k = std::min(m, n);
  const std::string_view mode = detail::qr_mode(s);
  const Flops r = checked_mul(2, checked_mul(checked_mul(m, n), k)) - checked_mul(2, cube(k)) / 3;
  return checked_mul(batch(s), mode == "reduced" || mode == "complete" ? checked_mul(2, r) : r);
}

// The thin SVD, U^T b (k x m times m x c), the scaling (k c) and V (n x k times k x c).
Flops lstsq(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), k = std::min(m, n);
  const std::int64_t c = s.ndim(1) <= 1 ? 1 : s.dim(1, -1);
  const Flops one = checked_add(checked_add(thin(m, n), matmul_cost(k, m, c)),
                                checked_add(checked_mul(k, c), matmul_cost(n, k, c)));
  return checked_mul(batch(s), one);
}

// The thin SVD, min(m, n) reciprocals, V scaled (n min(m, n)) and V S^-1 U^T.
Flops pinv(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), k = std::min(m, n);
  const Flops one = checked_add(checked_add(thin(m, n), k), checked_add(checked_mul(n, k), matmul_cost(n, k, m)));
  return checked_mul(batch(s), one);
}

Flops norm(const Signature& s) { return detail::norm(s, kNormCosts); }
Flops vector_norm(const Signature& s) { return detail::vector_norm(s, kNormCosts); }
Flops matrix_norm(const Signature& s) { return detail::matrix_norm(s, kNormCosts); }

// The singular values and min(m, n) comparisons per (matrix, tolerance) pair:
// an array tol=/rtol= broadcast against the stack (upstream 0.12.4's
// _broadcast_pairs); below 2-d as the primer's.
Flops matrix_rank(const Signature& s) {
  if (s.ndim(0) < 2) return linalg::matrix_rank(s);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1), q = std::min(m, n);
  return checked_add(checked_mul(batch(s), values(m, n)), checked_mul(detail::threshold_pairs(s), q));
}

// p None / 2 / -2: the singular values + 1; other p: 2n^3 + 4mn + 1.
Flops cond(const Signature& s) {
  matrices(s, 0);
  const std::int64_t m = s.dim(0, -2), n = s.dim(0, -1);
  const Order o = detail::order_of(s, 1);
  if (o.is_default || (!o.is_str && (o.p == 2 || o.p == -2))) return checked_mul(batch(s), checked_add(values(m, n), 1));
  if (m != n) throw SignatureError("last 2 dimensions of the array must be square");
  return checked_mul(batch(s), checked_add(checked_add(checked_mul(2, cube(n)), checked_mul(4, checked_mul(m, n))), 1));
}

// Each product of the chain at least 1, an empty one included (measured).
// Two arrays of more than 2 dimensions (NumPy hands them to dot): upstream reads
// them as matrices, A.shape[0] x B.shape[0] times B.shape[0] x B.shape[-1]
// (1 for a 1-d end), whatever the dot computes (measured, upstream 0.12.4).
Flops multi_dot(const Signature& s) {
  auto step = [](Flops outputs, Flops k) { return std::max<Flops>(product(outputs, k), 1); };
  const Flops chain = detail::multi_dot(s, step);  // refuses what NumPy refuses
  const auto items = s[0].items;
  if (items.size() == 2 && (items[0].ints.size() > 2 || items[1].ints.size() > 2) && !items[0].ints.empty() &&
      !items[1].ints.empty()) {
    const auto a = items[0].ints, b = items[1].ints;
    return step(checked_mul(a.size() >= 2 ? a[0] : 1, b.size() >= 2 ? b.back() : 1), b[0]);
  }
  return std::max<Flops>(chain, 1);  // two arrays with nothing to contract: dot's early return
}

}  // namespace flopscope::formulas::linalg::flopscope012
