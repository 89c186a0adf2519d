#include "flopscope/cost_model.hpp"

#include <algorithm>
#include <cmath>

namespace flopscope::cost {

Flops numel(Shape shape) {
  Flops n = 1;
  for (Extent e : shape) n = checked_mul(n, e);
  return n;
}

bool move_axes_last(Shape shape, std::span<const int> core_axes, std::vector<Extent>* out) {
  const int nd = static_cast<int>(shape.size());
  std::vector<int> axes;
  for (int a : core_axes) {
    const int n = a < 0 ? a + nd : a;
    if (n < 0 || n >= nd || std::find(axes.begin(), axes.end(), n) != axes.end()) return false;
    axes.push_back(n);
  }
  out->clear();
  for (int d = 0; d < nd; ++d)
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) out->push_back(shape[static_cast<std::size_t>(d)]);
  for (int a : axes) out->push_back(shape[static_cast<std::size_t>(a)]);
  return true;
}

bool broadcast_shapes(std::span<const Shape> shapes, std::vector<Extent>* out) {
  std::size_t ndim = 0;
  for (const Shape& s : shapes) ndim = std::max(ndim, s.size());
  out->assign(ndim, 1);
  for (const Shape& s : shapes) {
    std::size_t offset = ndim - s.size();
    for (std::size_t i = 0; i < s.size(); ++i) {
      Extent& o = (*out)[offset + i];
      Extent e = s[i];
      if (e == o || e == 1) continue;
      if (o == 1) {
        o = e;
        continue;
      }
      return false;
    }
  }
  return true;
}

int core_dims(CoreLayout layout, int i, int ndim) {
  switch (layout) {
    case CoreLayout::Matmul: return ndim >= 2 ? 2 : 1;
    case CoreLayout::Matvec: return i == 0 ? 2 : 1;
    case CoreLayout::Vecmat: return i == 0 ? 1 : 2;
    case CoreLayout::Vecdot: break;
  }
  return 1;
}

bool gufunc_dims(CoreLayout layout, Shape a, Shape b, GufuncDims* out) {
  const int core_a = core_dims(layout, 0, static_cast<int>(a.size()));
  const int core_b = core_dims(layout, 1, static_cast<int>(b.size()));
  if (static_cast<int>(a.size()) < core_a || static_cast<int>(b.size()) < core_b) return false;
  auto end = [](Shape s, std::size_t from_end) { return s[s.size() - from_end]; };
  GufuncDims d;
  Extent kb;
  d.k = end(a, 1);
  if (core_a == 2) d.m = end(a, 2);
  if (core_b == 2) {
    kb = end(b, 2);
    d.n = end(b, 1);
  } else {
    kb = end(b, 1);
  }
  if (d.k != kb) return false;
  const Shape loops[2] = {a.first(a.size() - static_cast<std::size_t>(core_a)),
                          b.first(b.size() - static_cast<std::size_t>(core_b))};
  std::vector<Extent> batch;
  if (!broadcast_shapes(loops, &batch)) return false;
  d.batch = numel(batch);
  *out = d;
  return true;
}

namespace {
// int(flops x factor), refused past 64 bits (spec 2.1: the billed cost is truncated).
Flops scaled(Flops flops, double factor) {
  const double v = static_cast<double>(flops) * factor;
  if (!(v < 9.2e18)) throw CostOverflowError();
  return static_cast<Flops>(v);
}
}  // namespace

Flops dtype_billed_exactly(const Profile& profile, OpId op, Flops flops, dtype::Dtype billed, Flops complex_exact) {
  if (flops == 0) return flops;
  // A dtype-blind profile (primer) changes only a complex call's count: its
  // complex factor (exact count), each dtype at rate 1 (rate_of: empty table).
  if (!profile.dtype_aware() && (billed.kind != 'c' || !profile.prices_complex())) return flops;
  if (complex_exact >= 0 && billed.kind == 'c') return scaled(complex_exact, profile.rate_of(billed));
  return scaled(flops, profile.dtype_factor_exactly(op, billed));
}

