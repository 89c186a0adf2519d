// Cost profiles are data (design.md section 3): formula conventions plus a
// per-op weight table, parsed from cpp/profiles/<name>.profile, which the build
// compiles into the core. Adding a profile adds a data file, not code paths.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flopscope/dtype.hpp"
#include "flopscope/ops.hpp"

namespace flopscope {

struct Profile {
  std::string name;
  std::string source;  // where the numbers come from

  // Conventions.
  // FLOPs per multiply-add in a contraction: 1 = counted once (primer), 2 = multiply + add.
  int multiply_add_flops = 1;
  // Contractions subtract one add per output cell (the first product is a copy).
  bool contraction_output_correction = false;
  // contraction.complex_multiply_flops / complex_add_flops: a contraction whose
  // billed dtype is complex counts each complex multiply and add exactly (spec
  // 2.4: 6 and 2 real FLOPs) at the component rate, with no complex factor;
  // 0 (the default): the real count times the op's complex factor. Where a
  // multiply-add counts once (multiply_add_flops 1, the primer), a product
  // step's adds are in its multiplies' count (primer: 4, a complex multiply-add
  // is 4 real ones) and complex_add_flops prices only the adds of a
  // one-operand sum (primer: 2, as a complex sum).
  int complex_multiply_flops = 0;
  int complex_add_flops = 0;
  bool complex_contractions_exact() const { return complex_multiply_flops > 0; }
  // einsum.path_summed: an einsum of 3+ operands without a path (optimize=False)
  // bills a path's summed cost (optimal up to 4 operands, else greedy), as
  // upstream does (spec 2.8), while NumPy runs its own contraction; the primer
  // bills the contraction NumPy runs.
  bool einsum_path_summed = false;
  // einsum.out_copy: einsum(..., out=dest) also bills a copy of dest's elements
  // (upstream's newest rule, spec 2.8).
  bool einsum_out_copy = false;
  // symmetry.orbits: a call on symmetric operands (flops.SymmetricTensor, or one
  // array passed at several operand positions of a contraction) bills the
  // distinct elements (orbits) instead of every element, as upstream 0.12.4
  // does (spec 5.4, 2.6-2.8); the primer prices every element (symmetry.hpp).
  bool symmetry_orbits = false;
  // symmetry.transposed_views: a contraction of an array with a transposed view
  // of itself (A @ A.T) tags its result symmetric. Upstream 0.12.4 does not
  // detect it (spec 2.8), so its profile leaves it off.
  bool symmetry_transposed_views = false;
  // symmetry.slices: basic indexing keeps the stabilizer of the selection
  // (spec 5.4: s[:3, :3] keeps S2). Upstream 0.12.4 drops the tag on any
  // slice (measured), so its profile leaves it off.
  bool symmetry_slices = false;
  // symmetry.creation: zeros / ones / full / empty-free constant creations,
  // eye, identity and diag of a square (hyper)cube shape come back tagged with
  // the full symmetric group on their axes, as upstream 0.12.4 does (measured:
  // eye(n) * 1.5 bills n(n+1)/2 there).
  bool symmetry_creation = false;
  // equality.mismatched_shapes larger_operand: array_equal / array_equiv of
  // shapes NumPy does not compare (it answers False) bill one comparison per
  // element of the larger operand, as upstream does; the primer bills nothing.
  bool equality_bills_mismatched_shapes = false;
  // clip.per_bound: a clip bills one comparison per element for each bound
  // given (upstream: 2 with both); the primer bills one per element.
  bool clip_per_bound = false;
  // Reductions cost the input size (primer) or input minus output size.
  bool reduction_subtracts_output = false;
  // The least a pointwise call costs (primer 0: an empty call is free; upstream 1).
  std::int64_t pointwise_floor = 0;
  std::int64_t reduction_floor = 0;  // the least a reduction costs (upstream: 1)

