// CUDA sampler backend. See include/flopscope_sampler/cuda.hpp.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "flopscope_sampler/cuda.hpp"
#include "flopscope_sampler/rng.hpp"

namespace fss::cuda {
namespace {

constexpr int kRowGroups = 128;   // fixed reduction tree: partial sums over row groups
constexpr int kColThreads = 256;

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(e));
}
void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cuBLAS error in ") + what + ": status " + std::to_string(static_cast<int>(s)));
}

template <class T>
struct DevBuf {
  T* p = nullptr;
  explicit DevBuf(size_t n) { check(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(T)), "cudaMalloc"); }
  ~DevBuf() { cudaFree(p); }
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
};

struct Handle {
  cublasHandle_t h = nullptr;
  Handle() { check(cublasCreate(&h), "cublasCreate"); }
  ~Handle() { cublasDestroy(h); }
};

// Normals e0 .. e0+count-1; one thread per Philox block.
__global__ void normals_kernel(uint64_t seed, uint64_t stream, uint64_t e0, uint64_t count, float* out) {
  const uint64_t first_block = e0 / 4;
  const uint64_t last_block = (e0 + count - 1) / 4;
  const uint64_t b = first_block + blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x;
  if (b > last_block) return;
  float z[4];
  normal_block(seed, stream, b, z);
#pragma unroll
  for (int lane = 0; lane < 4; ++lane) {
    const uint64_t e = 4 * b + lane;
    if (e >= e0 && e < e0 + count) out[e - e0] = z[lane];
  }
}

// ReLU in place on y (rows, width) and float64 column sums per row group.
__global__ void relu_colsum_kernel(float* y, int64_t rows, int64_t width, int64_t rows_per_group, double* part,
                                   double* part_sq) {
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t g = blockIdx.y;
  if (j >= width) return;
  const int64_t r0 = g * rows_per_group;
  const int64_t r1 = min(rows, r0 + rows_per_group);
  double s = 0.0, q = 0.0;
  for (int64_t r = r0; r < r1; ++r) {
    const float x = y[r * width + j];
    const float v = x < 0.0f ? 0.0f : x;
    y[r * width + j] = v;
    const double dv = static_cast<double>(v);
    s = __dadd_rn(s, dv);
    if (part_sq) q = __dadd_rn(q, __dmul_rn(dv, dv));
  }
  part[g * width + j] = s;
  if (part_sq) part_sq[g * width + j] = q;
}

// acc[j] += sum over groups (fixed order) of part[g, j].
__global__ void reduce_groups_kernel(const double* part, int64_t width, int groups, double* acc) {
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (j >= width) return;
  double t = 0.0;
  for (int g = 0; g < groups; ++g) t = __dadd_rn(t, part[g * width + j]);
  acc[j] = __dadd_rn(acc[j], t);
}

void launch_normals(uint64_t seed, uint64_t stream, uint64_t e0, uint64_t count, float* out, cudaStream_t st) {
  if (count == 0) return;
  const uint64_t blocks = (e0 + count - 1) / 4 - e0 / 4 + 1;
  const unsigned threads = 256;
  const uint64_t grid = (blocks + threads - 1) / threads;
  normals_kernel<<<static_cast<unsigned>(grid), threads, 0, st>>>(seed, stream, e0, count, out);
  check(cudaGetLastError(), "normals_kernel launch");
}

}  // namespace

Status status() {
  Status s;
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    s.reason = std::string("no usable CUDA device: ") + cudaGetErrorString(e);
    cudaGetLastError();
    return s;
  }
  s.device_count = n;
  if (n == 0) {
    s.reason = "no CUDA device found";
    return s;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) s.reason = prop.name;
  s.available = true;
  return s;
}

int64_t gpu_chunk_rows(int64_t width) {
  return std::max<int64_t>(1024, std::min<int64_t>(65536, (int64_t{1} << 28) / std::max<int64_t>(width, 1)));
}

