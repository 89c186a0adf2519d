#include <cmath>
#include "flopscope/profile.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace flopscope {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

double parse_number(std::string_view value, std::string_view where) {
  double out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || !(out >= 0))
    throw std::invalid_argument(std::string(where) + ": expected a non-negative number, got '" +
                                std::string(value) + "'");
  return out;
}

bool parse_bool(std::string_view value, std::string_view where) {
  if (value == "true") return true;
  if (value == "false") return false;
  throw std::invalid_argument(std::string(where) + ": expected true or false, got '" +
                              std::string(value) + "'");
}

// "<passes> <reductions> <per_output> [<scans>]": three or four integers >= 0.
Profile::ReductionForm parse_reduction_form(std::string_view value, std::string_view where) {
  Profile::ReductionForm form;
  std::int64_t* terms[] = {&form.passes, &form.reductions, &form.per_output, &form.scans};
  const char* p = value.data();
  const char* end = p + value.size();
  bool ok = true;
  for (std::size_t i = 0; i < std::size(terms) && ok && !(i == 3 && p == end); ++i) {
    const char* before = p;
    while (i > 0 && p != end && (*p == ' ' || *p == '\t')) ++p;
    auto [next, ec] = std::from_chars(p, end, *terms[i]);
    ok = ec == std::errc() && next != p && *terms[i] >= 0 && (i == 0 || p != before);  // blank-separated
    p = next;
  }
  if (!ok || p != end)
    throw std::invalid_argument(std::string(where) +
                                ": expected '<passes> <reductions> <per_output> [<scans>]' (three or four integers >= 0), got '" +
                                std::string(value) + "'");
  return form;
}

}  // namespace

double Profile::weight(std::string_view op) const {
  const double* w = lookup(weights, op);
  return w != nullptr ? *w : default_weight;
}

const Profile::OpRule& Profile::op_rule(OpId op) const {
  static const OpRule kNone{};
  if (op < 0) [[unlikely]] return kNone;  // an unknown op (OpRegistry::find's -1): nothing of its own
  const auto i = static_cast<std::size_t>(op);
  if (i < op_rule_by_op_.size() && op_rule_by_op_[i].compiled) [[likely]]
    return op_rule_by_op_[i];
  if (i >= op_rule_by_op_.size()) op_rule_by_op_.resize(std::max(i + 1, OpRegistry::instance().size() + 64));
  const std::string_view name = OpRegistry::instance().info(op).name;
  OpRule& r = op_rule_by_op_[i];
  const dtype::Compute* rule = lookup(computes, name);
  const double* factor = lookup(complex_factors, name);
  if (factor == nullptr && methods_take_ufunc_complex_factor) factor = ufunc_method_complex_factor(name);
  r.compute = rule != nullptr ? *rule : dtype::Compute::Same;
  r.complex_factor = factor != nullptr ? *factor : default_complex_factor;
  if (const WriteRule* w = lookup(write_rules, name)) {
    r.write = *w;
    if (!w->as.empty()) r.write.as_op = OpRegistry::instance().find(w->as);
  }
  if (!formula_set.empty()) r.formula = formula_variant(name, formula_set);
  if (const std::int64_t* f = lookup(floors, name)) r.floor = *f;
  if (const bool* strong = lookup(strong_scalar_ops, name)) r.strong_scalars = *strong;
  if (const DtypeArgument* d = lookup(dtype_arguments, name)) r.dtype_argument = *d;
  if (const int* n = lookup(billed_operand_counts, name)) r.billed_operands = *n;
  if (const bool* one = lookup(complex_factor_one_dtype_ops, name)) r.complex_factor_one_dtype = *one;
  if (const ReductionForm* form = lookup(reduction_forms, name)) {
    r.has_form = true;
    r.form = *form;
  }
  if (const ReductionForm* form = lookup(integer_forms, name)) {
    r.has_integer_form = true;
    r.integer_form = *form;
  }
  r.compiled = true;
  return r;
}

const double* Profile::ufunc_method_complex_factor(std::string_view name) const {
  // "multiply.reduce", "exp.at", ...: the ufunc's own entry (counted_ufunc.cpp names them so).
  static constexpr std::string_view kMethods[] = {"reduce", "accumulate", "reduceat", "outer", "at"};
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return nullptr;
  if (std::find(std::begin(kMethods), std::end(kMethods), name.substr(dot + 1)) == std::end(kMethods)) return nullptr;
  auto it = complex_factors.find(name.substr(0, dot));
  return it != complex_factors.end() ? &it->second : nullptr;
}