Flops dtype_billed(const Profile& profile, OpId op, Flops flops, std::span<const dtype::Dtype> arrays,
                   std::span<const dtype::Weak> weak, Flops complex_exact) {
  if (!profile.prices_complex() || flops == 0) return flops;
  return dtype_billed_exactly(profile, op, flops, profile.billed_dtype(op, dtype::result_type(arrays, weak)),
                              complex_exact);
}

Flops conversion_billed(const Profile& profile, OpId op, Flops flops, dtype::Dtype source, dtype::Dtype dest) {
  if (!profile.dtype_aware() || flops == 0) return flops;
  const dtype::Dtype billed = profile.rate_of(dest) > profile.rate_of(source) ? dest : source;
  return dtype_billed_exactly(profile, op, flops, billed);
}

namespace detail {
Flops apply_weight(const Profile& profile, OpId op, Flops flops) {
  const double w = profile.weight(op);  // dense table by op id
  return w == 1.0 ? flops : scaled(flops, w);
}
}  // namespace detail

namespace {
// The op's reduction.form where the profile gives one, else `convention`.
Flops reduction_base(const Profile& profile, OpId op, Flops numel_in, Flops numel_out, bool integral,
                     std::optional<Flops> numel_scanned, Flops convention) {
  const Profile::ReductionForm* form = profile.reduction_form(op, integral);
  if (form == nullptr) [[likely]] return convention;
  auto term = [&](std::int64_t times, Flops each) {
    return times == 0 ? 0 : checked_mul(times, std::max(each, profile.reduction_floor));
  };
  return checked_add(checked_add(term(form->passes, numel_in), term(form->reductions, numel_in - numel_out)),
                     checked_add(term(form->per_output, numel_out), term(form->scans, numel_scanned.value_or(numel_in))));
}
}  // namespace

Flops reduction(const Profile& profile, OpId op, Flops numel_in, Flops numel_out, bool integral,
                std::optional<Flops> numel_scanned) {
  Flops base = profile.reduction_subtracts_output ? std::max<Flops>(numel_in - numel_out, 0) : numel_in;
  base = reduction_base(profile, op, numel_in, numel_out, integral, numel_scanned, base);
  return weighted(profile, op, std::max(base, profile.reduction_floor));
}

Flops formula_call(const Profile& profile, OpId op, Flops formula_flops) {
  return weighted(profile, op, std::max(formula_flops, profile.floor(op)));
}

Flops writes(const Profile& profile, OpId op, Flops elements) {
  const Profile::WriteRule& rule = profile.write_rule(op);
  if (rule.factor == 0.0) return 0;
  const Flops flops = scaled(elements, rule.factor);
  // "as OP": weighed as OP (upstream's histogram bills its edges as a linspace).
  return weighted(profile, rule.as_op >= 0 ? rule.as_op : op, rule.floor ? std::max(flops, profile.pointwise_floor) : flops);
}

Flops histogram_density(const Profile& profile, Flops bins, dtype::Dtype edges, dtype::Dtype counts) {
  if (!profile.dtype_aware() || bins <= 0) return 0;
  static const OpId diff = OpRegistry::instance().find("diff"), sum = OpRegistry::instance().find("sum");
  static const OpId divide = intern_ufunc("divide");
  auto as_op = [&](OpId op, Flops n, dtype::Dtype d) {
    return dtype_billed_exactly(profile, op, detail::apply_weight(profile, op, n), d);
  };
  return checked_add(checked_add(as_op(diff, bins, edges), as_op(divide, checked_mul(2, bins),
                                                                dtype::promote(counts, dtype::Dtype{'f', 64}))),
                     as_op(sum, bins - 1, counts));
}

Flops reduceat_elements(std::span<const Extent> indices, Extent along) {
  Flops total = 0;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const Extent lo = indices[i];
    if (lo < 0 || lo >= along) continue;
    const Extent hi = i + 1 < indices.size() ? indices[i + 1] : along;
    total = checked_add(total, hi > lo && hi <= along ? hi - lo : 1);
  }
  return total;
}

