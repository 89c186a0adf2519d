// Primer profile (flopscope-primer.txt): one FLOP per element computed.
#include "flopscope/formulas/misc.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/cost_model.hpp"

namespace flopscope::formulas::misc {
namespace {

// NumPy's broadcast of the given operand shapes (right-aligned; 1 stretches).
std::vector<std::int64_t> broadcast(const Signature& s, std::initializer_list<std::size_t> slots) {
  std::vector<std::int64_t> out;
  for (std::size_t i : slots) {
    if (!s.given(i)) continue;
    auto sh = s.shape(i);
    if (sh.size() > out.size()) out.insert(out.begin(), sh.size() - out.size(), 1);
    const std::size_t off = out.size() - sh.size();
    for (std::size_t k = 0; k < sh.size(); ++k) {
      std::int64_t& d = out[off + k];
      if (sh[k] == d || sh[k] == 1) continue;
      if (d != 1) throw SignatureError("operands could not be broadcast together");
      d = sh[k];
    }
  }
  return out;
}

std::int64_t samples(const Signature& s) {
  const std::int64_t num = s.int_or(2, 50);
  if (num < 0) throw SignatureError("Number of samples must be non-negative");
  return num;
}

// numpy/_core/function_base.py, linspace, for endpoints that are arrays: per
// element of their broadcast, delta = stop - start, step = delta / div, the
// step == 0 test and its any() (4); per sample of each, y * step and y += start
// (2). Scalar (0-d) endpoints are free (primer: creation is free).
Flops spacing(std::int64_t num, const std::vector<std::int64_t>& endpoints) {
  if (endpoints.empty()) return 0;
  Flops b = 1;
  for (std::int64_t d : endpoints) b = checked_mul(b, d);
  return checked_add(checked_mul(4, b), checked_mul(checked_mul(2, num), b));
}

Flops numel_of(const std::vector<std::int64_t>& shape) {
  Flops n = 1;
  for (std::int64_t d : shape) n = checked_mul(n, d);
  return n;
}

}  // namespace

Flops linspace(const Signature& s) { return spacing(samples(s), broadcast(s, {0, 1})); }

// logspace: linspace of (start, stop), then one power per output element, num
// samples for each broadcast (start, stop, base) element. An array base turns
// start and stop into arrays (NumPy's ndmin), so the spacing is then priced too.
Flops logspace(const Signature& s) {
  const std::int64_t num = samples(s);
  const std::vector<std::int64_t> all = broadcast(s, {0, 1, 4});
  std::vector<std::int64_t> ends = broadcast(s, {0, 1});
  if (ends.empty() && !all.empty()) ends.assign(1, 1);
  return checked_add(checked_mul(num, numel_of(all)), spacing(num, ends));
}

// geomspace: one power per sample (the logspace of the logs); for array
// endpoints also, per endpoint element, start * 1.0 and stop * 1.0, their two
// == 0 tests and any()s, sign, two divisions by it and two log10 (11), the
// logspace's spacing, and the sign put back on every sample (1 per sample).
Flops geomspace(const Signature& s) {
  const std::int64_t num = samples(s);
  const std::vector<std::int64_t> ends = broadcast(s, {0, 1});
  const Flops b = numel_of(ends);
  const Flops powers = checked_mul(num, b);
  if (ends.empty()) return powers;
  return checked_add(checked_add(checked_mul(2, powers), checked_mul(11, b)), spacing(num, ends));
}

// asarray_chkfinite: one finiteness test per element.
Flops each_element(const Signature& s) { return s.numel(0); }

// select: one choice per condition per output element (as many where()s as
// conditions; spec section 2.3 prices it numel(out) x len(condlist) too).
Flops select(const Signature& s) {
  std::vector<cost::Shape> shapes;
  for (std::size_t slot : {0, 1})
    for (const Arg& a : s[slot].items) shapes.push_back(a.ints);
  if (s.given(2)) shapes.push_back(s.shape(2));
  std::vector<cost::Extent> out;
  if (!cost::broadcast_shapes(shapes, &out)) throw SignatureError("shape mismatch: objects cannot be broadcast");
  return checked_mul(cost::numel(out), static_cast<Flops>(s[0].items.size()));
}

// piecewise: each element of x tested against each condition (the implicit
// "otherwise" condition included); the functions' own work is charged by the
// calls they make (spec section 2.14: numel(x) x len(condlist)).
Flops piecewise(const Signature& s) {
  const Flops n = s.ndim(1) == 0 ? 1 : s.dim(1, 0);
  const std::int64_t nfuncs = s.int_or(2, 0);
  if (n != nfuncs && n != nfuncs - 1)
    throw SignatureError("with " + std::to_string(n) + " condition(s), either " + std::to_string(n) + " or " +
                         std::to_string(n + 1) + " functions are expected");
  return checked_mul(s.numel(0), nfuncs);
}

namespace {

// NumPy's _as_pairs: an int table (#-slot) broadcast to (ndim, 2); `fallback`
// for both sides when absent or None; nullopt for values that are not integers.
std::optional<std::vector<std::array<std::int64_t, 2>>> as_pairs(const Signature& s, std::size_t i, int ndim,
                                                  std::int64_t fallback, const char* what) {
  std::vector<std::array<std::int64_t, 2>> pairs(static_cast<std::size_t>(ndim), {fallback, fallback});
  const Arg& a = s[i];
  if (a.kind == Arg::Kind::Absent || a.kind == Arg::Kind::None) return pairs;
  std::int64_t rows = 1, cols = 1;
  std::vector<std::int64_t> v;
  if (a.kind == Arg::Kind::Int) {
    v = {a.i};
  } else if (a.kind == Arg::Kind::Ints) {
    v.assign(a.ints.begin(), a.ints.end());
    rows = a.rows < 0 ? 1 : a.rows;
    cols = a.rows < 0 ? static_cast<std::int64_t>(v.size()) : (a.rows == 0 ? 0 : static_cast<std::int64_t>(v.size()) / a.rows);
  } else {
    return std::nullopt;  // not integers: NumPy refuses it ("must be of integral type")
  }
  if ((rows != 1 && rows != ndim) || (cols != 1 && cols != 2) || v.empty())
    throw SignatureError("operands could not be broadcast together with remapped shapes [original->remapped]: " +
                         std::string(what) + " does not fit (" + std::to_string(ndim) + ", 2)");
  for (int d = 0; d < ndim; ++d)
    for (int side = 0; side < 2; ++side) {
      const std::int64_t x = v[static_cast<std::size_t>((rows == 1 ? 0 : d) * cols + (cols == 1 ? 0 : side))];
      if (x < 0) throw SignatureError("index can't contain negative values");
      pairs[static_cast<std::size_t>(d)][static_cast<std::size_t>(side)] = x;
    }
  return pairs;
}

}  // namespace

// pad: copying is free (primer: data movement), so constant, edge, wrap,
// empty and even reflections cost 0. NumPy pads one axis after another; for
// axis d the region it works on has the padded extent on axes <= d and the
// original extent on axes > d ("cross" below is that region's size without
// axis d). Per axis:
//   maximum / minimum / mean: a reduction over stat_length values on each side
//     (the primer's reduction rule: its input size), one when both sides
//     cover the whole axis; median: the median rule, n + 1 per slice;
//   linear_ramp: a multiply-add and a scale per ramp value (linspace), 2 each;
//   reflect / symmetric with reflect_type='odd': 2 * edge - x, 2 per padded value.
Flops pad(const Signature& s) {
  const auto shape = s.shape(0);
  const int nd = static_cast<int>(shape.size());
  const auto widths = as_pairs(s, 1, nd, 0, "pad_width");
  if (!widths) return 0;  // NumPy raises TypeError: nothing runs
  if (s[2].kind == Arg::Kind::Other)
    throw SignatureError("a callable mode runs Python on every 1-d slice inside the call, which flopscope cannot "
                         "count; pad with a mode name, or fill the padded region with flopscope.numpy operations");
  const std::string_view mode = s.str_or(2, "constant");
  const bool stat = mode == "maximum" || mode == "minimum" || mode == "mean" || mode == "median";
  const bool ramp = mode == "linear_ramp";
  const bool odd = (mode == "reflect" || mode == "symmetric") && s.str_or(4, "even") == "odd";
  if (!stat && !ramp && !odd) return 0;
  Flops size = 1;
  for (std::int64_t d : shape) size = checked_mul(size, d);
  if (size == 0) return 0;  // NumPy computes nothing (or refuses) for an empty array
  const auto lengths = as_pairs(s, 3, nd, -1, "stat_length");
  if (!lengths) return 0;  // NumPy raises TypeError: nothing runs
  const auto& width = *widths;
  const auto& length = *lengths;
  Flops total = 0;
  for (int d = 0; d < nd; ++d) {
    const auto& [before, after] = width[static_cast<std::size_t>(d)];
    const std::int64_t n = shape[static_cast<std::size_t>(d)];
    Flops cross = 1;
    for (int e = 0; e < nd; ++e) {
      if (e == d) continue;
      const auto& w = width[static_cast<std::size_t>(e)];
      cross = checked_mul(cross, e < d ? checked_add(shape[static_cast<std::size_t>(e)], checked_add(w[0], w[1]))
                                       : shape[static_cast<std::size_t>(e)]);
    }
    if (stat) {
      auto len = [&](std::int64_t l) { return l < 0 || l > n ? n : l; };
      const std::int64_t left = len(length[static_cast<std::size_t>(d)][0]);
      const std::int64_t right = len(length[static_cast<std::size_t>(d)][1]);
      auto reduce = [&](std::int64_t l) {
        return mode == "median" ? (l == 0 ? 0 : checked_mul(cross, l + 1)) : checked_mul(cross, l);
      };
      total = checked_add(total, reduce(left));
      if (!(left == n && right == n)) total = checked_add(total, reduce(right));
    } else if (!(odd && n == 1)) {  // a length-1 axis is padded with its edge
      total = checked_add(total, checked_mul(checked_mul(2, cross), checked_add(before, after)));
    }
  }
  return total;
}

namespace {
// The (rows, cols) of m as np.tril/np.triu read it (a 1-d m is its own
// square), and the number of such matrices.
void triangle_dims(const Signature& s, std::int64_t* rows, std::int64_t* cols, Flops* batch) {
  if (s.ndim(0) == 0) throw SignatureError("the array must have at least one dimension");
  *cols = s.dim(0, -1);
  *rows = s.ndim(0) == 1 ? *cols : s.dim(0, -2);
  *batch = s.ndim(0) == 1 ? 1 : formula_util::batch(s.shape(0), 2);
}

// Cells (i, j) with j <= i + k of a rows x cols matrix.
Flops lower_cells(std::int64_t rows, std::int64_t cols, std::int64_t k) {
  Flops kept = 0;
  for (std::int64_t i = 0; i < rows; ++i) kept = checked_add(kept, std::clamp<std::int64_t>(i + k + 1, 0, cols));
  return kept;
}
}  // namespace

Flops pair_elements(const Signature& s) {
  const cost::Shape shapes[2] = {s.shape(0), s.shape(1)};
  std::vector<cost::Extent> out;
  if (!cost::broadcast_shapes(shapes, &out)) throw SignatureError("operands could not be broadcast together");
  return cost::numel(out);
}

Flops masked_copy(const Signature& s) {
  std::int64_t rows, cols;
  Flops batch;
  triangle_dims(s, &rows, &cols, &batch);
  return 0;
}

Flops free_of_flops(const Signature&) { return 0; }

namespace flopscope012 {
// Measured: one per dimension of the shapes given (an int is one), at least 1.
Flops broadcast_shapes(const Signature& s) {
  Flops n = 0;
  for (const Arg& shape : s[0].items) {
    if (shape.kind == Arg::Kind::Int) ++n;
    else if (shape.kind == Arg::Kind::Ints) n = checked_add(n, static_cast<Flops>(shape.ints.size()));
    else throw SignatureError("each shape must be an int or a tuple of ints");
  }
  return std::max<Flops>(n, 1);
}

// Measured: one per element of the condition; the elements kept are billed as written.
Flops compress(const Signature& s) { return s.numel(0); }

// upstream 0.12.4 (measured): ix_ turns each boolean mask into its indices
// with nonzero, billed for the mask's elements (at the index dtype's rate:
// compute.ix_ with_int64); the index arrays it returns are its writes.
Flops ix_(const Signature& s) {
  constexpr int kBool = 0;  // NPY_BOOL
  Flops scanned = 0;
  for (const Arg& a : s[0].items) {
    if (a.kind != Arg::Kind::Array || a.dtype != kBool) continue;
    Flops n = 1;
    for (std::int64_t d : a.ints) n = checked_mul(n, d);
    scanned = checked_add(scanned, n);
  }
  return scanned;
}

// Measured: at least 1 (an empty pair).
Flops allclose(const Signature& s) {
  const Flops n = pair_elements(s);
  return std::max<Flops>(checked_add(checked_mul(6, n), std::max<Flops>(n - 1, 0)), 1);
}

Flops tril(const Signature& s) {
  std::int64_t rows, cols;
  Flops batch;
  triangle_dims(s, &rows, &cols, &batch);
  return checked_mul(batch, lower_cells(rows, cols, s.int_or(1, 0)));
}

// triu keeps j >= i + k: everything tril(k - 1) does not.
Flops triu(const Signature& s) {
  std::int64_t rows, cols;
  Flops batch;
  triangle_dims(s, &rows, &cols, &batch);
  return checked_mul(batch, checked_mul(rows, cols) - lower_cells(rows, cols, s.int_or(1, 0) - 1));
}

Flops pad(const Signature& s) {
  const Flops work = misc::pad(s);  // validates; the primer's mode surcharges
  const auto shape = s.shape(0);
  const auto widths = as_pairs(s, 1, static_cast<int>(shape.size()), 0, "pad_width");
  if (!widths) return work;
  Flops out = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    out = checked_mul(out, checked_add(shape[d], checked_add((*widths)[d][0], (*widths)[d][1])));
  return checked_add(out, work);
}

// Upstream 0.12.4 bills logspace and geomspace one power per sample of each
// broadcast (start, stop[, base]) element, array endpoints or not: the spacing
// arithmetic the primer prices (logspace, geomspace above) is not in its bill.
Flops logspace(const Signature& s) { return checked_mul(samples(s), numel_of(broadcast(s, {0, 1, 4}))); }
Flops geomspace(const Signature& s) { return checked_mul(samples(s), numel_of(broadcast(s, {0, 1}))); }

}  // namespace flopscope012

}  // namespace flopscope::formulas::misc