double Profile::rate_of(dtype::Dtype d) const {
  // A dense table by kind (b, i, u, f, c) and width (8 ... 256 bits), filled on first use.
  static constexpr std::string_view kKinds = "biufc";
  const std::size_t k = kKinds.find(d.kind);
  int w = 0;
  while (w < 6 && (8 << w) < d.bits) ++w;
  if (k == std::string_view::npos || w == 6 || (8 << w) != d.bits) return default_dtype_rate;
  double& slot = rate_by_dtype_[k][w];
  if (slot < 0) [[unlikely]] {
    auto it = dtype_rates.find(dtype::name(d));
    slot = it != dtype_rates.end() ? it->second : default_dtype_rate;
  }
  return slot;
}

double Profile::dtype_factor(OpId op, dtype::Dtype billed) const {
  return dtype_factor_exactly(op, billed_dtype(op, billed));
}

double Profile::dtype_factor_exactly(OpId op, dtype::Dtype billed) const {
  if (billed.kind == 0) return default_dtype_rate;
  const double rate = rate_of(billed);
  return billed.kind == 'c' ? rate * op_rule(op).complex_factor : rate;
}

// A per-op weight multiplies FLOP counts: finite and >= 0, else the budget
// arithmetic would be meaningless (inf * 0, negative charges).
double parse_weight(std::string_view value, std::string_view where) {
  const double v = parse_number(value, where);
  if (!std::isfinite(v) || v < 0)
    throw std::invalid_argument(std::string(where) + ": a weight must be a finite number >= 0, got " +
                                std::string(value));
  return v;
}

double Profile::compile_weight(OpId op) const {
  if (op < 0) [[unlikely]] return default_weight;  // an unknown op
  const auto i = static_cast<std::size_t>(op);
  if (i >= weight_by_op_.size()) weight_by_op_.resize(OpRegistry::instance().size() + 64, -1.0);
  if (i >= weight_by_op_.size()) weight_by_op_.resize(i + 1, -1.0);
  return weight_by_op_[i] = weight(std::string_view(OpRegistry::instance().info(op).name));
}

// "<factor> [input|second-input|indices|first-output|nonzero|diagonal|edges|rows] [searched] [density]
//  [no-floor] [new-only] [own-dtype|with-source] [as OP]".
static Profile::WriteRule parse_write_rule(std::string_view value, std::string_view where) {
  Profile::WriteRule rule;
  std::size_t end = value.find_first_of(" \t");
  rule.factor = parse_weight(value.substr(0, end), where);
  while (end != std::string_view::npos) {
    value = trim(value.substr(end));
    end = value.find_first_of(" \t");
    const std::string_view option = value.substr(0, end);
    if (option == "no-floor") {
      rule.floor = false;
    } else if (option == "new-only") {
      rule.new_only = true;
    } else if (option == "input") {
      rule.counted = Profile::Written::Input;
    } else if (option == "second-input") {
      rule.counted = Profile::Written::SecondInput;
    } else if (option == "indices") {
      rule.counted = Profile::Written::Indices;
    } else if (option == "diagonal") {
      rule.counted = Profile::Written::Diagonal;
    } else if (option == "first-output") {
      rule.counted = Profile::Written::FirstOutput;
    } else if (option == "nonzero") {
      rule.counted = Profile::Written::Nonzero;
    } else if (option == "own-dtype") {
      rule.dtypes = Profile::WriteRule::Dtypes::Own;
    } else if (option == "with-source") {
      rule.dtypes = Profile::WriteRule::Dtypes::WithSource;
    } else if (option == "density") {
      rule.density = true;
    } else if (option == "searched") {
      rule.searched = true;
    } else if (option == "rows") {
      rule.counted = Profile::Written::Rows;
    } else if (option == "edges") {
      rule.counted = Profile::Written::Edges;
    } else if (option == "as") {
      value = end == std::string_view::npos ? std::string_view() : trim(value.substr(end));
      end = value.find_first_of(" \t");
      rule.as = std::string(value.substr(0, end));
      if (rule.as.empty()) throw std::invalid_argument(std::string(where) + ": 'as' needs an op name");
    } else {
      throw std::invalid_argument(std::string(where) + ": unknown writes option '" + std::string(option) +
                                  "' (input, second-input, indices, first-output, nonzero, diagonal, edges, searched, density, rows, no-floor, "
                                  "new-only, own-dtype, with-source, as OP)");
    }
  }
  return rule;
}

