// Fixed-order SGEMM (see sgemm.hpp for the contract). Classic three-level
// blocking (BLIS's loop order): k blocks of KC, row blocks of MC packed into
// MR-row micro-panels, column panels of NR from the pre-packed B, and an
// MR x NR register-tile micro-kernel per ISA. The kernels differ only in how
// many independent fma chains they advance at once.
#include "flopscope_sampler/sgemm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FSS_X86 1
#endif

namespace fss {

namespace detail {
void FreeDeleter::operator()(float* p) const noexcept { std::free(p); }

AlignedFloats aligned_floats(size_t n) {
  const size_t bytes = std::max<size_t>(64, ((n * sizeof(float) + 63) / 64) * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return AlignedFloats(static_cast<float*>(p));
}
}  // namespace detail

namespace {

// Register tile (MR rows x NR columns) and cache blocks of one kernel.
struct Blocking {
  int mr, nr;
  int64_t kc, mc;
};

// mc x kc: the packed block of A, kept in L2. Chosen by measurement against
// OpenBLAS on the sampler's shapes (1024x1024 and 4096x256 by 256x256): kc=512
// with mc=336 gave 0.93-0.95 of its single-thread rate; kc=256 gave 0.82-0.91.
constexpr Blocking kAvx512{14, 32, 512, 14 * 24};
constexpr Blocking kAvx2{6, 16, 256, 6 * 24};
constexpr Blocking kScalar{4, 16, 256, 4 * 32};

const Blocking& blocking(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return kAvx512;
    case Isa::Avx2: return kAvx2;
    default: return kScalar;
  }
}

// Micro-kernels. pa: an MR x kc micro-panel of A, k-major (pa[k*MR + r]);
// pb: kc rows of one NR-wide panel of B (pb[k*NR + j]); c: the MR x NR tile of
// C (leading dimension ldc). resume=false starts every chain at 0.0f,
// resume=true continues the chains stored in c.
using Kernel = void (*)(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, bool resume);

void kernel_scalar(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, bool resume) {
  constexpr int MR = kScalar.mr, NR = kScalar.nr;
  float acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) acc[r][j] = resume ? c[r * ldc + j] : 0.0f;
  for (int64_t k = 0; k < kc; ++k)
    for (int r = 0; r < MR; ++r) {
      const float a = pa[k * MR + r];
      for (int j = 0; j < NR; ++j) acc[r][j] = std::fmaf(a, pb[k * NR + j], acc[r][j]);
    }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) c[r * ldc + j] = acc[r][j];
}

#ifdef FSS_X86
__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* pa, const float* pb, float* c,
                                                     int64_t ldc, bool resume) {
  constexpr int MR = kAvx2.mr;
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    c0[r] = resume ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
    c1[r] = resume ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(pb + k * 16), b1 = _mm256_load_ps(pb + k * 16 + 8);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m256 a = _mm256_broadcast_ss(pa + k * MR + r);
      c0[r] = _mm256_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(a, b1, c1[r]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(c + r * ldc, c0[r]);
    _mm256_storeu_ps(c + r * ldc + 8, c1[r]);
  }
}

__attribute__((target("avx512f"))) void kernel_avx512(int64_t kc, const float* pa, const float* pb, float* c,
                                                     int64_t ldc, bool resume) {
  constexpr int MR = kAvx512.mr;
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    c0[r] = resume ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps();
    c1[r] = resume ? _mm512_loadu_ps(c + r * ldc + 16) : _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(pb + k * 32), b1 = _mm512_load_ps(pb + k * 32 + 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m512 a = _mm512_set1_ps(pa[k * MR + r]);
      c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    _mm512_storeu_ps(c + r * ldc, c0[r]);
    _mm512_storeu_ps(c + r * ldc + 16, c1[r]);
  }
}
#endif

Kernel kernel_for(Isa isa) {
#ifdef FSS_X86
  if (isa == Isa::Avx512) return kernel_avx512;
  if (isa == Isa::Avx2) return kernel_avx2;
#endif
  return kernel_scalar;
}

// Copies rows [0, rows) x columns [k0, k0+kc) of A (leading dimension lda)
// into MR-row micro-panels, k-major, zero-padding the last panel's rows.
void pack_a(const float* a, int64_t lda, int64_t rows, int64_t k0, int64_t kc, int mr, float* pa) {
  for (int64_t i0 = 0; i0 < rows; i0 += mr, pa += mr * kc) {
    const int64_t live = std::min<int64_t>(mr, rows - i0);
    for (int64_t r = 0; r < live; ++r) {
      const float* src = a + (i0 + r) * lda + k0;
      for (int64_t k = 0; k < kc; ++k) pa[k * mr + r] = src[k];
    }
    for (int64_t r = live; r < mr; ++r)
      for (int64_t k = 0; k < kc; ++k) pa[k * mr + r] = 0.0f;
  }
}

}  // namespace

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Auto:
    case Isa::Scalar: return true;
