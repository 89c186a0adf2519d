#include "flopscope/ops.hpp"

#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "flopscope/formulas/core.hpp"
#include "flopscope/formulas/counting.hpp"
#include "flopscope/formulas/fft.hpp"
#include "flopscope/formulas/linalg.hpp"
#include "flopscope/formulas/linalg_flopscope012.hpp"
#include "flopscope/formulas/misc.hpp"
#include "flopscope/formulas/polynomial.hpp"
#include "flopscope/formulas/random.hpp"
#include "flopscope/formulas/statistics.hpp"
#include "flopscope/formulas/stats.hpp"
#include "flopscope/formulas/symmetry.hpp"

namespace flopscope {
namespace {

using R = CostRule;

struct StaticOp {
  const char* name;
  CostRule rule;
  const char* reduce_ufunc;
  bool method;
  const char* slots;
  Formula formula;
  const char* formula_doc;
  bool python = false;
  ContractionDims dims = nullptr;
  Pricer pricer = nullptr;
};

// Row helpers. Every priced row names NumPy's parameters (the slot list, see
// parse_slots) and how the Signature read from them is priced: a formula, a
// contraction's extents or a pricer.
constexpr bool kMethod = true;
// Free (0 FLOPs); read for its dtype= only.
constexpr const char* kFreeDoc = "0";
constexpr StaticOp free_op(const char* name, bool method = false) {
  return {name, R::Free, nullptr, method, nullptr, nullptr, kFreeDoc};
}
// Priced by a formula of formulas/*.hpp (a count the profile weights).
constexpr StaticOp sig(const char* name, CostRule family, const char* slots, Formula formula, const char* doc,
                       bool method = false) {
  return {name, family, nullptr, method, slots, formula, doc};
}
// Priced by a rule of formulas/core.hpp, with the profile's conventions in hand.
// reduce_ufunc: a bare f(a[, axis]) runs this ufunc's reduce (the same NumPy call).
constexpr StaticOp rule(const char* name, CostRule family, const char* slots, Pricer pricer, const char* doc,
                        bool method = false, const char* reduce_ufunc = nullptr) {
  return {name, family, reduce_ufunc, method, slots, nullptr, doc, false, nullptr, pricer};
}
// A matmul-like contraction whose slots are read into a Signature and priced
// by the contraction engine (cost::matmul) from the extents `dims` finds,
// so that real and complex calls price as the matmul ufunc does.
constexpr StaticOp contraction_sig(const char* name, const char* slots, ContractionDims dims, const char* doc) {
  return {name, R::Contraction, nullptr, false, slots, nullptr, doc, false, dims};
}
// A row priced here whose implementation is flopscope's own Python (bound with
// _core.bind_op at import), even where NumPy has a function of that name.
constexpr StaticOp py_free(const char* name) {
  return {name, R::Free, nullptr, false, nullptr, nullptr, kFreeDoc, true};
}
constexpr StaticOp py_sig(const char* name, CostRule family, const char* slots, Formula formula, const char* doc) {
  return {name, family, nullptr, false, slots, formula, doc, true};
}

// THE op table: every operation flopscope exports outside the ufuncs, one row
// each, grouped by family in op_table/*.inc. Module exports (dotted names such
// as "linalg.solve" go to flopscope.numpy.linalg), ndarray methods, the op
// reference page (scripts/gen_op_reference.py) and the surface tests are
// derived from it.
// Ufuncs are classified by the binding from NumPy's ufunc list: elementwise
// ufuncs are Pointwise, the gufuncs matmul/vecdot/matvec/vecmat Contraction.
// Random draws are Free (primer: "Random generation itself is free"); the
// binding registers one op per NumPy sampler (random.<name>, random.Generator.<name>).
// Source of the classification: the primer's "Operation FLOP Costs" table;
// names it does not list follow its principle (design.md section 3).
constexpr StaticOp kStaticOps[] = {
#include "op_table/core.inc"
#include "op_table/linalg.inc"
#include "op_table/stats.inc"
#include "op_table/statistics.inc"
#include "op_table/counting.inc"
#include "op_table/polynomial.inc"
#include "op_table/fft.inc"
#include "op_table/misc.inc"
#include "op_table/symmetry.inc"
};

// Formulas a profile's `formulas <set>` puts in place of an op's own.
struct FormulaVariant {
  const char* set;
  const char* op;
  Formula formula;
};
constexpr FormulaVariant kFormulaVariants[] = {
#include "op_table/formula_variants.inc"
};

// NumPy's ufuncs: the rows that differ from the elementwise default, and the methods.
constexpr const char* kElementwiseDoc = "numel(broadcast output) x number of outputs";
constexpr bool kPositionalOutWarns = true;
constexpr UfuncRow ufunc(const char* name, UfuncCore core, const char* doc, bool positional_out_warns = false) {
  return {name, core, doc, positional_out_warns};
}
constexpr UfuncRow kUfuncRows[] = {
#define FLOPSCOPE_UFUNC_ROWS
#include "op_table/ufuncs.inc"
#undef FLOPSCOPE_UFUNC_ROWS
};
constexpr UfuncMethodRow kUfuncMethodRows[] = {
#define FLOPSCOPE_UFUNC_METHODS
#include "op_table/ufuncs.inc"
#undef FLOPSCOPE_UFUNC_METHODS
};

std::mutex registry_mutex;

}  // namespace

std::string_view cost_rule_name(CostRule rule) {
  switch (rule) {
    case CostRule::Free: return "free";
    case CostRule::Pointwise: return "pointwise";
    case CostRule::Reduction: return "reduction";
    case CostRule::Deviation: return "deviation";
    case CostRule::Contraction: return "contraction";
    case CostRule::Sort: return "sort";
    case CostRule::Partition: return "partition";
    case CostRule::Search: return "search";
    case CostRule::External: return "external";
    case CostRule::Linalg: return "linalg";
    case CostRule::Fourier: return "fft";
    case CostRule::Statistics: return "statistics";
    case CostRule::Distribution: return "distribution";
    case CostRule::Polynomial: return "polynomial";
    case CostRule::Counting: return "counting";
    case CostRule::Numeric: return "numeric";
  }
  return "unknown";
}

OpRegistry::OpRegistry() {
  // Never reallocated, so info() stays valid in one thread while another interns.
  ops_.reserve(kCapacity);
  for (const auto& op : kStaticOps)
    ops_.push_back({op.name, op.rule, op.reduce_ufunc, op.method,
                    op.slots ? parse_slots(op.slots) : std::vector<Slot>{}, op.formula, op.dims, op.pricer,
                    op.formula_doc, op.python});
  table_size_ = ops_.size();
}

OpRegistry& OpRegistry::instance() {
  static OpRegistry registry;
  return registry;
}

OpId OpRegistry::find(std::string_view name) const {
  for (std::size_t i = 0; i < ops_.size(); ++i)
    if (ops_[i].name == name) return static_cast<OpId>(i);
  return -1;
}

OpId OpRegistry::intern(std::string_view name, CostRule rule, const char* formula_doc) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  if (OpId id = find(name); id >= 0) return id;
  if (ops_.size() == kCapacity)
    throw std::length_error("flopscope: more than " + std::to_string(kCapacity) + " distinct operation names");
  OpInfo info;
  info.name = std::string(name);
  info.rule = rule;
  info.formula_doc = formula_doc;
  ops_.push_back(std::move(info));
  return static_cast<OpId>(ops_.size() - 1);
}

