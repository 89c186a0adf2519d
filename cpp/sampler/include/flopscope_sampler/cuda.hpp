// CUDA backend of the sampler (built only when FSS_HAVE_CUDA): cuBLAS SGEMM,
// the same Philox4x32-10 + Box-Muller normals as the CPU (bit-identical), and
// fused ReLU + float64 column-sum epilogue kernels with a fixed reduction tree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flopscope_sampler/sampler.hpp"

namespace fss::cuda {

struct Status {
  bool available = false;
  int device_count = 0;
  std::string reason;  // why not available, or the device name when it is
};

Status status();

// Rows per GPU chunk: a fixed function of width (never of the device), so
// results are reproducible across GPUs of the same model and any batching.
int64_t gpu_chunk_rows(int64_t width);

// Throws std::runtime_error if no device is usable.
SampleResult sample(const SampleRequest& req, int device = 0);

// Normals generated on the device (for tests: must equal fss::fill_normals).
std::vector<float> device_normals(uint64_t seed, uint64_t stream, uint64_t e0, int64_t count, int device = 0);

}  // namespace fss::cuda