Flops deviation(const Profile& profile, OpId op, Flops numel_in, Flops numel_out, bool integral,
                std::optional<Flops> numel_scanned) {
  Flops var = profile.reduction_subtracts_output ? std::max<Flops>(numel_in - numel_out, 0) : numel_in;
  const Flops base =
      reduction_base(profile, op, numel_in, numel_out, integral, numel_scanned, checked_add(var, numel_out));
  return weighted(profile, op, std::max(base, profile.reduction_floor));
}

Flops contraction_step(const Profile& profile, OpId op, int k, Flops extent_product,
                       Flops numel_out, bool summed, Arithmetic arithmetic) {
  if (extent_product == 0) return 0;
  if (arithmetic == Arithmetic::Complex && profile.complex_contractions_exact()) {
    // spec 2.4, "contraction: exact per call, 6 (multiplies) + 2 (adds)": every
    // multiply, and every add (a sum over the index tuples less one per output).
    // primer (a multiply-add counted once, "Matmul: M*N*K"): a product step's
    // adds are in its multiply-adds, each complex one 4 real ones (re = ac - bd
    // and im = ad + bc are two real multiply-adds each, the accumulation
    // included); a one-operand sum adds what the real step counts (the input
    // size, "Reductions"), each a complex add.
    const bool once = profile.multiply_add_flops == 1;
    const Flops multiplies = k <= 1 ? 0 : checked_mul(extent_product, k - 1);
    Flops adds = 0;
    if (summed && k <= 1)
      adds = once && !profile.reduction_subtracts_output ? extent_product : extent_product - numel_out;
    else if (summed && !once)
      adds = multiplies - numel_out;
    return weighted(profile, op, checked_add(checked_mul(multiplies, profile.complex_multiply_flops),
                                             checked_mul(adds, profile.complex_add_flops)));
  }
  Flops flops;
  if (k <= 1) {
    flops = summed ? extent_product : 0;
    if (summed && profile.reduction_subtracts_output) flops = extent_product - numel_out;
  } else {
    flops = checked_mul(checked_mul(extent_product, k - 1), profile.multiply_add_flops);
    if (profile.multiply_add_flops == 2 && profile.contraction_output_correction)
      flops -= numel_out;
  }
  return weighted(profile, op, flops);
}

Flops matmul(const Profile& profile, OpId op, Flops batch, Flops m, Flops n, Flops k, Arithmetic arithmetic) {
  Flops product = checked_mul(checked_mul(checked_mul(batch, m), n), k);
  return contraction_step(profile, op, 2, product, checked_mul(checked_mul(batch, m), k), n > 1, arithmetic);
}

Flops binary_contraction(const Profile& profile, OpId op, Flops numel_a, Flops numel_b, Flops contracted,
                         bool summed, Arithmetic arithmetic) {
  if (contracted <= 0) return 0;
  // K divides numel(a): dividing first keeps vdot of long vectors from overflowing.
  Flops product = checked_mul(numel_a / contracted, numel_b);
  return contraction_step(profile, op, 2, product, product / contracted, summed, arithmetic);
}

namespace {
// ceil(log2 n), floored at 1 (one comparison at least).
Flops ceil_log2_at_least_1(Flops n) {
  Flops log2n = 1;
  while ((Flops{1} << log2n) < n && log2n < 62) ++log2n;
  return log2n;
}
}  // namespace

Flops sort(const Profile& profile, OpId op, Flops slice_length, Flops n_slices) {
  Flops n = 0;
  if (slice_length > 0 && n_slices > 0)
    n = checked_mul(checked_mul(slice_length, ceil_log2_at_least_1(slice_length)), n_slices);
  return weighted(profile, op, std::max(n, profile.floor(op)));
}

Flops partition(const Profile& profile, OpId op, Flops slice_length, Flops n_slices, Flops n_kth) {
  Flops n = 0;
  if (slice_length > 0 && n_slices > 0 && n_kth > 0) n = checked_mul(checked_mul(slice_length, n_kth), n_slices);
  return weighted(profile, op, std::max(n, profile.floor(op)));
}

