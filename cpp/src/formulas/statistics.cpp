#include "flopscope/formulas/statistics.hpp"

#include <algorithm>
#include <vector>

#include "flopscope/cost_model.hpp"
#include "flopscope/symmetry.hpp"

namespace flopscope::formulas::statistics {
namespace {

struct Slices {
  Flops length = 0;  // elements per slice (the product of the reduced extents)
  Flops count = 0;   // number of slices (outputs)
};

// Slices of argument i reduced over the axis argument in slot `axis_slot` (None: all axes).
Slices slices(const Signature& s, std::size_t i, std::size_t axis_slot) {
  const std::vector<int> axes = s.axes_or_all(axis_slot, s.ndim(i));
  Slices out;
  out.length = 1;
  for (int a : axes) out.length = checked_mul(out.length, s.dim(i, a));
  out.count = cost::kept_numel(s.shape(i), axes);
  return out;
}

using formula_util::sort_comparisons;

// The operand's length for convolve / correlate (NumPy reads them as 1-d).
std::int64_t length_1d(const Signature& s, std::size_t i) {
  if (s.ndim(i) > 1) throw SignatureError("object too deep for desired array");
  const Flops n = s.numel(i);
  if (n == 0) throw SignatureError("v cannot be empty");
  return n;
}

// Sum of the overlaps of the first K outputs of the full convolution of
// lengths p >= q (overlap ramps 1..q, stays q, ramps down to 1).
Flops overlap_prefix(Flops p, Flops q, Flops k) {
  const Flops total = p + q - 1;
  k = std::clamp<Flops>(k, 0, total);
  auto ramp = [](Flops m) { return checked_mul(m, m + 1) / 2; };  // 1 + ... + m
  Flops sum = ramp(std::min(k, q));                                 // rising part
  if (k > q) sum = checked_add(sum, checked_mul(std::min(k, p) - q, q));  // outputs q..p-1 overlap q each
  if (k > p) sum = checked_add(sum, ramp(q - 1) - ramp(q - 1 - (k - p)));  // then q-1, q-2, ..., 1
  return sum;
}

// One multiply-add per (output, tap) pair of the outputs `mode` keeps.
Flops convolution(const Signature& s, std::string_view fallback) {
  const Flops n = length_1d(s, 0), m = length_1d(s, 1);
  const Flops p = std::max(n, m), q = std::min(n, m);
  const std::string_view mode = s.str_or(2, fallback);
  if (mode == "full") return checked_mul(n, m);
  if (mode == "valid") return checked_mul(p - q + 1, q);
  if (mode == "same") {
    const Flops first = (q - 1) / 2;  // the p central outputs
    return overlap_prefix(p, q, first + p) - overlap_prefix(p, q, first);
  }
  throw SignatureError("mode must be one of 'valid', 'same', or 'full'");
}

Flops median_of(const Signature& s, bool nan_scan) {
  const Slices sl = slices(s, 0, 1);
  if (sl.length == 0) return 0;
  // Introselect: one pass over each slice, then the mean of the two middle values.
  Flops c = checked_mul(sl.count, sl.length + 1);
  return nan_scan ? checked_add(c, s.numel(0)) : c;
}

Flops quantiles_of(const Signature& s, bool nan_scan) {
  const Slices sl = slices(s, 0, 2);
  if (sl.length == 0) return 0;
  const Flops nq = s.numel(1);
  // One selection pass per requested quantile (the partition rule), then a
  // linear interpolation (subtract, multiply, add) per output.
  Flops c = checked_mul(checked_mul(sl.count, nq), sl.length + 3);
  if (s.given(7)) c = checked_add(c, s.numel(7));  // weights: their cumulative sum
  return nan_scan ? checked_add(c, s.numel(0)) : c;
}

// (features, samples) of cov's m (and y), as NumPy orients them.
void variables(const Signature& s, std::size_t i, bool rowvar, Flops* f, Flops* n) {
  if (s.ndim(i) > 2) throw SignatureError("m has more than 2 dimensions");
  if (s.ndim(i) < 2) {
    *f = 1;
    *n = s.ndim(i) == 0 ? 1 : s.dim(i, 0);
    return;
  }
  const bool rows = rowvar || s.dim(i, 0) == 1;
  *f = rows ? s.dim(i, 0) : s.dim(i, 1);
  *n = rows ? s.dim(i, 1) : s.dim(i, 0);
}

// The variables f of cov's m and y together, and the observations n of each
// (refused when y's count differs).
void all_variables(const Signature& s, std::size_t rowvar_slot, Flops* f, Flops* n) {
  const bool rowvar = s.bool_or(rowvar_slot, true);
  variables(s, 0, rowvar, f, n);
  if (s.given(1)) {
    Flops fy, ny;
    variables(s, 1, rowvar, &fy, &ny);
    if (ny != *n) throw SignatureError("all the input array dimensions except for the concatenation axis must match");
    *f = checked_add(*f, fy);
  }
}

// Centring (a mean and a subtraction per entry, 2fs), the product X X^T (f^2 s
// multiply-adds) and the normalisation (f^2); weights scale the entries (fs each).
Flops covariance(const Signature& s, std::size_t rowvar_slot, std::size_t n_weights) {
  Flops f, n;
  all_variables(s, rowvar_slot, &f, &n);
  const Flops fs = checked_mul(f, n);
  Flops c = checked_add(checked_add(checked_mul(f, fs), checked_mul(2, fs)), checked_mul(f, f));
  for (std::size_t k = 0; k < n_weights; ++k)
    if (s.given(5 + k)) c = checked_add(c, fs);
  return c;
}

}  // namespace

Flops median(const Signature& s) { return median_of(s, false); }
Flops nanmedian(const Signature& s) { return median_of(s, true); }
Flops quantiles(const Signature& s) { return quantiles_of(s, false); }
Flops nanquantiles(const Signature& s) { return quantiles_of(s, true); }

// Unweighted: the mean (primer "Reductions": the input size). Weighted: one
// multiply-add per element, the sum of the weights, one division per output.
Flops average(const Signature& s) {
  const Slices sl = slices(s, 0, 1);
  if (!s.given(2)) return s.numel(0);
  return checked_add(checked_add(s.numel(0), s.numel(2)), sl.count);
}

Flops cov(const Signature& s) { return covariance(s, 2, 2); }

// cov, then the standard deviations (f square roots) and the division of each
// entry by the product of two of them (2f^2).
Flops corrcoef(const Signature& s) {
  Flops f, n;
  all_variables(s, 2, &f, &n);
  return checked_add(covariance(s, 2, 0), checked_add(f, checked_mul(2, checked_mul(f, f))));
}

// The k-th difference along an axis of length L (prepend/append included):
// NumPy's loop runs k passes (numpy/lib/_function_base_impl.py, diff), pass j
// subtracting (L - j) x (the other extents) elements, and every pass is one
// subtract call even once nothing is left: each pass costs at least 1, so that
// diff(x, n=10**6) of 3 elements is priced for the million calls it runs.
// Closed form (k may be huge): t = min(k, L - 1) passes with elements,
// others x (tL - t(t+1)/2), plus 1 for each of the other k - t passes.
Flops diff(const Signature& s) {
  const std::int64_t k = s.int_or(1, 1);
  if (k < 0) throw SignatureError("order must be non-negative");
  if (k == 0 || s.ndim(0) == 0) return 0;
  const int axis = s.axis_or(2, s.ndim(0), -1);
  Flops length = s.dim(0, axis);
  for (std::size_t extra : {3u, 4u})
    if (s.given(extra)) length = checked_add(length, s.ndim(extra) == s.ndim(0) ? s.dim(extra, axis) : 1);
  Flops others = 1;
  for (int d = 0; d < s.ndim(0); ++d)
    if (d != axis) others = checked_mul(others, s.dim(0, d));
  const Flops t = others == 0 ? 0 : std::clamp<Flops>(length - 1, 0, k);
  const Flops per = checked_mul(t, length) - checked_mul(t, t + 1) / 2;
  return checked_add(checked_mul(others, per), k - t);
}

// gradient, per differentiated axis of length L with m = size / L lines
// (NumPy's second-order central differences; a multiply-add counted once):
//   uniform spacing: (f[i+1] - f[i-1]) / 2h, 2 per interior value; first-order
//     edges (f1 - f0) / h, 2 per edge value; second-order edges a f0 + b f1 + c f2, 3;
//   coordinates (a 1-d array of L points): their L - 1 differences and the
//     uniformity test (L - 1), the three weights of each interior point (9), then
//     a f[i-1] + b f[i] + c f[i+1], 3 per interior value; second-order edges add
//     their weights (9 each side). NumPy takes the uniform path when the points
//     turn out evenly spaced; the price, fixed before the call, is the general one.
// An axis shorter than edge_order + 1 is refused by NumPy (nothing is charged).
Flops gradient(const Signature& s) {
  const int nd = s.ndim(0);
  if (nd == 0) return 0;
  const std::vector<int> axes = s.axes_or_all(2, nd);
  const std::int64_t edge_order = s.int_or(3, 1);
  const auto& spacing = s[1].items;
  if (!(spacing.empty() || spacing.size() == 1 || spacing.size() == axes.size())) return 0;  // NumPy: TypeError
  const Flops size = s.numel(0);
  Flops total = 0;
  for (std::size_t k = 0; k < axes.size(); ++k) {
    const std::int64_t L = s.dim(0, axes[k]);
    if (L < edge_order + 1 || L < 2) return 0;
    const Flops m = size / L, interior = L - 2;
    const bool coordinates = spacing.size() == axes.size() && !spacing[k].ints.empty();
    Flops c = checked_mul(checked_mul(coordinates ? 3 : 2, m), interior);
    c = checked_add(c, checked_mul(edge_order == 2 ? 6 : 4, m));
    if (coordinates)
      c = checked_add(c, checked_add(2 * (L - 1) + 9 * interior, edge_order == 2 ? 18 : 0));
    total = checked_add(total, c);
  }
  return total;
}

// unwrap, 12 per difference (L - 1 per slice along axis), NumPy's steps:
// diff (1), mod(dd - low, period) + low (3), the boundary fix where ddmod ==
// low and dd > 0 (3), ddmod - dd (1), zeroed where |dd| < discont (2), the
// cumulative sum and its addition to p (2).
Flops unwrap(const Signature& s) {
  if (s.ndim(0) == 0) throw SignatureError("diff requires input that is at least one dimensional");
  const int axis = s.axis_or(2, s.ndim(0), -1);
  const Flops L = s.dim(0, axis);
  if (L <= 1) return 0;
  return checked_mul(12, s.numel(0) / L * (L - 1));
}

Flops convolve(const Signature& s) { return convolution(s, "full"); }
Flops correlate(const Signature& s) { return convolution(s, "valid"); }

// One product per output element.
Flops kron(const Signature& s) { return checked_mul(s.numel(0), s.numel(1)); }

// Per pair of vectors: 3-d x 3-d, 3 components of a*b - c*d (2 each, a
// multiply-add counted once) = 6; 2-d x 3-d 4; 2-d x 2-d (a scalar) 2.
Flops cross(const Signature& s) {
  const bool one_axis = s.given(5);
  const int axa = s.axis_or(one_axis ? 5 : 2, s.ndim(0), -1), axb = s.axis_or(one_axis ? 5 : 3, s.ndim(1), -1);
  const std::int64_t da = s.dim(0, axa), db = s.dim(1, axb);
  if ((da != 2 && da != 3) || (db != 2 && db != 3))
    throw SignatureError("incompatible dimensions for cross product (dimension must be 2 or 3)");
  std::vector<cost::Extent> ra, rb;
  for (int d = 0; d < s.ndim(0); ++d) if (d != axa) ra.push_back(s.dim(0, d));
  for (int d = 0; d < s.ndim(1); ++d) if (d != axb) rb.push_back(s.dim(1, d));
  const cost::Shape both[2] = {ra, rb};
  std::vector<cost::Extent> out;
  if (!cost::broadcast_shapes(both, &out)) throw SignatureError("shape mismatch: objects cannot be broadcast");
  const Flops per = da == 3 && db == 3 ? 6 : (da == 2 && db == 2 ? 2 : 4);
  return checked_mul(cost::numel(out), per);
}

// A sort of the flattened input (axis None) or, along an axis of d items of
// row length r, d ceil(log2 d) comparisons of r elements each; then a linear pass.
Flops unique(const Signature& s) {
  if (!s.given(4)) return sort_comparisons(s.numel(0));
  const int axis = s.axis_or(4, s.ndim(0), 0);
  const Flops d = s.dim(0, axis);
  if (d == 0) return 0;
  return checked_mul(sort_comparisons(d), s.numel(0) / d);
}

Flops unique_flat(const Signature& s) { return sort_comparisons(s.numel(0)); }

namespace flopscope012 {
namespace {
// Upstream bills its nan scan at least 1, over a symmetric input's orbits (this
// profile counts orbits; measured on upstream 0.12.4: nanmedian of a symmetric
// 16x16 float32 is 256 + 136).
Flops nan_scan(const Signature& s) {
  const Flops read = s[0].symmetry != 0 ? symmetry::orbit_count(s.shape(0), s[0].symmetry) : s.numel(0);
  return std::max<Flops>(read, 1);
}
}  // namespace

// spec 2.7 "Profile C extras": the axis length per output slice.
Flops median(const Signature& s) { return s.numel(0); }
Flops nanmedian(const Signature& s) {
  if (s.numel(0) == 0) return 1;  // measured: an empty nanmedian returns before its scan
  return checked_add(std::max<Flops>(median(s), 1), nan_scan(s));
}

// spec 2.7: unweighted, per output slice n min(k, 1 + 4 ceil(log2 min(k, n))) + 4k
// for k quantiles; weighted 4n ceil(log2 n) + 3n + k (ceil(log2 n) + 4).
Flops quantiles(const Signature& s) {
  const Slices sl = slices(s, 0, 2);
  const Flops n = sl.length, k = std::max<Flops>(s.numel(1), 1);
  Flops one;
  if (s.given(7)) {
    const Flops lg = formula_util::ceil_log2(n);
    one = checked_add(checked_add(checked_mul(4, checked_mul(n, lg)), checked_mul(3, n)), checked_mul(k, lg + 4));
  } else {
    const Flops passes = std::min<Flops>(k, 1 + 4 * formula_util::ceil_log2(std::min(k, n)));
    one = checked_add(checked_mul(n, passes), checked_mul(4, k));
  }
  return checked_mul(std::max<Flops>(sl.count, 1), one);
}
Flops nanquantiles(const Signature& s) { return checked_add(quantiles(s), nan_scan(s)); }

// spec 2.7 "Profile C extras"; measured: each term at least 1.
// Unweighted, a symmetric input bills as mean does: the orbits of the stabilizer
// of the reduced axes, less the output's (measured on upstream 0.12.4: 136 for
// a symmetric 16x16 float32, 75 over axis 0 of a symmetric 5x5x5).
Flops average(const Signature& s) {
  const Slices sl = slices(s, 0, 1);
  Flops n = s.numel(0), m = std::max<Flops>(sl.count, 1);
  if (s.given(2)) return std::max<Flops>(checked_mul(3, n) - m, 1);
  if (s[0].symmetry != 0) {
    bool reduced[64];
    s.reduced_axes(0, 1, reduced);
    const auto shape = s.shape(0);
    const symmetry::ReductionCounts c =
        symmetry::reduction_counts(true, shape, s[0].symmetry, {reduced, shape.size()}, s.bool_or(5, false));
    n = c.input;
    m = std::max<Flops>(c.output, 1);
  }
  return checked_add(std::max<Flops>(n - m, 1), m);
}

// spec 2.14, f variables (x's and y's) of s observations each.
Flops cov(const Signature& s) {
  Flops f, n;
  all_variables(s, 2, &f, &n);
  return checked_add(checked_mul(2, checked_mul(checked_mul(f, f), n)), checked_mul(2, checked_mul(f, n)));
}

Flops corrcoef(const Signature& s) {
  Flops f, n;
  all_variables(s, 2, &f, &n);
  // measured: the covariance part costs at least 1 (an empty input)
  return checked_add(std::max<Flops>(cov(s), 1), checked_add(checked_mul(2, checked_mul(f, f)), f));
}

// spec 2.14: 13 per element.
Flops unwrap(const Signature& s) {
  if (s.ndim(0) == 0) throw SignatureError("diff requires input that is at least one dimensional");
  return checked_mul(13, s.numel(0));
}
}  // namespace flopscope012

}  // namespace flopscope::formulas::statistics
