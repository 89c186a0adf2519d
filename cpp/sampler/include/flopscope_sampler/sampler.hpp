// Monte-Carlo ground-truth sampler for square ReLU MLPs (whestbench spec 1.5).
//
// For each MLP b (weights (depth, width, width), stored (input, output)) and
// n_samples inputs x ~ N(0, I) it runs x <- max(0, x @ W_l) in float32 for
// every layer, accumulates float64 column sums of every layer and float64
// column sums of squares of the final layer, and returns
//   means[b, l, j]    = float32(sum_l_j / N)
//   final_variance[b] = mean_j(sumsq_j / N - float64(means[b, depth-1, j])^2).
// No Python headers here.
#pragma once

#include "flopscope/profile.hpp"
#include "flopscope_sampler/sgemm.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fss {

// One batch of MLPs sharing depth/width/n_samples.
struct SampleRequest {
  const float* weights = nullptr;  // (n_mlps, depth, width, width), C-contiguous
  int64_t n_mlps = 0;
  int64_t depth = 0;
  int64_t width = 0;
  int64_t n_samples = 0;
  const uint64_t* seeds = nullptr;    // (n_mlps,) Philox keys
  const uint64_t* streams = nullptr;  // (n_mlps,) Philox stream ids
};

struct SampleResult {
  std::vector<float> means;            // (n_mlps, depth, width)
  std::vector<double> final_variance;  // (n_mlps,)
};

struct CpuOptions {
  int threads = 0;          // 0: all hardware threads
  int64_t tile_rows = 0;    // 0: the whole chunk (fastest measured)
  Isa isa = Isa::Auto;      // matrix-product kernel; every choice gives the same bits
};

// Accumulation chunk (rows) of the reference algorithm: max(1024, min(16384, 2^20 / width)).
// Inline: the sampler and its closed-form bill (a separate library) both use it.
inline int64_t chunk_rows(int64_t width) {
  if (width <= 0) throw std::invalid_argument("width must be positive");
  return std::max<int64_t>(1024, std::min<int64_t>(16384, (int64_t{1} << 20) / width));
}
inline int64_t chunk_count(int64_t n_samples, int64_t width) {
  const int64_t c = chunk_rows(width);
  return (n_samples + c - 1) / c;
}

// Throws std::invalid_argument on bad shapes / counts.
void validate(const SampleRequest& req);

// Multi-threaded CPU backend (fixed-order SGEMM + fused ReLU/float64 sums).
// The bits depend only on (weights, seed, stream, n_samples): not on threads,
// tile_rows, isa, batching, the CPU or its load.
SampleResult sample_cpu(const SampleRequest& req, const CpuOptions& opt = {});

// Fills out[0..count) with normals e0 .. e0+count-1 of stream (seed, stream).
void fill_normals(uint64_t seed, uint64_t stream, uint64_t e0, int64_t count, float* out);

// FLOPs the reference algorithm (whestbench.sampling numpy backend) is billed
// under `profile`, in closed form, summed over n_mlps MLPs, priced with the
// flopscope core's formulas. Returned as (op name, flops) in a fixed order;
// throws std::overflow_error (flopscope::CostOverflowError) if a figure does
// not fit in int64.
std::vector<std::pair<std::string, int64_t>> sampler_flop_breakdown(int64_t depth, int64_t width,
                                                                    int64_t n_samples, int64_t n_mlps,
                                                                    const flopscope::Profile& profile);

// Finalisation shared by the backends: sums (depth+1, width) = layer sums then
// final sum of squares -> means (depth, width) and the average final variance.
double finalize(const double* sums, int64_t depth, int64_t width, int64_t n_samples, float* means_out);

// OpenBLAS (scipy-openblas32), linked only as the benchmark's baseline.
void blas_sgemm_rowmajor(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c);
int blas_get_threads();
void blas_set_threads(int n);

}  // namespace fss
