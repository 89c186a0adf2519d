#include "flopscope/formulas/random.hpp"

#include "flopscope/checked.hpp"

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

namespace flopscope012 {
template <int Self>
Flops choice(const Signature& s) {
  const Arg& a = s[Self];
  Flops n, per_item = 1;
  if (a.kind == Arg::Kind::Int) {
    n = a.i;
  } else if (a.kind == Arg::Kind::Array && !a.ints.empty()) {
    const int axis = static_cast<int>(s.int_or(Self + 4, 0));  // Generator.choice's axis=; 0 elsewhere
    const int nd = static_cast<int>(a.ints.size());
    if (axis < -nd || axis >= nd) throw SignatureError("axis is out of bounds for the array");
    n = a.ints[static_cast<std::size_t>(axis < 0 ? axis + nd : axis)];
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
