// Fixed-order single-precision matrix product for the CPU sampler.
//
// Why our own kernel: a BLAS picks its summation order per CPU family, per
// matrix shape and per thread split (OpenBLAS's Haswell, Zen and SkylakeX
// kernels give different bits for the same rows when the row count changes),
// so ground truth baked with it would depend on the machine and on tiling.
// Here every output element is one fused multiply-add chain in k order:
//
//   C[i][j] = fma(A[i][K-1], B[K-1][j], ... fma(A[i][1], B[1][j], fma(A[i][0], B[0][j], 0.0f)))
//
// with IEEE single-precision fma (one rounding per step). The AVX-512, AVX2 and
// scalar kernels all evaluate exactly that chain, and cache blocking only
// pauses and resumes it (the partial value is stored in C and reloaded), so
// the bits do not depend on the kernel, the block sizes, the number of rows
// multiplied at once or the thread that runs them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace fss {

// Vector kernels; Auto picks the widest one this CPU runs.
enum class Isa : int { Auto = 0, Scalar = 1, Avx2 = 2, Avx512 = 3 };

bool isa_supported(Isa isa);  // Auto and Scalar are always supported
Isa resolve_isa(Isa isa);     // Auto -> best supported; throws std::invalid_argument if unsupported
const char* isa_name(Isa isa);
Isa isa_from_name(const char* name);  // "auto", "scalar", "avx2", "avx512"; throws std::invalid_argument

namespace detail {
struct FreeDeleter {
  void operator()(float* p) const noexcept;
};
using AlignedFloats = std::unique_ptr<float[], FreeDeleter>;
AlignedFloats aligned_floats(size_t n);  // 64-byte aligned, uninitialised
}  // namespace detail

// The right operand B (k x n, row-major) repacked for one kernel: column
// panels of nr floats, each holding B[0..k)[p*nr .. p*nr+nr) row after row,
// zero-padded past column n.
class PackedMatrix {
 public:
  PackedMatrix(const float* b, int64_t k, int64_t n, Isa isa);
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  Isa isa() const { return isa_; }
  int64_t panel_width() const { return nr_; }
  const float* panel(int64_t p) const { return data_.get() + p * k_ * nr_; }

 private:
  int64_t k_, n_, nr_;
  Isa isa_;
  detail::AlignedFloats data_;
};

// Per-thread buffers of sgemm_fixed_order (grown on demand, reused).
class GemmScratch {
 public:
  float* packed_a(size_t n);

 private:
  detail::AlignedFloats buf_;
  size_t size_ = 0;
};

// The sampler's layer epilogue, fused into the product: C <- max(0, C)
// elementwise (NaN and -0.0 pass through, as numpy.maximum(C, 0)), then
// sum[j] += double(C[i][j]) and, if sumsq is set, sumsq[j] += d * d (rounded
// product, then the add), for rows i in increasing order.
struct ReluColumnSums {
  double* sum = nullptr;    // (n,)
  double* sumsq = nullptr;  // (n,) or null
};

// C (m x b.n(), row-major, leading dimension b.n()) = A (m x b.k(), row-major,
// leading dimension b.k()) times B, each element the fma chain above; then the
// epilogue, if given.
void sgemm_fixed_order(int64_t m, const float* a, const PackedMatrix& b, float* c, GemmScratch& scratch,
                       const ReluColumnSums* relu = nullptr);

}  // namespace fss