Profile parse_profile(std::string_view name, std::string_view text) {
  Profile p;
  p.name = std::string(name);
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    std::size_t space = line.find_first_of(" \t");
    if (space == std::string_view::npos)
      throw std::invalid_argument("profile " + p.name + " line " + std::to_string(line_no) +
                                  ": expected 'key value'");
    std::string_view key = line.substr(0, space);
    std::string_view value = trim(line.substr(space));
    std::string where = "profile " + p.name + " line " + std::to_string(line_no);
    if (key == "source") {
      p.source = std::string(value);
    } else if (key == "contraction.multiply_add_flops") {
      double v = parse_number(value, where);
      if (v != 1 && v != 2) throw std::invalid_argument(where + ": multiply_add_flops is 1 or 2");
      p.multiply_add_flops = static_cast<int>(v);
    } else if (key == "contraction.complex_multiply_flops" || key == "contraction.complex_add_flops") {
      const double v = parse_number(value, where);
      if (v < 1 || v != static_cast<int>(v)) throw std::invalid_argument(where + ": a whole number of FLOPs, at least 1");
      (key.ends_with("multiply_flops") ? p.complex_multiply_flops : p.complex_add_flops) = static_cast<int>(v);
    } else if (key == "clip.per_bound") {
      p.clip_per_bound = parse_bool(value, where);
    } else if (key == "equality.mismatched_shapes") {
      if (value != "larger_operand" && value != "free")
        throw std::invalid_argument(where + ": equality.mismatched_shapes takes 'larger_operand' or 'free'");
      p.equality_bills_mismatched_shapes = value == "larger_operand";
    } else if (key == "einsum.out_copy") {
      p.einsum_out_copy = parse_bool(value, where);
    } else if (key == "symmetry.orbits") {
      p.symmetry_orbits = parse_bool(value, where);
    } else if (key == "symmetry.transposed_views") {
      p.symmetry_transposed_views = parse_bool(value, where);
    } else if (key == "symmetry.slices") {
      p.symmetry_slices = parse_bool(value, where);
    } else if (key == "symmetry.creation") {
      p.symmetry_creation = parse_bool(value, where);
    } else if (key == "einsum.path_summed") {
      p.einsum_path_summed = parse_bool(value, where);
    } else if (key == "contraction.output_correction") {
      p.contraction_output_correction = parse_bool(value, where);
    } else if (key == "reduction.subtract_output") {
      p.reduction_subtracts_output = parse_bool(value, where);
    } else if (key.starts_with("reduction.integer_form.")) {
      p.integer_forms[std::string(key.substr(23))] = parse_reduction_form(value, where);
    } else if (key.starts_with("reduction.form.")) {
      p.reduction_forms[std::string(key.substr(15))] = parse_reduction_form(value, where);
    } else if (key == "reduction.floor") {
      p.reduction_floor = static_cast<std::int64_t>(parse_weight(value, where));
    } else if (key == "pointwise.floor") {
      p.pointwise_floor = static_cast<std::int64_t>(parse_weight(value, where));
    } else if (key == "dtype_rate.default") {
      p.default_dtype_rate = parse_weight(value, where);
    } else if (key.starts_with("dtype_rate.")) {
      p.dtype_rates[std::string(key.substr(11))] = parse_weight(value, where);
    } else if (key == "ufunc_methods.complex_factor") {
      if (value != "ufunc" && value != "own")
        throw std::invalid_argument(where + ": ufunc_methods.complex_factor takes 'ufunc' or 'own'");
      p.methods_take_ufunc_complex_factor = value == "ufunc";
    } else if (key == "complex_factor.default") {
      p.default_complex_factor = parse_weight(value, where);
    } else if (key.starts_with("complex_factor.")) {
      p.complex_factors[std::string(key.substr(15))] = parse_weight(value, where);
    } else if (key.starts_with("compute.")) {
      static constexpr std::pair<std::string_view, dtype::Compute> kRules[] = {
          {"same", dtype::Compute::Same}, {"float_of_int", dtype::Compute::FloatOfInt},
          {"float64_of_int", dtype::Compute::Float64OfInt}, {"float64", dtype::Compute::Float64},
          {"int64_accumulator", dtype::Compute::Int64Accumulator}, {"fft", dtype::Compute::Fft},
          {"complex_result", dtype::Compute::ComplexResult}, {"with_int64", dtype::Compute::WithInt64},
          {"float_of_int_with_int", dtype::Compute::FloatOfIntWithInt}, {"bool", dtype::Compute::Bool}};
      const auto* rule = std::find_if(std::begin(kRules), std::end(kRules), [&](auto& r) { return r.first == value; });
      if (rule == std::end(kRules))
        throw std::invalid_argument(where + ": unknown compute rule '" + std::string(value) + "'");
      p.computes[std::string(key.substr(8))] = rule->second;
    } else if (key.starts_with("report_as.")) {
      if (value.empty() || value.find_first_of(" \t") != std::string_view::npos)
        throw std::invalid_argument(where + ": report_as takes one name, or '-'");
      p.report_names[std::string(key.substr(10))] = std::string(value);
    } else if (key == "arrays.immutable") {
      p.arrays_immutable = parse_bool(value, where);
    } else if (key == "stats.promotion_warning") {
      p.stats_promotion_warning = parse_bool(value, where);
    } else if (key.starts_with("strong_scalars.")) {
      p.strong_scalar_ops[std::string(key.substr(15))] = parse_bool(value, where);
    } else if (key.starts_with("dtype_argument.")) {
      using D = Profile::DtypeArgument;
      static constexpr std::pair<std::string_view, D> kRules[] = {
          {"billed", D::Billed}, {"ignored", D::Ignored}, {"heavier", D::Heavier}};
      const auto* rule = std::find_if(std::begin(kRules), std::end(kRules), [&](auto& r) { return r.first == value; });
      if (rule == std::end(kRules))
        throw std::invalid_argument(where + ": dtype_argument takes 'ignored', 'billed' or 'heavier', got '" +
                                    std::string(value) + "'");
      p.dtype_arguments[std::string(key.substr(15))] = rule->second;
    } else if (key.starts_with("complex_factor_when.")) {
      if (value != "one_dtype") throw std::invalid_argument(where + ": complex_factor_when takes 'one_dtype'");
      p.complex_factor_one_dtype_ops[std::string(key.substr(20))] = true;
    } else if (key.starts_with("billed_operands.")) {
      const double n = parse_number(value, where);
      if (n < 1 || n != static_cast<int>(n)) throw std::invalid_argument(where + ": billed_operands is a count, at least 1");
      p.billed_operand_counts[std::string(key.substr(16))] = static_cast<int>(n);
    } else if (key.starts_with("floor.")) {
      p.floors[std::string(key.substr(6))] = static_cast<std::int64_t>(parse_weight(value, where));
    } else if (key == "formulas") {
      if (!is_formula_set(value))
        throw std::invalid_argument(where + ": unknown formula set '" + std::string(value) + "'");
      p.formula_set = value == "primer" ? std::string() : std::string(value);
    } else if (key.starts_with("writes.")) {
      p.write_rules[std::string(key.substr(7))] = parse_write_rule(value, where);
    } else if (key == "weight.default") {
      p.default_weight = parse_weight(value, where);
    } else if (key.starts_with("weight.")) {
      p.weights[std::string(key.substr(7))] = parse_weight(value, where);
    } else {
      throw std::invalid_argument(where + ": unknown key '" + std::string(key) + "'");
    }
  }
  return p;
}

