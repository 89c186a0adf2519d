#include "flopscope/formulas/counting.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "flopscope/cost_model.hpp"
#include "flopscope/dtype.hpp"

namespace flopscope::formulas::counting {
namespace {

using formula_util::sort_comparisons;

// ceil(log2 n) comparisons of one binary search in n values, at least 1.
Flops search_depth(Flops n) { return std::max(1, formula_util::ceil_log2(n)); }

// Number of bins a `bins` argument (slot i) gives for `n` samples: an int, a
// sequence of edges, or an estimator name (at most n bins: priced as n).
Flops bins_of(const Signature& s, std::size_t i, Flops n, bool* estimator) {
  *estimator = false;
  const Arg& b = s[i];
  switch (b.kind) {
    case Arg::Kind::Absent:
    case Arg::Kind::None: return 10;  // NumPy's default
    case Arg::Kind::Int: return std::max<Flops>(b.i, 1);
    case Arg::Kind::Ints: return std::max<Flops>(static_cast<Flops>(b.ints.size()) - 1, 1);
    case Arg::Kind::Array: return std::max<Flops>(s.numel(i) - 1, 1);
    case Arg::Kind::Str: *estimator = true; return std::max<Flops>(n, 1);
    default: throw SignatureError("bins must be an int, a sequence of edges or an estimator name");
  }
}

}  // namespace

// Sort of the concatenation of both inputs (spec 2.12, union1d / setdiff1d / isin ...).
Flops set_op(const Signature& s) { return sort_comparisons(checked_add(s.numel(0), s.numel(1))); }

// One stable sort per key: k n ceil(log2 n) for k keys of n, per slice.
Flops lexsort(const Signature& s) {
  if (s.ndim(0) == 0) throw SignatureError("need sequence of keys with len(keys) >= 1");
  const int nd = s.ndim(0);
  const int axis = s.axis_or(1, std::max(nd - 1, 1), -1) + (nd > 1 ? 1 : 0);  // the keys' own axis, after the key index
  // A 1-d array is k keys of one element each (NumPy returns a 0-d index): one comparison per key.
  const Flops n = nd == 1 ? 1 : s.dim(0, axis);
  return n == 0 ? 0 : checked_mul(sort_comparisons(n), s.numel(0) / n);
}

// A sort along the last axis, per slice.
Flops sort_last(const Signature& s) {
  if (s.ndim(0) == 0) return 1;
  const Flops n = s.dim(0, -1);
  return n == 0 ? 0 : checked_mul(sort_comparisons(n), s.numel(0) / n);
}

// The edges (bins + 1; an estimator reads the data about 3 times), then a
// binary search per sample (n ceil(log2 bins)), and each weight added once.
Flops histogram(const Signature& s) {
  const Flops n = s.numel(0);
  bool estimator;
  const Flops bins = bins_of(s, 1, n, &estimator);
  Flops c = checked_add(checked_mul(n, search_depth(bins)), estimator ? checked_mul(3, n) : bins + 1);
  if (s.given(4)) c = checked_add(c, s.numel(4));
  return c;
}

// The edges only: bins + 1 (an estimator: about 3 passes over the data).
Flops bin_edges(const Signature& s) {
  bool estimator;
  const Flops bins = bins_of(s, 1, s.numel(0), &estimator);
  return estimator ? checked_mul(3, s.numel(0)) : bins + 1;
}

namespace {

// histogram2d / histogramdd: the bin counts of a `bins` argument (slot 1 of
// the parameters after the samples) for `dims` dimensions. NumPy's forms: an
// int for every dimension; a sequence of one int per dimension; edges (a 1-d
// array, histogram2d only: the same edges for both; or one row of edges per
// dimension). `pair` is histogram2d's rule: a sequence of other than 1 or 2
// entries is one set of edges for both dimensions.
std::vector<Flops> bins_per_dim(const Arg& b, std::size_t dims, bool pair, bool* edges = nullptr) {
  auto all = [&](Flops n) { return std::vector<Flops>(dims, std::max<Flops>(n, 1)); };
  if (edges != nullptr) *edges = b.kind == Arg::Kind::Arrays || b.kind == Arg::Kind::Array ||
                                 (b.kind == Arg::Kind::Ints && b.ints.size() != dims && pair);
  switch (b.kind) {
    case Arg::Kind::Absent:
    case Arg::Kind::None: return all(10);
    case Arg::Kind::Int: return all(b.i);
    case Arg::Kind::Ints:
      if (b.ints.size() == dims) return std::vector<Flops>(b.ints.begin(), b.ints.end());
      if (pair && b.ints.size() != 1) return all(static_cast<Flops>(b.ints.size()) - 1);
      break;
    case Arg::Kind::Arrays:  // edges of several lengths, one array per dimension
      if (b.items.size() == dims && std::all_of(b.items.begin(), b.items.end(),
                                                [](const Arg& e) { return e.ints.size() == 1; })) {
        std::vector<Flops> out;
        for (const Arg& e : b.items) out.push_back(std::max<Flops>(e.ints[0] - 1, 1));
        return out;
      }
      break;
    case Arg::Kind::Array:
      if (b.ints.size() == 1 && pair) return all(b.ints[0] - 1);
      if (b.ints.size() == 2 && static_cast<std::size_t>(b.ints[0]) == dims) return all(b.ints[1] - 1);
      break;
    default: break;
  }
  throw SignatureError("bins must be an int, one int per dimension, or edges (one array per dimension, as a list "
                       "of equal-length arrays or a 2-d array)");
}

// A binary search per sample in each dimension's bins, each dimension's edges
// (bins + 1), the flat bin index (a multiply-add per further dimension), and
// each weight added once, as histogram prices one dimension.
Flops histogram_nd(Flops n, const std::vector<Flops>& bins, const Signature& s, std::size_t weights) {
  Flops c = checked_mul(n, static_cast<Flops>(bins.size()) - 1);
  for (Flops b : bins) c = checked_add(c, checked_add(checked_mul(n, search_depth(b)), b + 1));
  if (s.given(weights)) c = checked_add(c, s.numel(weights));
  return c;
}

}  // namespace

Flops histogram2d(const Signature& s) {
  if (s.numel(0) != s.numel(1)) throw SignatureError("x and y must have the same length");
  return histogram_nd(s.numel(0), bins_per_dim(s[2], 2, true), s, 5);
}

// sample: an (N, D) array, or a 1-d array of N one-dimensional samples.
Flops histogramdd(const Signature& s) {
  const auto shape = s.shape(0);
  const Flops n = shape.empty() ? 1 : shape[0];
  const std::size_t dims = shape.size() <= 1 ? 1 : static_cast<std::size_t>(shape[1]);
  if (shape.size() > 2) throw SignatureError("sample must be an (N, D) array");
  return histogram_nd(n, bins_per_dim(s[1], dims, false), s, 4);
}

// One increment per sample (and one addition per weight).
Flops bincount(const Signature& s) { return checked_add(s.numel(0), s.given(1) ? s.numel(1) : 0); }

// A binary search in the bins per value.
Flops digitize(const Signature& s) {
  if (s.ndim(1) != 1) throw SignatureError("bins must be 1-dimensional");
  return checked_mul(s.numel(0), search_depth(s.numel(1)));
}

// A binary search in xp, then a linear interpolation (3 operations) per value.
Flops interp(const Signature& s) {
  const Flops m = s.numel(0);
  return checked_mul(m, checked_add(search_depth(s.numel(1)), 3));
}

// size - 1 subtractions (to_end / to_begin are copied).
Flops ediff1d(const Signature& s) { return std::max<Flops>(s.numel(0) - 1, 0); }

// Per slice of L samples: L - 1 pair sums, halvings and products with the
// spacing, summed (3(L - 1)); with sample points x, also their L - 1 differences.
// The slices are those of the broadcast of y with x (NumPy's d * (y[1:] + y[:-1]):
// an n-d x of more rows than y makes as many more slices); a 1-d x is reshaped
// along the axis and adds none.
Flops trapezoid(const Signature& s) {
  if (s.ndim(0) == 0) throw SignatureError("trapezoid needs at least 1 dimension");
  const int axis = s.axis_or(3, s.ndim(0), -1);
  const Flops L = s.dim(0, axis);
  if (L <= 1) return 0;
  Flops slices = s.numel(0) / L;
  if (s.given(1) && s.ndim(1) > 1) {
    // Each operand's own axis counts as 1: the broadcast of the rest is the slices.
    const int x_axis = s.axis_or(3, s.ndim(1), -1);
    std::vector<cost::Extent> y(s.shape(0).begin(), s.shape(0).end()), x(s.shape(1).begin(), s.shape(1).end());
    y[static_cast<std::size_t>(axis)] = 1;
    x[static_cast<std::size_t>(x_axis)] = 1;
    const cost::Shape both[2] = {y, x};
    std::vector<cost::Extent> out;
    if (!cost::broadcast_shapes(both, &out)) throw SignatureError("y and x could not be broadcast together");
    slices = cost::numel(out);
  }
  return checked_mul(slices, checked_mul(s.given(1) ? 4 : 3, L - 1));
}

// One comparison or operation per element of the input.
Flops elements(const Signature& s) { return s.numel(0); }

namespace flopscope012 {
namespace {
// spec 2.12: sort_cost(n) = max(n ceil(log2 n), 1), ceil(log2 n) at least 1; sizes at least 1.
Flops sort_cost(Flops n) { return std::max<Flops>(sort_comparisons(std::max<Flops>(n, 1)), 1); }
}  // namespace

Flops intersect1d(const Signature& s) {
  const Flops n = std::max<Flops>(s.numel(0), 1), m = std::max<Flops>(s.numel(1), 1);
  return checked_add(checked_add(sort_cost(n), sort_cost(m)), sort_cost(checked_add(n, m)));
}

// NumPy's isin loops over test_elements when m < 10 n^0.145 (numpy/lib/_arraysetops_impl.py);
// upstream bills integer and bool operands (NumPy's table path) as sorted.
Flops isin(const Signature& s) {
  const Flops n = s.numel(0), m = s.numel(1);
  const Flops sorted = sort_cost(checked_add(n, m));
  auto integral = [&](std::size_t i) { return dtype::from_type_num(s[i].dtype).integral(); };
  if (!(integral(0) && integral(1)) && static_cast<double>(m) < 10.0 * std::pow(static_cast<double>(n), 0.145))
    return std::max(sorted, checked_mul(2, checked_mul(n, m)));
  return sorted;
}

Flops trapezoid(const Signature& s) {
  if (s.ndim(0) == 0) throw SignatureError("trapezoid needs at least 1 dimension");
  return checked_mul(4, s.numel(0));
}

namespace {
// Passes over the data of each bin-width estimator NumPy names, as upstream
// 0.12.4 bills them (measured: histogram_bin_edges of 100 and 1000 float64 samples).
Flops estimator_passes(std::string_view name) {
  static constexpr std::pair<std::string_view, Flops> kPasses[] = {
      {"auto", 3}, {"fd", 3}, {"doane", 8}, {"scott", 6}, {"stone", 102}, {"rice", 2}, {"sturges", 2}, {"sqrt", 2}};
  for (const auto& [n, p] : kPasses)
    if (n == name) return p;
  throw SignatureError(std::string(name) + " is not a valid estimator for `bins`");
}

// The binary-search depth per sample upstream bills for a `bins` argument:
// ceil(log2) of the count, or of the number of edges given (not of the bins
// between them), at least 1. A name: the estimator's passes; the search over
// the bins it resolves is billed once NumPy ran (writes.histogram ... searched).
Flops search_per_sample(const Signature& s, std::size_t slot, Flops n) {
  const Arg& b = s[slot];
  switch (b.kind) {
    case Arg::Kind::Str: return estimator_passes(b.s);
    case Arg::Kind::Ints: return search_depth(static_cast<Flops>(b.ints.size()));
    case Arg::Kind::Array: return search_depth(s.numel(slot));
    default: {
      bool estimator;
      return search_depth(bins_of(s, slot, n, &estimator));
    }
  }
}

// histogram2d / histogramdd: the depths of each dimension's bins (or edges given).
Flops search_per_sample_nd(const Arg& b, std::size_t dims, bool pair) {
  bool edges;
  Flops depth = 0;
  for (Flops bins : bins_per_dim(b, dims, pair, &edges)) depth = checked_add(depth, search_depth(edges ? bins + 1 : bins));
  return depth;
}
}  // namespace

Flops histogram(const Signature& s) { return checked_mul(s.numel(0), search_per_sample(s, 1, s.numel(0))); }

Flops histogram_bin_edges(const Signature& s) {
  return s[1].kind == Arg::Kind::Str ? checked_mul(s.numel(0), estimator_passes(s[1].s)) : s.numel(0);
}

Flops histogram2d(const Signature& s) {
  if (s.numel(0) != s.numel(1)) throw SignatureError("x and y must have the same length");
  return checked_mul(s.numel(0), search_per_sample_nd(s[2], 2, true));
}

Flops histogramdd(const Signature& s) {
  const auto shape = s.shape(0);
  if (shape.size() > 2) throw SignatureError("sample must be an (N, D) array");
  const Flops n = shape.empty() ? 1 : shape[0];
  const std::size_t dims = shape.size() <= 1 ? 1 : static_cast<std::size_t>(shape[1]);
  return checked_mul(n, search_per_sample_nd(s[1], dims, false));
}
}  // namespace flopscope012

}  // namespace flopscope::formulas::counting
