// einsum: subscript parsing, label extents, contraction paths and their cost.
// Pricing follows cost::contraction_step for every step of the path that runs.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flopscope/cost_model.hpp"

namespace flopscope::einsum {

// Label ids: 52 letters, then up to 64 broadcast ('...') axes.
inline constexpr std::size_t kMaxLabels = 52 + 64;

// A parsed, shape-checked expression; ellipses are expanded into private labels.
struct Expression {
  std::vector<std::vector<int>> inputs;            // label ids per operand, one per axis
  std::vector<int> output;                         // label ids of the output
  std::array<cost::Extent, kMaxLabels> extents{};  // by label id (broadcast over operands)
};

// Parses "ij,jk->ik" (explicit or implicit output, '...' allowed) against the
// operand shapes. Throws std::invalid_argument with a message for bad input.
Expression parse(std::string_view subscripts, std::span<const cost::Shape> shapes);
Expression parse(std::string_view subscripts, const std::vector<std::vector<cost::Extent>>& shapes);

// A path as NumPy's einsum_path gives it: each step lists positions in the
// current operand list; contracted operands are removed and the result appended.
using Path = std::vector<std::vector<int>>;

struct StepCost {
  std::vector<int> operands;
  Flops flops;
};

// Price of running `expr` along `path` (an empty path = one step over all operands).
// arithmetic: as cost::contraction_step (complex contractions counted exactly).
Flops path_cost(const Profile& profile, OpId op, const Expression& expr, const Path& path,
                std::vector<StepCost>* steps = nullptr, cost::Arithmetic arithmetic = cost::Arithmetic::Real);

// Operand count up to which "optimal" searches exactly (3^n subset splits); beyond it, greedy.
inline constexpr std::size_t kMaxOptimalOperands = 12;

// Path search. "greedy": at each step the pair whose contraction removes the
// most elements (ties: cheapest); "optimal": the cheapest of all pairwise
// contraction trees under `profile` (at most kMaxOptimalOperands operands, else greedy).
// Throws CostOverflowError when no path's cost fits in 64 bits.
Path find_path(const Profile& profile, OpId op, const Expression& expr, std::string_view strategy);

// The path a call without one (optimize=False) is priced and run by: none (the
// one contraction NumPy's loop runs), or under a profile with einsum.path_summed
// and 3+ operands the optimal path (up to 4 operands, else greedy, as opt_einsum's
// 'auto' chooses), as upstream bills and runs it (spec 2.8); NumPy is then
// handed this path.
Path unoptimized_pricing_path(const Profile& profile, OpId op, const Expression& expr);

// What writing the result into out= adds: a copy of its `numel_out` elements
// under a profile with einsum.out_copy (spec 2.8), else nothing.
Flops out_copy_cost(const Profile& profile, Flops numel_out);

}  // namespace flopscope::einsum