  // Looks names up by string_view without building a std::string (no allocation per call).
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  double default_weight = 1.0;
  std::unordered_map<std::string, double, NameHash, std::equal_to<>> weights;  // by op name
  // reduction.form.<op> <passes> <reductions> <per_output> [<scans>]: the op
  // bills passes x n + reductions x (n - M) + per_output x M + scans x P for n
  // inputs, M outputs and P elements a pointwise pass reads, each term at
  // least reduction.floor (spec 2.7 "Profile C extras", measured: ptp 0 2 1;
  // var 2 0 0 2: two pointwise passes, centre and square, and two reductions;
  // a nan* op's isnan test one scan). P = n but for a symmetric input under
  // symmetry.orbits, where n counts the orbits of the stabilizer of the
  // reduced axes and P those of the input's own group (upstream 0.12.4's
  // variance family and nan* scans). Ops without a form follow
  // reduction.subtract_output.
  struct ReductionForm {
    std::int64_t passes = 0;
    std::int64_t reductions = 1;
    std::int64_t per_output = 0;
    std::int64_t scans = 0;
  };
  std::unordered_map<std::string, ReductionForm, NameHash, std::equal_to<>> reduction_forms;
  // reduction.integer_form.<op>: the form for bool and integer inputs, where
  // it differs (upstream's nan* ops skip their isnan scan there).
  std::unordered_map<std::string, ReductionForm, NameHash, std::equal_to<>> integer_forms;
  // The op's form (for an `integral` input: its integer form, if any), or
  // nullptr where the profile's convention applies.
  const ReductionForm* reduction_form(OpId op, bool integral) const {
    if (reduction_forms.empty() && integer_forms.empty()) [[likely]] return nullptr;
    const OpRule& r = op_rule(op);
    if (integral && r.has_integer_form) return &r.integer_form;
    return r.has_form ? &r.form : nullptr;
  }

  // writes.<op> <factor> [options] (or "writes.random.*"): an op the primer
  // leaves free (data movement, creation, random draws) is billed factor x
  // the elements it writes (spec 2.5 "every byte written is metered", 2.11
  // random draws), at least pointwise.floor. Options: what is counted
  // (default: the elements of the result; "input": of the first operand;
  // "second-input": of the second (extract's arr); "first-output": of the
  // first array of a tuple result; "nonzero": the result's nonzero elements,
  // for eye; "diagonal": the first operand's diagonal, min of its extents, for
  // fill_diagonal), "no-floor", and "new-only" (nothing
  // when NumPy answers with its input or a view of it). An empty table
  // leaves every free op free.
  // Edges: the bin edges a histogram computed (the result's last array); none
  // when the call was given its edges.
  // Rows: the length of the array's first axis (1 for a 0-d one): what a permutation moves.
  // Indices: the elements of the second operand (the indices put/put_along_axis
  // write through; a list counts its items), at the first operand's dtype.
  enum class Written : std::uint8_t { Result, Input, SecondInput, FirstOutput, Nonzero, Diagonal, Edges, Rows, Indices };
  struct WriteRule {
    double factor = 0.0;  // 0: free
    Written counted = Written::Result;
    bool floor = true;
    bool new_only = false;
    // Whose dtypes join the written elements' in the billed dtype: the first
    // operand's (the default), none ("own-dtype": index arrays such as
    // tril_indices_from's), or the first's and the second's ("with-source":
    // copyto's source, a Python scalar read as np.asarray reads it).
    enum class Dtypes : std::uint8_t { WithInput, Own, WithSource } dtypes = Dtypes::WithInput;
    // "as OP": the elements are billed as OP bills what it writes (its write
    // factor and floor, weight, compute rule and complex factor), as upstream
    // bills the edges a histogram makes by calling linspace.
    std::string as;
    OpId as_op = -1;  // `as` resolved when the op's rule is compiled
    // "searched" (with edges): when the call named an estimator for its bins,
    // also a binary search per sample (the first operand's elements) over the
    // bins it resolved, at the op's own weight and compute rule (upstream's
    // histogram(x, bins="auto")).
    bool searched = false;
    // "density" (with edges): a call with density=True also bills upstream's
    // normalisation (cost::histogram_density).
    bool density = false;
  };
  std::unordered_map<std::string, WriteRule, NameHash, std::equal_to<>> write_rules;
  bool bills_writes() const { return !write_rules.empty(); }
  const WriteRule& write_rule(OpId op) const {
    static const WriteRule kFree;
    return bills_writes() ? op_rule(op).write : kFree;
  }

  // floor.<op> <n>: the least a call of the op costs (upstream bills 1 for an
  // empty sort, set operation, polyval, ...); for a pointwise op it replaces
  // pointwise.floor (upstream bills an empty isnan 0).
  std::unordered_map<std::string, std::int64_t, NameHash, std::equal_to<>> floors;
  std::int64_t floor_or(OpId op, std::int64_t fallback) const {
    if (floors.empty()) [[likely]] return fallback;
    const std::int64_t f = op_rule(op).floor;
    return f >= 0 ? f : fallback;
  }
  std::int64_t floor(OpId op) const { return floor_or(op, 0); }