const UfuncRow& ufunc_row(std::string_view name) {
  static constexpr UfuncRow kElementwise{"", UfuncCore::Elementwise, kElementwiseDoc, false};
  for (const UfuncRow& row : kUfuncRows)
    if (name == row.name) return row;
  return kElementwise;
}

std::span<const UfuncMethodRow> ufunc_methods() { return kUfuncMethodRows; }

OpId intern_ufunc(std::string_view name) {
  OpRegistry& reg = OpRegistry::instance();
  const UfuncRow& row = ufunc_row(name);
  const OpId id = reg.intern(name, row.core == UfuncCore::Elementwise ? CostRule::Pointwise : CostRule::Contraction,
                             row.formula_doc);
  for (const UfuncMethodRow& method : kUfuncMethodRows)
    reg.intern(std::string(name) + "." + method.name, method.rule, method.formula_doc);
  return id;
}

Formula formula_variant(std::string_view name, std::string_view set) {
  for (const FormulaVariant& v : kFormulaVariants)
    if (set == v.set && name == v.op) return v.formula;
  return nullptr;
}

bool is_formula_set(std::string_view set) {
  if (set == "primer") return true;  // the op table's own
  for (const FormulaVariant& v : kFormulaVariants)
    if (set == v.set) return true;
  return false;
}

}  // namespace flopscope