#ifdef FSS_X86
    case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512: return __builtin_cpu_supports("avx512f");
#endif
    default: return false;
  }
}

Isa resolve_isa(Isa isa) {
  if (isa == Isa::Auto) {
    for (Isa c : {Isa::Avx512, Isa::Avx2})
      if (isa_supported(c)) return c;
    return Isa::Scalar;
  }
  if (!isa_supported(isa))
    throw std::invalid_argument(std::string("the ") + isa_name(isa) + " kernel needs a CPU that has it; this one does not");
  return isa;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Auto: return "auto";
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "?";
}

Isa isa_from_name(const char* name) {
  for (Isa i : {Isa::Auto, Isa::Scalar, Isa::Avx2, Isa::Avx512})
    if (std::strcmp(name, isa_name(i)) == 0) return i;
  throw std::invalid_argument(std::string("unknown kernel '") + name + "' (use auto, scalar, avx2 or avx512)");
}

PackedMatrix::PackedMatrix(const float* b, int64_t k, int64_t n, Isa isa)
    : k_(k), n_(n), nr_(blocking(resolve_isa(isa)).nr), isa_(resolve_isa(isa)) {
  if (k <= 0 || n <= 0) throw std::invalid_argument("PackedMatrix: k and n must be positive");
  const int64_t panels = (n + nr_ - 1) / nr_;
  data_ = detail::aligned_floats(static_cast<size_t>(panels * k * nr_));
  for (int64_t p = 0; p < panels; ++p) {
    float* dst = data_.get() + p * k * nr_;
    const int64_t j0 = p * nr_, live = std::min(nr_, n - j0);
    for (int64_t kk = 0; kk < k; ++kk) {
      std::memcpy(dst + kk * nr_, b + kk * n + j0, static_cast<size_t>(live) * sizeof(float));
      std::fill(dst + kk * nr_ + live, dst + (kk + 1) * nr_, 0.0f);
    }
  }
}

float* GemmScratch::packed_a(size_t n) {
  if (n > size_) {
    buf_ = detail::aligned_floats(n);
    size_ = n;
  }
  return buf_.get();
}

void sgemm_fixed_order(int64_t m, const float* a, const PackedMatrix& b, float* c, GemmScratch& scratch) {
  const Blocking& blk = blocking(b.isa());
  const Kernel kernel = kernel_for(b.isa());
  const int64_t K = b.k(), N = b.n(), MR = blk.mr, NR = blk.nr;
  const int64_t panels = (N + NR - 1) / NR;
  float* pa = scratch.packed_a(static_cast<size_t>(((blk.mc + MR - 1) / MR) * MR * blk.kc));
  alignas(64) float edge[32 * 32];  // MR x NR tile for partial tiles (MR, NR <= 32)

  for (int64_t k0 = 0; k0 < K; k0 += blk.kc) {
    const int64_t kc = std::min(blk.kc, K - k0);
    const bool resume = k0 > 0;
    for (int64_t i0 = 0; i0 < m; i0 += blk.mc) {
      const int64_t mc = std::min(blk.mc, m - i0);
      pack_a(a + i0 * K, K, mc, k0, kc, blk.mr, pa);
      for (int64_t p = 0; p < panels; ++p) {
        const float* pb = b.panel(p) + k0 * NR;
        const int64_t j0 = p * NR, cols = std::min(NR, N - j0);
        for (int64_t r0 = 0; r0 < mc; r0 += MR) {
          const int64_t rows = std::min(MR, mc - r0);
          float* ct = c + (i0 + r0) * N + j0;
          const float* pat = pa + r0 * kc;
          if (rows == MR && cols == NR) {
            kernel(kc, pat, pb, ct, N, resume);
            continue;
          }
          // Partial tile: run the full tile in `edge`, copy the live part.
          if (resume)
            for (int64_t r = 0; r < rows; ++r) std::memcpy(edge + r * NR, ct + r * N, cols * sizeof(float));
          kernel(kc, pat, pb, edge, NR, resume);
          for (int64_t r = 0; r < rows; ++r) std::memcpy(ct + r * N, edge + r * NR, cols * sizeof(float));
        }
      }
    }
  }
}

}  // namespace fss