  // report_as.<op> NAME: the name the op's calls are listed under in summaries and
  // breakdowns (upstream flopscope 0.12.4 lists `a / b` as true_divide, `abs(a)` as abs);
  // report_as.<op> -: the op's free calls are not listed (upstream never lists them).
  // Naming only: the op is priced as itself.
  std::unordered_map<std::string, std::string, NameHash, std::equal_to<>> report_names;
  // The op's name in summaries: `own` unless report_as renames it ("-": not listed).
  std::string_view report_name(std::string_view own) const {
    if (report_names.empty()) [[likely]] return own;
    auto it = report_names.find(own);
    return it == report_names.end() ? own : std::string_view(it->second);
  }
  bool arrays_immutable = false;  // arrays.immutable true: arrays refuse in-place updates by default
  // stats.promotion_warning true: flops.stats warns (FlopscopeWarning) when it computes a
  // float32/float16 x in float64, whose operations this profile bills at a higher rate.
  bool stats_promotion_warning = false;

  // strong_scalars.<op> true: the op's Python-scalar operands bill as the
  // arrays np.asarray makes of them (int64, float64, complex128), not as NEP 50
  // weak scalars (upstream converts them so for dot, kron, isin, ...).
  std::unordered_map<std::string, bool, NameHash, std::equal_to<>> strong_scalar_ops;
  bool strong_scalars(OpId op) const { return !strong_scalar_ops.empty() && op_rule(op).strong_scalars; }

  // dtype_argument.<op> RULE, what the op's dtype= argument does to the billed
  // dtype: billed (the default: billed exactly as asked), ignored (its operands'
  // dtypes are billed: upstream's clip, cov, corrcoef, asarray_chkfinite,
  // asarray and the joins), heavier (what it writes bills at the heavier of its
  // source's dtype and the one asked for, spec 2.3: astype).
  enum class DtypeArgument : std::uint8_t { Billed, Ignored, Heavier };
  std::unordered_map<std::string, DtypeArgument, NameHash, std::equal_to<>> dtype_arguments;
  DtypeArgument dtype_argument(OpId op) const {
    return dtype_arguments.empty() ? DtypeArgument::Billed : op_rule(op).dtype_argument;
  }
  bool ignores_dtype_argument(OpId op) const { return dtype_argument(op) == DtypeArgument::Ignored; }
  bool dtype_argument_heavier(OpId op) const { return dtype_argument(op) == DtypeArgument::Heavier; }

  // complex_factor_when.<op> one_dtype: the op's complex factor applies only
  // when its operands are arrays of one dtype (a Python scalar, or a second
  // dtype, bills the rate alone), as upstream bills logical_and/or/xor.
  std::unordered_map<std::string, bool, NameHash, std::equal_to<>> complex_factor_one_dtype_ops;
  bool complex_factor_needs_one_dtype(OpId op) const {
    return !complex_factor_one_dtype_ops.empty() && op_rule(op).complex_factor_one_dtype;
  }

  // billed_operands.<op> N: only the op's first N operands take part in the
  // billed dtype (ldexp: its mantissas; NumPy returns their float dtype
  // whatever the exponents' integer dtype). 0: all of them.
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> billed_operand_counts;
  int billed_operands(OpId op) const { return billed_operand_counts.empty() ? 0 : op_rule(op).billed_operands; }

  // formulas <set>: the formula set (ops.hpp, formula_variant) whose formulas
  // replace the op table's where it has one; empty: the table's own.
  std::string formula_set;
  Formula formula(OpId op, Formula own) const {
    if (formula_set.empty()) [[likely]] return own;
    const Formula f = op_rule(op).formula;
    return f != nullptr ? f : own;
  }

