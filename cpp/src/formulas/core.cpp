#include "flopscope/formulas/core.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "flopscope/symmetry.hpp"

namespace flopscope::formulas::core {
namespace {

using A = Arg::Kind;

bool given(const Signature& s, std::size_t i) { return s.given(i); }

// The shapes of the given operands among slots `slots`, broadcast together:
// the output's size. Throws for shapes NumPy would refuse.
Flops broadcast_numel(const Signature& s, std::span<const std::size_t> slots) {
  cost::Shape shapes[8];
  std::size_t n = 0;
  for (std::size_t i : slots)
    if (given(s, i)) shapes[n++] = s.shape(i);
  std::vector<cost::Extent> out;
  if (!cost::broadcast_shapes({shapes, n}, &out)) throw SignatureError("operands could not be broadcast together");
  return cost::numel(out);
}

// A binary product of a and b (slots 0 and 1) contracting `a_axes` with `b_axes`.
void product(const Profile& p, OpId op, const Signature& s, cost::Product kind, std::span<const int> a_axes,
             std::span<const int> b_axes, Priced* out) {
  Flops contracted;
  bool summed;
  if (!cost::product_contraction(kind, s.shape(0), s.shape(1), a_axes, b_axes, &contracted, &summed))
    throw SignatureError("shapes are not aligned for this contraction");
  const Flops na = s.numel(0), nb = s.numel(1);
  out->cost = cost::binary_contraction(p, op, na, nb, contracted, summed);
  if (p.complex_contractions_exact() && (s[0].complex() || s[1].complex()))
    out->complex_exact = cost::binary_contraction(p, op, na, nb, contracted, summed, cost::Arithmetic::Complex);
}

// A reduction of a symmetric operand (spec 5.4): the output keeps the setwise
// stabilizer of the reduced axes; under symmetry.orbits the input is counted
// by its orbits under that stabilizer and the output by its own orbits
// (upstream 0.12.4: sum of a symmetric n x n is n(n+1)/2 - n).
void symmetric_counts(const Profile& p, OpId op, const Signature& s, Flops* in, Flops* kept,
                      std::optional<Flops>* scanned, Priced* out) {
  const auto shape = s.shape(0);
  bool reduced[64];
  s.reduced_axes(0, 1, reduced);
  const int keepdims_slot = slot_index(op, "keepdims");
  const bool keep = keepdims_slot >= 0 && s.bool_or(static_cast<std::size_t>(keepdims_slot), false);
  const symmetry::ReductionCounts c =
      symmetry::reduction_counts(p.symmetry_orbits, shape, s[0].symmetry, {reduced, shape.size()}, keep);
  out->result_symmetry = c.group;
  *in = c.input;
  *kept = c.output;
  *scanned = c.scanned;
}

// The inputs `slots` of a pointwise op broadcast together (symmetry::pointwise_counts).
void symmetric_pointwise(const Profile& p, const Signature& s, std::span<const std::size_t> slots, Flops* elements,
                         Priced* out) {
  std::vector<symmetry::Operand> operands;
  for (std::size_t i : slots)
    if (given(s, i)) operands.push_back({s.shape(i), s[i].symmetry});
  symmetry::pointwise_counts(p.symmetry_orbits, operands, elements, &out->result_symmetry);
}

bool any_symmetric(const Signature& s, std::span<const std::size_t> slots) {
  for (std::size_t i : slots)
    if (s[i].kind == A::Array && s[i].symmetry != 0) return true;
  return false;
}

}  // namespace

void reduction(const Profile& p, OpId op, const Signature& s, Priced* out) {
  Flops in = s.numel(0), kept = s.reduced_numel(0, 1);
  std::optional<Flops> scanned;
  if (s[0].symmetry != 0) [[unlikely]] symmetric_counts(p, op, s, &in, &kept, &scanned, out);
  out->cost = cost::reduction(p, op, in, kept, s[0].integral(), scanned);
}

void deviation(const Profile& p, OpId op, const Signature& s, Priced* out) {
  Flops in = s.numel(0), kept = s.reduced_numel(0, 1);
  std::optional<Flops> scanned;
  if (s[0].symmetry != 0) [[unlikely]] symmetric_counts(p, op, s, &in, &kept, &scanned, out);
  out->cost = cost::deviation(p, op, in, kept, s[0].integral(), scanned);
}

void trace(const Profile& p, OpId op, const Signature& s, Priced* out) {
  const int nd = s.ndim(0);
  if (nd < 2) throw SignatureError("the array must have at least two dimensions");
  const int ax1 = s.axis_or(2, nd, 0), ax2 = s.axis_or(3, nd, 1);
  if (ax1 == ax2) throw SignatureError("axis1 and axis2 must be two different axes of the array");
  Flops elements, slices;
  cost::trace_elements(s.shape(0), ax1, ax2, s.int_or(1, 0), &elements, &slices);
  out->cost = cost::reduction(p, op, elements, slices);
}

void elementwise(const Profile& p, OpId op, const Signature& s, Priced* out) {
  Flops elements = s.numel(0);
  const std::size_t slots[1] = {0};
  if (any_symmetric(s, slots)) [[unlikely]] symmetric_pointwise(p, s, slots, &elements, out);
  out->cost = cost::pointwise(p, op, elements);
}

void pairwise(const Profile& p, OpId op, const Signature& s, Priced* out) {
  const std::size_t slots[2] = {0, 1};
  Flops elements = broadcast_numel(s, slots);
  if (any_symmetric(s, slots)) [[unlikely]] symmetric_pointwise(p, s, slots, &elements, out);
  out->cost = cost::pointwise(p, op, elements);
}

void clip(const Profile& p, OpId op, const Signature& s, Priced* out) {
  // NumPy >= 2.1 also takes the bounds as min= / max= (ndarray.clip only those).
  const std::size_t lo = given(s, 1) ? 1 : 4, hi = given(s, 2) ? 2 : 5;
  const std::size_t slots[3] = {0, lo, hi};
  const int bounds = given(s, lo) + given(s, hi);
  Flops elements = broadcast_numel(s, slots);
  if (any_symmetric(s, slots)) [[unlikely]] symmetric_pointwise(p, s, slots, &elements, out);
  // upstream 0.12.4 (clip.per_bound): one comparison per bound given.
  out->cost = cost::pointwise(p, op, checked_mul(elements, p.clip_per_bound ? std::max(bounds, 1) : 1));
}

void where(const Profile& p, OpId op, const Signature& s, Priced* out) {
  if (given(s, 1) != given(s, 2)) throw SignatureError("either both or neither of x and y should be given");
  const std::size_t slots[3] = {0, 1, 2};
  out->cost = cost::pointwise(p, op, broadcast_numel(s, slots));
}

namespace {
void equality(const Profile& p, OpId op, const Signature& s, bool shapes_must_match, Priced* out) {
  const cost::Shape a = s.shape(0), b = s.shape(1);
  const bool same = std::equal(a.begin(), a.end(), b.begin(), b.end());
  const cost::Shape both[2] = {a, b};
  std::vector<cost::Extent> bcast;
  if ((shapes_must_match && !same) || !cost::broadcast_shapes(both, &bcast)) {
    out->cost = p.equality_bills_mismatched_shapes ? cost::pointwise(p, op, std::max(s.numel(0), s.numel(1))) : 0;
  } else {
    out->cost = cost::pointwise(p, op, cost::numel(bcast));
  }
}
}  // namespace

void array_equal(const Profile& p, OpId op, const Signature& s, Priced* out) { equality(p, op, s, true, out); }
void array_equiv(const Profile& p, OpId op, const Signature& s, Priced* out) { equality(p, op, s, false, out); }

void dot(const Profile& p, OpId op, const Signature& s, Priced* out) { product(p, op, s, cost::Product::Dot, {}, {}, out); }
void inner(const Profile& p, OpId op, const Signature& s, Priced* out) { product(p, op, s, cost::Product::Inner, {}, {}, out); }
void outer(const Profile& p, OpId op, const Signature& s, Priced* out) { product(p, op, s, cost::Product::Outer, {}, {}, out); }
void vdot(const Profile& p, OpId op, const Signature& s, Priced* out) { product(p, op, s, cost::Product::Vdot, {}, {}, out); }

void tensordot_axes(const Signature& s, std::vector<int>* a_axes, std::vector<int>* b_axes) {
  // axes: an int n (the last n of a with the first n of b; default 2), a pair
  // of ints, or a pair of equal-length axis sequences.
  const int na = s.ndim(0), nb = s.ndim(1);
  std::vector<int>& ax = *a_axes;
  std::vector<int>& bx = *b_axes;
  const Arg& axes = s[2];
  auto normalised = [](std::int64_t v, int nd) {
    const std::int64_t a = v < 0 ? v + nd : v;
    if (a < 0 || a >= nd) throw SignatureError("invalid axes argument for the operand shapes");
    return static_cast<int>(a);
  };
  if (axes.kind == A::Absent || axes.kind == A::Int) {
    const std::int64_t n = axes.kind == A::Int ? axes.i : 2;
    if (n < 0 || n > na || n > nb)
      throw SignatureError("axes=" + std::to_string(n) + " does not fit operands of " + std::to_string(na) + " and " +
                           std::to_string(nb) + " dimensions");
    for (std::int64_t i = 0; i < n; ++i) {
      ax.push_back(static_cast<int>(na - n + i));
      bx.push_back(static_cast<int>(i));
    }
  } else if (axes.kind == A::Ints && axes.rows < 0 && axes.ints.size() == 2) {  // (i, j)
    ax.push_back(normalised(axes.ints[0], na));
    bx.push_back(normalised(axes.ints[1], nb));
  } else if (axes.kind == A::Ints && axes.rows == 2) {  // ((i, ...), (j, ...))
    const std::size_t width = axes.ints.size() / 2;
    for (std::size_t i = 0; i < width; ++i) {
      ax.push_back(normalised(axes.ints[i], na));
      bx.push_back(normalised(axes.ints[width + i], nb));
    }
  } else {
    throw SignatureError("axes must be an int or a pair of axis sequences");
  }
}

void tensordot(const Profile& p, OpId op, const Signature& s, Priced* out) {
  std::vector<int> ax, bx;
  tensordot_axes(s, &ax, &bx);
  product(p, op, s, cost::Product::Tensordot, ax, bx, out);
}

bool einsum_plan(const Profile& p, OpId op, const Signature& s, einsum::Expression* expr, einsum::Path* path) {
  if (s[0].kind != A::Str) throw SignatureError("pass the subscripts string first, e.g. einsum('ij,jk->ik', a, b)");
  std::vector<cost::Shape> shapes;
  for (const Arg& a : s[1].items) shapes.push_back(a.ints);
  try {
    *expr = einsum::parse(s[0].s, shapes);
  } catch (const SignatureError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw SignatureError(e.what());
  }
  const bool use_path = einsum::path_from_argument(p, op, *expr, s[6], path);
  if (!use_path) *path = einsum::unoptimized_pricing_path(p, op, *expr);
  return use_path;
}

void einsum(const Profile& p, OpId op, const Signature& s, Priced* out) {
  const std::span<const Arg> operands = s[1].items;
  einsum::Expression expr;
  einsum::Path path;
  const bool use_path = einsum_plan(p, op, s, &expr, &path);
  try {
    out->cost = einsum::path_cost(p, op, expr, path);
    if (p.complex_contractions_exact() && std::any_of(operands.begin(), operands.end(), [](const Arg& a) { return a.complex(); }))
      out->complex_exact = einsum::path_cost(p, op, expr, path, nullptr, cost::Arithmetic::Complex);
    if (s[2].kind == A::Array) out->cost = checked_add(out->cost, einsum::out_copy_cost(p, s.numel(2)));
  } catch (const CostOverflowError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw SignatureError(e.what());
  }
  // NumPy runs the contraction along the path priced (its pairwise steps
  // through matmul/BLAS where they apply), so that the work done is the work
  // billed: a searched path replaces optimize=, and so does the path a
  // profile prices a call without one by (einsum.path_summed). An empty path
  // is the one step NumPy's own loop runs: NumPy is left alone. An explicit
  // list is NumPy's own path already.
  const Arg& optimize = s[6];
  const bool listed = optimize.kind == A::Arrays;
  out->run_path = (use_path && !listed && optimize.kind != A::Absent) || (!use_path && !path.empty());
  if (out->run_path) out->path = std::move(path);
}

void sort(const Profile& p, OpId op, const Signature& s, Priced* out) {
  Flops length, slices;
  s.slices_along(0, 1, -1, &length, &slices);
  out->cost = cost::sort(p, op, length, slices);
}

void partition(const Profile& p, OpId op, const Signature& s, Priced* out) {
  Flops length, slices;
  s.slices_along(0, 2, -1, &length, &slices);
  const Arg& kth = s[1];
  Flops n_kth;  // an int, or a sequence / array of ints
  if (kth.kind == A::Int) {
    n_kth = 1;
  } else if (kth.kind == A::Ints) {
    n_kth = static_cast<Flops>(kth.ints.size());
  } else if (kth.kind == A::Array) {
    n_kth = s.numel(1);
  } else {
    throw SignatureError("kth must be an int or a sequence of ints");
  }
  out->cost = cost::partition(p, op, length, slices, n_kth);
}

void search(const Profile& p, OpId op, const Signature& s, Priced* out) {
  out->cost = cost::search(p, op, s.numel(1), s.numel(0));
}

}  // namespace flopscope::formulas::core

namespace flopscope::einsum {

bool path_from_argument(const Profile& profile, OpId op, const Expression& expr, const Arg& optimize, Path* path) {
  using A = Arg::Kind;
  switch (optimize.kind) {
    case A::Absent:
    case A::None: return false;
    case A::Bool:
      if (optimize.i == 0) return false;
      *path = find_path(profile, op, expr, "greedy");
      return true;
    case A::Str:
      if (optimize.s != "greedy" && optimize.s != "optimal")
        throw SignatureError("optimize must be False, True, 'greedy', 'optimal' or a path, got '" +
                             std::string(optimize.s) + "'");
      *path = find_path(profile, op, expr, optimize.s);
      return true;
    case A::Arrays:  // ['einsum_path', (0, 1), ...]: the steps, as given
      for (const Arg& step : optimize.items) path->emplace_back(step.ints.begin(), step.ints.end());
      return true;
    default: throw SignatureError("optimize must be False, True, 'greedy', 'optimal' or a path");
  }
}

}  // namespace flopscope::einsum
