#include "flopscope/formulas/random.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "flopscope/checked.hpp"
#include "flopscope/cost_model.hpp"
#include "flopscope/formulas/linalg.hpp"

namespace flopscope::formulas::random {
namespace {
// The number of draws a size= argument asks for: an int, a shape, or one (None).
Flops draws(const Signature& s, std::size_t slot) {
  const Arg& size = s[slot];
  if (size.kind == Arg::Kind::Int) return std::max<Flops>(size.i, 0);
  if (size.kind == Arg::Kind::Ints) {
    Flops n = 1;
    for (std::int64_t d : size.ints) n = checked_mul(n, std::max<std::int64_t>(d, 0));
    return n;
  }
  if (size.kind == Arg::Kind::Absent || size.kind == Arg::Kind::None) return 1;
  throw SignatureError("size must be an int or a tuple of ints");
}
}  // namespace

template <int Self>
Flops multivariate_normal(const Signature& s) {
  if (s.ndim(Self) != 1) throw SignatureError("mean must be 1 dimensional");
  if (s.ndim(Self + 1) != 2 || s.dim(Self + 1, 0) != s.dim(Self + 1, 1))
    throw SignatureError("cov must be 2 dimensional and square");
  const std::int64_t d = s.dim(Self, 0);
  if (s.dim(Self + 1, 0) != d) throw SignatureError("mean and cov must have same length");
  const Flops n = draws(s, Self + 2);
  const std::string_view method = s.str_or(Self + 5, "svd");  // Generator's keyword-only method=
  const bool check = s.str_or(Self + 3, "warn") != "ignore";
  const Flops d2 = checked_mul(d, d), d3 = checked_mul(d2, d);
  Flops factor;
  if (method == "svd") {
    factor = checked_add(linalg::svd_matrix(d, d, true, true), checked_add(d, d2));
    if (check) factor = checked_add(factor, checked_add(d3, checked_mul(2, d2)));
  } else if (method == "eigh") {
    factor = checked_add(linalg::eigh_matrix(d), checked_add(checked_mul(2, d), d2));
    if (check) factor = checked_add(factor, checked_mul(2, d));
  } else if (method == "cholesky") {
    factor = linalg::cholesky_matrix(d);
  } else {
    throw SignatureError("method must be one of {'eigh', 'svd', 'cholesky'}");
  }
  return checked_add(factor, checked_mul(n, checked_add(d2, d)));
}

template <int Self>
Flops dirichlet(const Signature& s) {
  if (s.ndim(Self) != 1) throw SignatureError("alpha must be a 1-d sequence");
  return checked_mul(2, checked_mul(draws(s, Self + 1), s.dim(Self, 0)));
}

template <int Self>
Flops multinomial(const Signature& s) {
  if (s.ndim(Self + 1) < 1) throw SignatureError("pvals must have at least 1 dimension");
  const std::int64_t d = s.dim(Self + 1, -1);
  Flops vectors;
  if (s.given(Self + 2)) {
    vectors = draws(s, Self + 2);
  } else {  // size None: one vector per element of n broadcast against pvals[..., 0]
    const auto p = s.shape(Self + 1);
    const cost::Shape shapes[2] = {s.shape(Self), p.first(p.size() - 1)};
    std::vector<cost::Extent> out;
    if (!cost::broadcast_shapes(shapes, &out)) throw SignatureError("n and pvals[..., 0] do not broadcast");
    vectors = cost::numel(out);
  }
  const Flops conditioned = std::max<std::int64_t>(d - 1, 0);
  const Flops pvals_vectors = d == 0 ? 0 : s.numel(Self + 1) / d;
  return checked_add(checked_mul(3, checked_mul(vectors, conditioned)), checked_mul(pvals_vectors, conditioned));
}

Flops multivariate_hypergeometric(const Signature& s) {
  if (s.ndim(1) != 1) throw SignatureError("colors must be a one-dimensional sequence");
  const Flops c = s.dim(1, 0), n = draws(s, 3);
  const std::string_view method = s.str_or(4, "marginals");
  if (method == "marginals") return checked_add(c, checked_mul(n, checked_mul(2, std::max<Flops>(c - 1, 0))));
  if (method == "count") return checked_add(c, checked_mul(n, std::max<std::int64_t>(s.int_or(2, 0), 0)));
  throw SignatureError("method must be \"count\" or \"marginals\"");
}

template Flops multivariate_normal<0>(const Signature&);
template Flops multivariate_normal<1>(const Signature&);
template Flops dirichlet<0>(const Signature&);
template Flops dirichlet<1>(const Signature&);
template Flops multinomial<0>(const Signature&);
template Flops multinomial<1>(const Signature&);

namespace flopscope012 {
template <int Self>
Flops choice(const Signature& s) {
  const Arg& a = s[Self];
  Flops n, per_item = 1;
  if (a.kind == Arg::Kind::Int) {
    n = a.i;
  } else if (a.kind == Arg::Kind::Array && !a.ints.empty()) {
    const int axis = static_cast<int>(s.int_or(Self + 4, 0));  // Generator.choice's axis=; 0 elsewhere
    n = a.ints[static_cast<std::size_t>(normalize_axis(axis, static_cast<int>(a.ints.size())))];
    per_item = n == 0 ? 0 : s.numel(Self) / n;
  } else {
    throw SignatureError("a must be an int or an array of at least one dimension");
  }
  const Flops k = draws(s, Self + 1);
  const bool replace = s.bool_or(Self + 2, true), weighted = s[Self + 3].kind == Arg::Kind::Array;
  const Flops depth = formula_util::ceil_log2(n);
  if (!replace) return weighted ? checked_mul(n, depth) : n;
  if (weighted) return checked_add(checked_mul(3, n), checked_mul(k, depth + 1));
  return checked_mul(k, per_item);
}

template <int Self>
Flops multivariate_normal(const Signature& s) {
  const Flops d = s.ndim(Self) == 0 ? 1 : s.dim(Self, -1), n = draws(s, Self + 2);
  const Flops d2 = checked_mul(d, d);
  return checked_add(checked_add(checked_mul(16, checked_mul(n, d)), checked_mul(2, checked_mul(n, d2))),
                     checked_mul(26, checked_mul(d2, d)));
}

template Flops choice<0>(const Signature&);
template Flops choice<1>(const Signature&);
template Flops multivariate_normal<0>(const Signature&);
template Flops multivariate_normal<1>(const Signature&);
}  // namespace flopscope012

}  // namespace flopscope::formulas::random
