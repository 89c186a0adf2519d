#include "flopscope/ops.hpp"

#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace flopscope {
namespace {

struct StaticOp {
  const char* name;
  CostRule rule;
};

// Every operation flopscope.numpy exports outside the ufuncs, with its rule.
// Ufuncs are classified by the binding from NumPy's ufunc list: elementwise
// ufuncs are Pointwise, the gufuncs matmul/vecdot/matvec/vecmat Contraction.
// Random draws are Free (primer: "Random generation itself is free"); the
// binding registers one op per NumPy sampler (random.<name>, random.Generator.<name>).
// Source of the classification: the primer's "Operation FLOP Costs" table;
// names it does not list follow its principle (design.md section 3).
constexpr StaticOp kStaticOps[] = {
    // Free (0 FLOPs): creation, views, reshapes, joins, copies, casts.
    {"array", CostRule::Free}, {"asarray", CostRule::Free}, {"asanyarray", CostRule::Free},
    {"ascontiguousarray", CostRule::Free}, {"zeros", CostRule::Free}, {"ones", CostRule::Free},
    {"empty", CostRule::Free}, {"full", CostRule::Free}, {"eye", CostRule::Free},
    {"identity", CostRule::Free}, {"arange", CostRule::Free}, {"linspace", CostRule::Free},
    {"zeros_like", CostRule::Free}, {"ones_like", CostRule::Free},
    {"empty_like", CostRule::Free}, {"full_like", CostRule::Free}, {"reshape", CostRule::Free},
    {"transpose", CostRule::Free}, {"stack", CostRule::Free}, {"concatenate", CostRule::Free},
    {"hstack", CostRule::Free}, {"vstack", CostRule::Free}, {"dstack", CostRule::Free},
    {"column_stack", CostRule::Free}, {"squeeze", CostRule::Free},
    {"expand_dims", CostRule::Free}, {"broadcast_to", CostRule::Free},
    {"broadcast_arrays", CostRule::Free}, {"copy", CostRule::Free}, {"astype", CostRule::Free},
    {"ravel", CostRule::Free}, {"swapaxes", CostRule::Free}, {"moveaxis", CostRule::Free},
    {"atleast_1d", CostRule::Free}, {"atleast_2d", CostRule::Free},
    {"atleast_3d", CostRule::Free}, {"flip", CostRule::Free}, {"split", CostRule::Free},
    {"array_split", CostRule::Free}, {"tile", CostRule::Free}, {"repeat", CostRule::Free},
    {"diag", CostRule::Free}, {"diagonal", CostRule::Free}, {"tril", CostRule::Free},
    {"triu", CostRule::Free}, {"take", CostRule::Free}, {"shape", CostRule::Free},
    {"ndim", CostRule::Free}, {"size", CostRule::Free}, {"result_type", CostRule::Free},
    {"can_cast", CostRule::Free}, {"promote_types", CostRule::Free},
    // Free: reading and writing files (no arithmetic).
    {"save", CostRule::Free}, {"savez", CostRule::Free}, {"savez_compressed", CostRule::Free},
    {"load", CostRule::Free}, {"savetxt", CostRule::Free}, {"loadtxt", CostRule::Free},
    {"getitem", CostRule::Free}, {"setitem", CostRule::Free},
    // Pointwise, 1 FLOP per output element (non-ufunc functions).
    {"where", CostRule::Pointwise}, {"clip", CostRule::Pointwise}, {"round", CostRule::Pointwise},
    {"around", CostRule::Pointwise}, {"isclose", CostRule::Pointwise}, {"allclose", CostRule::Pointwise},
    {"array_equal", CostRule::Pointwise}, {"array_equiv", CostRule::Pointwise},
    // Reductions: the input size.
    {"sum", CostRule::Reduction}, {"mean", CostRule::Reduction}, {"var", CostRule::Reduction},
    {"max", CostRule::Reduction}, {"min", CostRule::Reduction}, {"amax", CostRule::Reduction},
    {"amin", CostRule::Reduction}, {"prod", CostRule::Reduction}, {"all", CostRule::Reduction},
    {"any", CostRule::Reduction}, {"argmax", CostRule::Reduction},
    {"argmin", CostRule::Reduction}, {"cumsum", CostRule::Reduction},
    {"cumprod", CostRule::Reduction}, {"nansum", CostRule::Reduction},
    {"nanmean", CostRule::Reduction}, {"nanmax", CostRule::Reduction},
    {"nanmin", CostRule::Reduction}, {"nanprod", CostRule::Reduction},
    {"nanvar", CostRule::Reduction}, {"count_nonzero", CostRule::Reduction},
    {"ptp", CostRule::Reduction}, {"trace", CostRule::Reduction},
    {"std", CostRule::Deviation}, {"nanstd", CostRule::Deviation},
    // Contractions: multiply-add counted once.
    {"dot", CostRule::Contraction}, {"inner", CostRule::Contraction},
    {"outer", CostRule::Contraction}, {"tensordot", CostRule::Contraction},
    {"vdot", CostRule::Contraction}, {"einsum", CostRule::Contraction},
    // Sorting.
    {"sort", CostRule::Sort}, {"argsort", CostRule::Sort},
    {"partition", CostRule::Partition}, {"argpartition", CostRule::Partition},
    {"searchsorted", CostRule::Search},
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
  }
  return "unknown";
}

OpRegistry::OpRegistry() {
  // Never reallocated, so info() stays valid in one thread while another interns.
  ops_.reserve(kCapacity);
  for (const auto& op : kStaticOps) ops_.push_back({op.name, op.rule});
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
  ops_.push_back({std::string(name), rule});
  return static_cast<OpId>(ops_.size() - 1);
}

}  // namespace flopscope