namespace {

// Parsed profiles live for the life of the process: meters hold references.
struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Profile>, std::less<>> parsed;
  std::vector<std::string> registered;  // names added at run time, in order
};
Registry& registry() {
  static Registry r;
  return r;
}

const detail::EmbeddedProfile* find_embedded(std::string_view name) {
  for (const auto& embedded : detail::embedded_profiles())
    if (name == embedded.name) return &embedded;
  return nullptr;
}

}  // namespace

const Profile& profile_by_name(std::string_view name) {
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    if (auto it = r.parsed.find(name); it != r.parsed.end()) return *it->second;
    if (const auto* embedded = find_embedded(name)) {
      auto profile = std::make_unique<Profile>(parse_profile(embedded->name, embedded->text));
      return *r.parsed.emplace(std::string(name), std::move(profile)).first->second;
    }
  }
  std::string known;
  for (const auto& n : profile_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::out_of_range("unknown cost profile '" + std::string(name) + "' (known: " + known + ")");
}

const Profile& register_profile(std::string_view name, std::string_view text) {
  if (name.empty()) throw std::invalid_argument("a cost profile needs a non-empty name");
  auto profile = std::make_unique<Profile>(parse_profile(name, text));  // throws before anything is added
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (find_embedded(name) != nullptr || r.parsed.count(name) != 0)
    throw std::invalid_argument("cost profile '" + std::string(name) + "' already exists; profiles are immutable");
  r.registered.emplace_back(name);
  return *r.parsed.emplace(std::string(name), std::move(profile)).first->second;
}

std::vector<std::string> profile_names() {
  std::vector<std::string> names;
  for (const auto& embedded : detail::embedded_profiles()) names.emplace_back(embedded.name);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  names.insert(names.end(), r.registered.begin(), r.registered.end());
  return names;
}

}  // namespace flopscope
