// The table of counted operations: every exported operation has exactly one
// cost rule here. The rule says which formula of cost_model.hpp prices it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
};

std::string_view cost_rule_name(CostRule rule);

using OpId = std::int32_t;

struct OpInfo {
  std::string name;
  CostRule rule;
};

// Process-wide registry. The static table (ops.def) is loaded first; derived
// names (ufunc methods such as "add.reduce", external ops) are added later.
class OpRegistry {
 public:
  static OpRegistry& instance();

  // Id of `name`; registers it with `rule` if new. A name keeps its first rule.
  OpId intern(std::string_view name, CostRule rule);
  // Id of `name`, or -1 when unknown.
  OpId find(std::string_view name) const;
  const OpInfo& info(OpId id) const { return ops_[static_cast<std::size_t>(id)]; }
  std::size_t size() const { return ops_.size(); }

  // Fixed capacity: entries never move once added.
  static constexpr std::size_t kCapacity = 1 << 14;

 private:
  OpRegistry();
  std::vector<OpInfo> ops_;
};

}  // namespace flopscope