Flops kept_numel(Shape shape, std::span<const int> axes) {
  Flops kept = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (std::find(axes.begin(), axes.end(), static_cast<int>(d)) == axes.end()) kept = checked_mul(kept, shape[d]);
  return kept;
}

bool product_contraction(Product kind, Shape a, Shape b, std::span<const int> a_axes, std::span<const int> b_axes,
                         Flops* contracted, bool* summed) {
  Flops k = 1;
  bool ok = true;
  const bool scalar = a.empty() || b.empty();
  switch (kind) {
    case Product::Dot:  // last axis of a with the second-to-last of b (the only one of a 1-d b)
      if (!scalar) {
        k = a.back();
        ok = k == (b.size() == 1 ? b[0] : b[b.size() - 2]);
      }
      break;
    case Product::Inner:  // last axes of both
      if (!scalar) {
        k = a.back();
        ok = k == b.back();
      }
      break;
    case Product::Vdot:  // both flattened
      k = numel(a);
      ok = k == numel(b);
      break;
    case Product::Tensordot:
      ok = a_axes.size() == b_axes.size();
      for (std::size_t i = 0; ok && i < a_axes.size(); ++i) {
        ok = a[static_cast<std::size_t>(a_axes[i])] == b[static_cast<std::size_t>(b_axes[i])];
        k = checked_mul(k, a[static_cast<std::size_t>(a_axes[i])]);
      }
      break;
    case Product::Outer:
      break;
  }
  *contracted = k;
  *summed = kind != Product::Outer && !scalar;
  return ok;
}

void trace_elements(Shape a, int axis1, int axis2, std::int64_t offset, Flops* elements, Flops* slices) {
  const Extent rows = a[static_cast<std::size_t>(axis1)], cols = a[static_cast<std::size_t>(axis2)];
  const Extent diagonal = offset >= 0 ? std::max<Extent>(0, std::min<Extent>(rows, cols - offset))
                                      : std::max<Extent>(0, std::min<Extent>(rows + offset, cols));
  Flops batch = 1;
  for (std::size_t d = 0; d < a.size(); ++d)
    if (static_cast<int>(d) != axis1 && static_cast<int>(d) != axis2) batch = checked_mul(batch, a[d]);
  *elements = checked_mul(diagonal, batch);
  *slices = batch;
}

Flops search(const Profile& profile, OpId op, Flops n_values, Flops n_sorted) {
  if (n_values <= 0 || n_sorted <= 0) return 0;  // nothing to compare against
  return weighted(profile, op, checked_mul(n_values, ceil_log2_at_least_1(n_sorted)));
}

Flops billed_for_dtypes(const Profile& profile, OpId op, Flops flops, const CallDtypes& call) {
  constexpr std::size_t kMax = 64;
  dtype::Dtype arrays[2 * kMax + 2];
  dtype::Weak weak[kMax + 1];
  std::size_t n_arrays = 0, n_weak = 0;
  const bool strong = profile.strong_scalars(op);
  const bool outs = profile.dtype_aware();
  const int n_noted = static_cast<int>(std::min(call.operands.size(), kMax));
  const int limit = outs ? profile.billed_operands(op) : std::min(call.n_inputs, n_noted);
  const int n_billed = limit > 0 ? std::min(limit, n_noted) : n_noted;
  for (std::size_t i = 0; outs && i < call.outs.size() && i < kMax; ++i) arrays[n_arrays++] = call.outs[i];
  auto add = [&](dtype::Dtype array, dtype::Weak w) {
    if (array.kind != 0)
      arrays[n_arrays++] = array;
    else if (strong)  // the array np.asarray would make of the scalar
      arrays[n_arrays++] = dtype::result_type({}, {&w, 1});
    else
      weak[n_weak++] = w;
  };
  for (int i = 0; i < n_billed; ++i) add(call.operands[static_cast<std::size_t>(i)].array, call.operands[static_cast<std::size_t>(i)].weak);
  if (!call.all_listed && (limit == 0 || limit >= n_noted)) {
    if (call.beyond.kind != 0) arrays[n_arrays++] = call.beyond;
    if (call.beyond_weak != dtype::Weak::None) add({}, call.beyond_weak);
  }
  Flops complex_cost = call.complex_exact;
  if (profile.complex_factor_needs_one_dtype(op)) {  // the same count at the rate alone unless one dtype throughout
    const int n_inputs = std::min(call.n_inputs, n_noted);
    bool one_dtype = n_inputs > 0;
    for (int i = 0; i < n_inputs; ++i) {
      const auto& o = call.operands[static_cast<std::size_t>(i)];
      one_dtype = one_dtype && o.array.kind != 0 && o.array == call.operands[0].array;
    }
    if (!one_dtype) complex_cost = flops;
  }
  dtype::Dtype requested;
  if (call.requested.kind != 0 && profile.dtype_argument(op) == Profile::DtypeArgument::Billed) requested = call.requested;
  return requested.kind != 0 ? dtype_billed_exactly(profile, op, flops, requested, complex_cost)  // dtype=: as asked
                             : dtype_billed(profile, op, flops, {arrays, n_arrays}, {weak, n_weak}, complex_cost);
}