  // dtype billing (spec 2.1, 2.3, 2.4): a rate per billed dtype ("float64" 2, ...),
  // a factor for complex dtypes per op, and the dtype each op computes in.
  // An empty rate table is a dtype-blind profile (primer): nothing below applies.
  std::unordered_map<std::string, double, NameHash, std::equal_to<>> dtype_rates;
  double default_dtype_rate = 1.0;  // when a call has no typed operand
  std::unordered_map<std::string, double, NameHash, std::equal_to<>> complex_factors;  // by op (or "prefix.*")
  double default_complex_factor = 1.0;
  // ufunc_methods.complex_factor ufunc: a ufunc's methods (multiply.reduce,
  // multiply.outer, exp.at, ...) without an entry of their own take the
  // ufunc's complex factor (primer: a complex product is 6 however it is
  // called); own (the default): the default factor.
  bool methods_take_ufunc_complex_factor = false;
  std::unordered_map<std::string, dtype::Compute, NameHash, std::equal_to<>> computes;  // by op (or "prefix.*")
  bool dtype_aware() const { return !dtype_rates.empty(); }
  // A profile that prices complex operands: a dtype-aware one, or a dtype-blind
  // one (primer) with complex factors or an exact complex contraction count. The
  // latter bills a call whose billed dtype is complex at flops x the op's complex
  // factor (its exact count for a contraction) and every other call as is
  // (docs/cost-model.md, "complex operands").
  bool prices_complex() const {
    return dtype_aware() || !complex_factors.empty() || default_complex_factor != 1.0 ||
           complex_contractions_exact();
  }
  // rate(compute(op, billed)) x (complex: the op's complex factor). From dense
  // tables by op id and by dtype, compiled on first use (no name lookups per call).
  double dtype_factor(OpId op, dtype::Dtype billed) const;
  // The same for a dtype the call asked for (dtype=): no compute rule.
  double dtype_factor_exactly(OpId op, dtype::Dtype billed) const;
  // The rate of one dtype (no complex factor).
  double rate_of(dtype::Dtype d) const;
  // The dtype a call whose operands promote to `result` is billed at (the op's compute rule).
  dtype::Dtype billed_dtype(OpId op, dtype::Dtype result) const { return dtype::compute(op_rule(op).compute, result); }

  // Lookup of a per-op table: the exact name, else the longest "prefix.*" entry.
  template <class Map>
  static const typename Map::mapped_type* lookup(const Map& map, std::string_view op);

  double weight(std::string_view op) const;
  // The same, by op id, from a dense table compiled on first use of each id
  // (no name hashing per call). Ops are interned for the process's life and
  // profiles are never replaced, so an entry never goes stale.
  double weight(OpId op) const {
    const auto i = static_cast<std::size_t>(op);
    if (i < weight_by_op_.size() && weight_by_op_[i] >= 0.0) [[likely]]
      return weight_by_op_[i];
    return compile_weight(op);
  }

 private:
  double compile_weight(OpId op) const;
  mutable std::vector<double> weight_by_op_;  // -1 = not compiled yet
  // What the profile says of one op, by op id, compiled on first use.
  struct OpRule {
    bool compiled = false;
    dtype::Compute compute = dtype::Compute::Same;
    double complex_factor = 1.0;
    bool has_form = false;
    ReductionForm form;
    bool has_integer_form = false;
    ReductionForm integer_form;
    WriteRule write;
    Formula formula = nullptr;
    std::int64_t floor = -1;  // -1: none of its own
    bool strong_scalars = false;
    DtypeArgument dtype_argument = DtypeArgument::Billed;
    int billed_operands = 0;
    bool complex_factor_one_dtype = false;
  };
  mutable std::vector<OpRule> op_rule_by_op_;
  const OpRule& op_rule(OpId op) const;
  const double* ufunc_method_complex_factor(std::string_view name) const;
  mutable double rate_by_dtype_[5][6] = {{-1, -1, -1, -1, -1, -1}, {-1, -1, -1, -1, -1, -1}, {-1, -1, -1, -1, -1, -1},
                                         {-1, -1, -1, -1, -1, -1}, {-1, -1, -1, -1, -1, -1}};  // kind x width

 public:
  // True when every op weighs 1 (no weighting to apply).
  bool unit_weights() const { return weights.empty() && default_weight == 1.0; }
};

template <class Map>
const typename Map::mapped_type* Profile::lookup(const Map& map, std::string_view op) {
  if (auto it = map.find(op); it != map.end()) return &it->second;
  for (std::size_t dot = op.rfind('.'); dot != std::string_view::npos; dot = op.rfind('.')) {
    op = op.substr(0, dot);  // "random.Generator.normal" -> "random.Generator.*" -> "random.*"
    std::string key(op);
    key += ".*";
    if (auto it = map.find(key); it != map.end()) return &it->second;
  }
  return nullptr;
}

// Parses profile text ("key value" lines, '#' comments). Throws
// std::invalid_argument naming the line on malformed input.
Profile parse_profile(std::string_view name, std::string_view text);

// The profiles compiled into the core, by name.
const Profile& profile_by_name(std::string_view name);  // throws std::out_of_range
std::vector<std::string> profile_names();  // compiled in, then registered
// Adds a profile parsed from `text` under a new name (throws std::invalid_argument
// for malformed text or a name in use). Profiles are never replaced or removed.
const Profile& register_profile(std::string_view name, std::string_view text);

namespace detail {
struct EmbeddedProfile {
  const char* name;
  const char* text;
};
const std::vector<EmbeddedProfile>& embedded_profiles();
}  // namespace detail

}  // namespace flopscope
