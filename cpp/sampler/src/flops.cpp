// Closed-form FLOP bill of the reference sampling algorithm under the primer
// cost rules (cpp/profiles/primer.profile): (M,N)@(N,K) costs M*N*K, pointwise
// ops cost the output size, reductions the input size, creation/casts/stack
// and random draws are free, dtype never matters.
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
#include <limits>
#include <stdexcept>

#include "flopscope_sampler/sampler.hpp"

namespace fss {
namespace {

using u128 = unsigned __int128;

int64_t to_i64(u128 v, const char* what) {
  if (v > static_cast<u128>(std::numeric_limits<int64_t>::max()))
    throw std::overflow_error(std::string("FLOP count of ") + what + " does not fit in int64");
  return static_cast<int64_t>(v);
}

}  // namespace

std::vector<std::pair<std::string, int64_t>> sampler_flop_breakdown(int64_t depth, int64_t width, int64_t n_samples,
                                                                    int64_t n_mlps) {
  if (depth <= 0 || width <= 0 || n_samples <= 0 || n_mlps <= 0)
    throw std::invalid_argument("sampler_flop_breakdown: depth, width, n_samples and n_mlps must be positive");
  const u128 d = static_cast<u128>(depth), w = static_cast<u128>(width), n = static_cast<u128>(n_samples),
             B = static_cast<u128>(n_mlps);
  const u128 k = static_cast<u128>(chunk_count(n_samples, width));
  std::vector<std::pair<std::string, int64_t>> out;
  out.emplace_back("matmul", to_i64(B * d * n * w * w, "matmul"));
  out.emplace_back("maximum", to_i64(B * d * n * w, "maximum"));
  out.emplace_back("sum", to_i64(B * (d + 1) * n * w, "sum"));
  out.emplace_back("add", to_i64(B * (d + 1) * k * w, "add"));
  out.emplace_back("multiply", to_i64(B * (n * w + w), "multiply"));
  out.emplace_back("divide", to_i64(B * (d * w + w), "divide"));
  out.emplace_back("subtract", to_i64(B * w, "subtract"));
  out.emplace_back("mean", to_i64(B * w, "mean"));
  u128 total = 0;
  for (auto& [name, f] : out) total += static_cast<u128>(f);
  to_i64(total, "the total");
  return out;
}

}  // namespace fss
