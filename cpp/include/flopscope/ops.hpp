// The table of counted operations: every exported operation has exactly one
// cost rule here. The rule says which formula of cost_model.hpp prices it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flopscope/signature.hpp"

namespace flopscope {

enum class CostRule : std::uint8_t {
  Free,          // 0 FLOPs: creation, views, indexing, copies, casts, random draws
  Pointwise,     // per output element, times the number of outputs
  Reduction,     // the input size
  Deviation,     // std: a variance (input size) plus one square root per output
  Contraction,   // matmul, dot, inner, outer, tensordot, vdot, einsum
  Sort,          // n * ceil(log2 n) comparisons per sorted slice
  Partition,     // n * len(kth) per partitioned slice
  Search,        // ceil(log2 n) per value searched in n sorted values
  External,      // priced in closed form by another part of the core (e.g. the sampler)
  // Families priced by a formula of formulas/*.hpp over the call's Signature:
  Linalg,        // fnp.linalg: standard operation counts of the factorisations
  Fourier,       // fnp.fft: 5 n log2 n per complex transform
  Statistics,    // order statistics, moments and histograms (median, cov, histogram, ...)
  Distribution,  // flops.stats: a per-element count of each pdf/cdf/ppf
  Polynomial,    // polyval, polyfit, roots, ...
  Counting,      // sets, unique, bincount, nonzero, ...
  Numeric,       // the rest of NumPy's numerical functions (diff, convolve, kron, cross, interp, ...)
};

std::string_view cost_rule_name(CostRule rule);

using OpId = std::int32_t;

class Profile;
struct Priced;  // pricing.hpp
// A rule that prices a row with the profile's conventions in hand (the
// reductions, contractions, sorts, einsum, ...; formulas/core.hpp), where a
// Formula gives a count the profile only weights. It may say more than the
// FLOPs (Priced: a contraction's exact complex count, the path einsum runs).
// Throws SignatureError / CostOverflowError as formulas do.
using Pricer = void (*)(const Profile&, OpId, const Signature&, Priced*);

// One row of the op table: everything that defines an operation.
struct OpInfo {
  std::string name;
  CostRule rule;
  const char* reduce_ufunc = nullptr;   // a bare f(a[, axis]) runs this ufunc's reduce
  bool method = false;                  // also an ndarray method (x.sum(), ...)
  std::vector<Slot> slots;              // NumPy's parameters, in order (none: a free op read for dtype= only)
  // How the call's Signature is priced: exactly one of these for a priced row (none: free).
  Formula formula = nullptr;            // a count the profile weights (formulas/*.hpp)
  ContractionDims dims = nullptr;       // a matmul-like contraction: cost::matmul of these extents
  Pricer pricer = nullptr;              // a rule with the profile's conventions (formulas/core.hpp)
  const char* formula_doc = nullptr;    // the formula as written in the op reference
  bool python = false;                  // implemented by flopscope's Python (bound at import)
  bool priced() const { return formula != nullptr || dims != nullptr || pricer != nullptr; }
};

// Process-wide registry. The static table (ops.def) is loaded first; derived
// names (ufunc methods such as "add.reduce", external ops) are added later.
class OpRegistry {
 public:
  static OpRegistry& instance();

  // Id of `name`; registers it with `rule` if new. A name keeps its first rule.
  OpId intern(std::string_view name, CostRule rule, const char* formula_doc = nullptr);
  // Id of `name`, or -1 when unknown.
  OpId find(std::string_view name) const;
  const OpInfo& info(OpId id) const { return ops_[static_cast<std::size_t>(id)]; }
  std::size_t size() const { return ops_.size(); }
  // The rows of the static table come first: ids [0, table_size()).
  std::size_t table_size() const { return table_size_; }

  // Fixed capacity: entries never move once added.
  static constexpr std::size_t kCapacity = 1 << 14;

 private:
  OpRegistry();
  std::vector<OpInfo> ops_;
  std::size_t table_size_ = 0;
};

// NumPy's ufuncs (op_table/ufuncs.inc). Every ufunc NumPy exports is counted;
// one not listed is elementwise: pointwise, numel(broadcast output) per output.
enum class UfuncCore : std::uint8_t { Elementwise, Matmul, Vecdot, Matvec, Vecmat };
struct UfuncRow {
  const char* name;
  UfuncCore core;            // a contraction gufunc's core layout (cost::gufunc_dims), or elementwise
  const char* formula_doc;
  bool positional_out_warns; // NumPy warns on f(a, b, out) (maximum, minimum): never called through its bare loop
};
// The row of ufunc `name` (the elementwise default when it is not listed).
const UfuncRow& ufunc_row(std::string_view name);
// The ufunc methods, in this order (the binding's UfuncMethod enumerates them).
struct UfuncMethodRow {
  const char* name;  // "reduce", ...: the op is "<ufunc>.<name>"
  CostRule rule;
  const char* formula_doc;
};
std::span<const UfuncMethodRow> ufunc_methods();
// Registers ufunc `name` and its methods (as "<name>.<method>") with their
// rules and docs; the ufunc's id.
OpId intern_ufunc(std::string_view name);

// Formula sets other than the op table's own (op_table/formula_variants.inc),
// chosen by a profile's `formulas <set>`: the formula `set` gives op `name`,
// or nullptr where the set keeps the table's.
Formula formula_variant(std::string_view name, std::string_view set);
bool is_formula_set(std::string_view set);

}  // namespace flopscope
