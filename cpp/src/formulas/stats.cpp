#include "flopscope/formulas/stats.hpp"

#include <vector>

#include "flopscope/cost_model.hpp"

namespace flopscope::formulas::stats {

// The broadcast of the given operands (NumPy's rule, cost_model's broadcast_shapes).
Flops broadcast_numel(const Signature& s) {
  std::vector<cost::Shape> shapes;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s.given(i)) shapes.push_back(s.shape(i));
  std::vector<cost::Extent> out;
  if (!cost::broadcast_shapes(shapes, &out)) throw SignatureError("shape mismatch: objects cannot be broadcast");
  return cost::numel(out);
}

}  // namespace flopscope::formulas::stats