std::vector<float> device_normals(uint64_t seed, uint64_t stream, uint64_t e0, int64_t count, int device) {
  check(cudaSetDevice(device), "cudaSetDevice");
  std::vector<float> host(static_cast<size_t>(std::max<int64_t>(count, 0)));
  if (count <= 0) return host;
  DevBuf<float> buf(static_cast<size_t>(count));
  launch_normals(seed, stream, e0, static_cast<uint64_t>(count), buf.p, nullptr);
  check(cudaMemcpy(host.data(), buf.p, host.size() * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy");
  return host;
}

SampleResult sample(const SampleRequest& req, int device) {
  validate(req);
  const Status st = status();
  if (!st.available) throw std::runtime_error(st.reason);
  check(cudaSetDevice(device), "cudaSetDevice");
  const int64_t B = req.n_mlps, d = req.depth, w = req.width, N = req.n_samples;
  const int64_t chunk = std::min(gpu_chunk_rows(w), N);
  const size_t ww = static_cast<size_t>(w * w);

  Handle handle;
  check(cublasSetMathMode(handle.h, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode");  // plain FP32, no TF32
  DevBuf<float> W(static_cast<size_t>(d) * ww);
  DevBuf<float> xa(static_cast<size_t>(chunk * w)), xb(static_cast<size_t>(chunk * w));
  DevBuf<double> part(static_cast<size_t>(kRowGroups * w)), part_sq(static_cast<size_t>(kRowGroups * w));
  DevBuf<double> acc(static_cast<size_t>((d + 1) * w));
  const float one = 1.0f, zero = 0.0f;

  SampleResult res;
  res.means.resize(static_cast<size_t>(B * d * w));
  res.final_variance.resize(static_cast<size_t>(B));
  std::vector<double> host_acc(static_cast<size_t>((d + 1) * w));
  const dim3 col_grid(static_cast<unsigned>((w + kColThreads - 1) / kColThreads));

  for (int64_t b = 0; b < B; ++b) {
    check(cudaMemcpy(W.p, req.weights + b * d * ww, d * ww * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy W");
    check(cudaMemset(acc.p, 0, host_acc.size() * sizeof(double)), "cudaMemset");
    for (int64_t r0 = 0; r0 < N; r0 += chunk) {
      const int64_t rows = std::min(chunk, N - r0);
      const int64_t rpg = (rows + kRowGroups - 1) / kRowGroups;
      float* x = xa.p;
      float* y = xb.p;
      launch_normals(req.seeds[b], req.streams[b], static_cast<uint64_t>(r0) * static_cast<uint64_t>(w),
                     static_cast<uint64_t>(rows * w), x, nullptr);
      for (int64_t l = 0; l < d; ++l) {
        // Row-major Y(rows,w) = X(rows,w) @ W_l(w,w)  <=>  column-major Y^T = W_l^T X^T.
        check(cublasSgemm(handle.h, CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(w), static_cast<int>(rows),
                          static_cast<int>(w), &one, W.p + l * ww, static_cast<int>(w), x, static_cast<int>(w), &zero,
                          y, static_cast<int>(w)),
              "cublasSgemm");
        const bool last = l == d - 1;
        relu_colsum_kernel<<<dim3(col_grid.x, kRowGroups), kColThreads>>>(y, rows, w, rpg, part.p,
                                                                           last ? part_sq.p : nullptr);
        check(cudaGetLastError(), "relu_colsum_kernel launch");
        reduce_groups_kernel<<<col_grid, kColThreads>>>(part.p, w, kRowGroups, acc.p + l * w);
        if (last) reduce_groups_kernel<<<col_grid, kColThreads>>>(part_sq.p, w, kRowGroups, acc.p + d * w);
        check(cudaGetLastError(), "reduce_groups_kernel launch");
        std::swap(x, y);
      }
    }
    check(cudaMemcpy(host_acc.data(), acc.p, host_acc.size() * sizeof(double), cudaMemcpyDeviceToHost),
          "cudaMemcpy acc");
    res.final_variance[b] = finalize(host_acc.data(), d, w, N, res.means.data() + b * d * w);
  }
  return res;
}

}  // namespace fss::cuda
