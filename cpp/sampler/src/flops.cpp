// Closed-form FLOP bill of the reference sampling algorithm, priced by the
// flopscope core's own formulas (cost::matmul, cost::pointwise, cost::reduction)
// under the given profile, so it equals what flopscope meters for the numpy
// backend call by call. Creation, casts, stack and random draws are free.
//
// Reference algorithm, per MLP (n = n_samples, k = chunks, w = width, d = depth):
//   per chunk of r rows:  x = standard_normal((r, w))            free
//     per layer:          x = maximum(matmul(x, W_l), 0)          r*w*w + r*w
//                         s_l = add(s_l, sum(float64(x), axis=0)) r*w   + w
//     final:              q = add(q, sum(multiply(x64, x64), 0))  r*w + r*w + w
//   finalisation:         means = float32(stack(s) / n)           d*w  (divide)
//                         m = float64(means[-1])                  free
//                         var = mean(q / n - m * m)               w (divide) + w (multiply)
//                                                                 + w (subtract) + w (mean)
#include <stdexcept>

#include "flopscope/cost_model.hpp"
#include "flopscope_sampler/sampler.hpp"

namespace fss {

namespace cost = flopscope::cost;
using flopscope::checked_add;
using flopscope::checked_mul;

std::vector<std::pair<std::string, int64_t>> sampler_flop_breakdown(int64_t depth, int64_t width, int64_t n_samples,
                                                                    int64_t n_mlps, const flopscope::Profile& profile) {
  if (depth <= 0 || width <= 0 || n_samples <= 0 || n_mlps <= 0)
    throw std::invalid_argument("sampler_flop_breakdown: depth, width, n_samples and n_mlps must be positive");
  auto& ops = flopscope::OpRegistry::instance();
  auto id = [&](const char* name) {
    return ops.intern(name, flopscope::CostRule::External, "closed form of the sampler (docs/sampler.md)");
  };
  const int64_t d = depth, w = width, B = n_mlps, k = chunk_count(n_samples, width);
  // Rows pushed through every layer, over all MLPs and chunks.
  const int64_t rows = checked_mul(checked_mul(B, d), n_samples);
  const int64_t layer_elems = checked_mul(rows, w);                                   // B*d*n*w
  const int64_t summed_elems = checked_mul(checked_mul(checked_mul(B, d + 1), n_samples), w);
  const int64_t sum_outputs = checked_mul(checked_mul(checked_mul(B, d + 1), k), w);  // one row per chunk sum
  std::vector<std::pair<std::string, int64_t>> out;
  out.emplace_back("matmul", cost::matmul(profile, id("matmul"), 1, rows, w, w));
  out.emplace_back("maximum", cost::pointwise(profile, id("maximum"), layer_elems));
  out.emplace_back("sum", cost::reduction(profile, id("sum"), summed_elems, sum_outputs));
  out.emplace_back("add", cost::pointwise(profile, id("add"), sum_outputs));
  out.emplace_back("multiply", cost::pointwise(profile, id("multiply"), checked_mul(B, checked_add(checked_mul(n_samples, w), w))));
  out.emplace_back("divide", cost::pointwise(profile, id("divide"), checked_mul(B, checked_mul(d + 1, w))));
  out.emplace_back("subtract", cost::pointwise(profile, id("subtract"), checked_mul(B, w)));
  out.emplace_back("mean", cost::reduction(profile, id("mean"), checked_mul(B, w), B));
  int64_t total = 0;
  for (auto& [name, f] : out) total = checked_add(total, f);
  return out;
}

}  // namespace fss