Flops written_billed(const Profile& profile, OpId op, const WrittenFacts& w) {
  const Profile::WriteRule& rule = profile.write_rule(op);
  using W = Profile::Written;
  using D = Profile::WriteRule::Dtypes;
  const OpId billed = rule.as_op >= 0 ? rule.as_op : op;  // writes.<op> ... as OP
  dtype::Dtype types[2 + 64];
  std::size_t n_types = 0;
  if (w.counted.kind != 0) types[n_types++] = w.counted;
  // Where the profile ignores the op's dtype= (the joins), the result's dtype
  // gives way to the input arrays' (a sequence's, promoted) and out='s.
  const bool dtype_ignored = w.requested.kind != 0 && profile.ignores_dtype_argument(op);
  if (dtype_ignored && w.counted_is_result && w.first_sequence) {
    n_types = 0;
    if (w.sequence.kind != 0) {
      types[n_types++] = w.sequence;
      for (const dtype::Dtype& o : w.outs) types[0] = dtype::promote(types[0], o);
    }
  } else if (dtype_ignored && w.counted_is_result && w.first.kind != 0) {
    n_types = 0;
    for (std::size_t i = 0; i < w.outs.size() && n_types < 2; ++i) types[n_types++] = w.outs[i];
  }
  // The input's dtype joins, except where dtype= chose the result's dtype
  // (array(x, dtype=...), ones_like, linspace) or the rule says otherwise.
  const bool dtype_chosen = w.requested.kind != 0 && profile.dtype_argument(op) == Profile::DtypeArgument::Billed &&
                            w.counted_is_result;
  if (w.first.kind != 0 && rule.counted != W::SecondInput && !dtype_chosen && rule.dtypes != D::Own)
    types[n_types++] = w.first;
  if (rule.dtypes == D::WithSource && w.second.kind != 0) types[n_types++] = w.second;
  Flops cost = 0;
  if (!w.edges_given) {
    const Flops elements = writes(profile, op, w.elements);
    // A conversion (dtype_argument.<op> heavier: astype, asarray) of its source.
    cost = w.counted_is_result && w.counted.kind != 0 && w.source.kind != 0 && profile.dtype_argument_heavier(op)
               ? conversion_billed(profile, billed, elements, w.source, w.counted)
               : dtype_billed(profile, billed, elements, {types, n_types}, {});
  }
  if (rule.searched && w.estimator_bins && w.first.kind != 0 && w.elements > 0)
    // One binary search per sample over the bins the estimator resolved (the edges less one).
    cost = checked_add(cost, dtype_billed(profile, op, search(profile, op, w.samples, w.elements - 1), {&w.first, 1}, {}));
  if (rule.density && w.density_counts >= 0 && w.counted.kind != 0 && w.elements > 1)
    cost = checked_add(cost, histogram_density(profile, w.elements - 1, w.counted, dtype::from_type_num(w.density_counts)));
  return cost;
}

}  // namespace flopscope::cost
