#include "flopscope/ops.hpp"

#include <mutex>
#include <stdexcept>
#include <unordered_map>

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
using In = OperandReading;

struct StaticOp {
  const char* name;
  CostRule rule;
  OperandReading reading;
  int arity;
  const char* reduce_ufunc;
  bool method;
  const char* slots;
  Formula formula;
  const char* formula_doc;
  bool python = false;
  ContractionDims dims = nullptr;
};

// Row helpers: a free op; an op read by a dedicated reading; an op whose
// slots are read into a Signature and priced by its formula.
constexpr bool kMethod = true;
constexpr StaticOp free_op(const char* name, bool method = false) {
  return {name, R::Free, In::None, 0, nullptr, method, nullptr, nullptr, nullptr};
}
constexpr StaticOp op(const char* name, CostRule rule, OperandReading reading, int arity,
                      const char* reduce_ufunc = nullptr, bool method = false) {
  return {name, rule, reading, arity, reduce_ufunc, method, nullptr, nullptr, nullptr};
}
constexpr StaticOp sig(const char* name, CostRule family, const char* slots, Formula formula, const char* doc,
                       bool method = false) {
  return {name, family, In::Signature, 0, nullptr, method, slots, formula, doc};
}
// A matmul-like contraction whose slots are read into a Signature and priced
// by the contraction engine (cost::matmul) from the extents `dims` finds,
// so that real and complex calls price as the matmul ufunc does.
constexpr StaticOp contraction_sig(const char* name, const char* slots, ContractionDims dims, const char* doc) {
  return {name, R::Contraction, In::Signature, 0, nullptr, false, slots, nullptr, doc, false, dims};
}
// A row priced here whose implementation is flopscope's own Python (bound with
// _core.bind_op at import), even where NumPy has a function of that name.
constexpr StaticOp py_free(const char* name) {
  return {name, R::Free, In::None, 0, nullptr, false, nullptr, nullptr, nullptr, true};
}
constexpr StaticOp py_sig(const char* name, CostRule family, const char* slots, Formula formula, const char* doc) {
  return {name, family, In::Signature, 0, nullptr, false, slots, formula, doc, true};
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
    ops_.push_back({op.name, op.rule, op.reading, op.arity, op.reduce_ufunc, op.method,
                    op.slots ? parse_slots(op.slots) : std::vector<Slot>{}, op.formula, op.formula_doc, op.python,
                    op.dims});
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

OpId OpRegistry::intern(std::string_view name, CostRule rule) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  if (OpId id = find(name); id >= 0) return id;
  if (ops_.size() == kCapacity)
    throw std::length_error("flopscope: more than " + std::to_string(kCapacity) + " distinct operation names");
  OpInfo info;
  info.name = std::string(name);
  info.rule = rule;
  ops_.push_back(std::move(info));
  return static_cast<OpId>(ops_.size() - 1);
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
