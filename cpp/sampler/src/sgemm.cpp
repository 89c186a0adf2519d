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
// GCC 12's AVX-512 intrinsic headers start some results from an "undefined"
// vector and then warn about it under -Wextra; nothing here reads one.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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

// AVX-512: a k block of 1024 covers the sampler's widths up to 1024 in one
// pass, so no chain waits for a partial stored in C (see AVX2 below); the
// packed block of A (mc x kc = 168 x 1024, 672 KiB) and one panel of B
// (kc x NR, 128 KiB) stay in a 1 MiB L2. On a 2-core Zen 4, two threads, the
// sampler's 1024 x 16 rose from 0.83-0.88 of OpenBLAS's SGEMM (kc 256, the
// BLIS-like blocking measured on a Xeon) to 0.95-0.98; 256 x 8 stayed at
// 0.87-0.92.
constexpr Blocking kAvx512{14, 32, 1024, 14 * 12};
// AVX2: each fma chain must start from the partial stored in C (BLIS adds C
// after the k loop instead, and so can hide its load), so every k block after
// the first waits for its C tile to come back from L3 or memory. A k block of
// 1024 covers the sampler's widths up to 1024 in one pass (C is only written);
// B's panel (64 KiB) and A's 24 rows stream from L2. On a 2-core Zen 3, two
// threads, 1024 x 1024 x 1024: 0.92 of OpenBLAS against 0.74 with BLIS's
// 256/144 blocking.
constexpr Blocking kAvx2{6, 16, 1024, 6 * 4};
constexpr Blocking kScalar{4, 16, 256, 4 * 32};

const Blocking& blocking(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return kAvx512;
    case Isa::Avx2: return kAvx2;
    default: return kScalar;
  }
}

// What a micro-kernel does after the last k block, when asked: ReLU on the
// tile (x < 0 -> 0; NaN and -0.0 pass, as numpy.maximum(x, 0)) and the float64
// column sums of its first `rows` rows (and sums of squares, d*d rounded then
// added), rows in order. sum/sumsq point at the tile's first column.
struct TileEpilogue {
  double* sum;
  double* sumsq;  // may be null
  int64_t rows;
};

// Micro-kernels. pa: an MR x kc micro-panel of A, k-major (pa[k*MR + r]);
// pb: kc rows of one NR-wide panel of B (pb[k*NR + j]); c: the MR x NR tile of
// C (leading dimension ldc). resume=false starts every chain at 0.0f,
// resume=true continues the chains stored in c. ep: null, or the epilogue.
using Kernel = void (*)(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, bool resume,
                        const TileEpilogue* ep);

void kernel_scalar(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, bool resume,
                   const TileEpilogue* ep) {
  constexpr int MR = kScalar.mr, NR = kScalar.nr;
  float acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) acc[r][j] = resume ? c[r * ldc + j] : 0.0f;
  for (int64_t k = 0; k < kc; ++k)
    for (int r = 0; r < MR; ++r) {
      const float a = pa[k * MR + r];
      for (int j = 0; j < NR; ++j) acc[r][j] = std::fmaf(a, pb[k * NR + j], acc[r][j]);
    }
  if (ep)
    for (int64_t r = 0; r < ep->rows; ++r)
      for (int j = 0; j < NR; ++j) {
        const float v = acc[r][j] < 0.0f ? 0.0f : acc[r][j];
        acc[r][j] = v;
        const double d = v;
        ep->sum[j] += d;
        if (ep->sumsq) ep->sumsq[j] += d * d;
      }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) c[r * ldc + j] = acc[r][j];
}

#ifdef FSS_X86
__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* pa, const float* pb, float* c,
                                                     int64_t ldc, bool resume, const TileEpilogue* ep) {
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
  if (ep) {
    // max(0, x) returns x when x is NaN (MAXPS returns its second operand).
    const __m256 zero = _mm256_setzero_ps();
    __m256d s[4], q[4];
    for (int i = 0; i < 4; ++i) {
      s[i] = _mm256_loadu_pd(ep->sum + 4 * i);
      q[i] = ep->sumsq ? _mm256_loadu_pd(ep->sumsq + 4 * i) : _mm256_setzero_pd();
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      if (r >= ep->rows) break;
      c0[r] = _mm256_max_ps(zero, c0[r]);
      c1[r] = _mm256_max_ps(zero, c1[r]);
      const __m256d d[4] = {_mm256_cvtps_pd(_mm256_castps256_ps128(c0[r])),
                            _mm256_cvtps_pd(_mm256_extractf128_ps(c0[r], 1)),
                            _mm256_cvtps_pd(_mm256_castps256_ps128(c1[r])),
                            _mm256_cvtps_pd(_mm256_extractf128_ps(c1[r], 1))};
      for (int i = 0; i < 4; ++i) {
        s[i] = _mm256_add_pd(s[i], d[i]);
        q[i] = _mm256_add_pd(q[i], _mm256_mul_pd(d[i], d[i]));
      }
    }
    for (int i = 0; i < 4; ++i) {
      _mm256_storeu_pd(ep->sum + 4 * i, s[i]);
      if (ep->sumsq) _mm256_storeu_pd(ep->sumsq + 4 * i, q[i]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(c + r * ldc, c0[r]);
    _mm256_storeu_ps(c + r * ldc + 8, c1[r]);
  }
}

__attribute__((target("avx512f"))) void kernel_avx512(int64_t kc, const float* pa, const float* pb, float* c,
                                                     int64_t ldc, bool resume, const TileEpilogue* ep) {
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
  if (ep) {
    const __m512 zero = _mm512_setzero_ps();  // max(0, x) keeps NaN x, as above
    __m512d s[4], q[4];
    for (int i = 0; i < 4; ++i) {
      s[i] = _mm512_loadu_pd(ep->sum + 8 * i);
      q[i] = ep->sumsq ? _mm512_loadu_pd(ep->sumsq + 8 * i) : _mm512_setzero_pd();
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      if (r >= ep->rows) break;
      c0[r] = _mm512_max_ps(zero, c0[r]);
      c1[r] = _mm512_max_ps(zero, c1[r]);
      const __m512d d[4] = {
          _mm512_cvtps_pd(_mm512_castps512_ps256(c0[r])),
          _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(c0[r]), 1))),
          _mm512_cvtps_pd(_mm512_castps512_ps256(c1[r])),
          _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(c1[r]), 1)))};
      for (int i = 0; i < 4; ++i) {
        s[i] = _mm512_add_pd(s[i], d[i]);
        q[i] = _mm512_add_pd(q[i], _mm512_mul_pd(d[i], d[i]));
      }
    }
    for (int i = 0; i < 4; ++i) {
      _mm512_storeu_pd(ep->sum + 8 * i, s[i]);
      if (ep->sumsq) _mm512_storeu_pd(ep->sumsq + 8 * i, q[i]);
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

#ifdef FSS_X86
// pack_a for the AVX2 kernel (MR = 6), 8 values of k at a time: the 6 rows
// (and 2 zero rows) are transposed in registers, and each k's 6 floats are
// written by an 8-float store whose last 2 floats the next store overwrites
// (the scratch buffer has room for the last one's). A copy: no effect on bits.
__attribute__((target("avx2"))) void pack_a_mr6(const float* a, int64_t lda, int64_t rows, int64_t k0,
                                                int64_t kc, float* pa) {
  constexpr int MR = 6;
  for (int64_t i0 = 0; i0 < rows; i0 += MR, pa += MR * kc) {
    if (rows - i0 < MR) {
      pack_a(a + i0 * lda, lda, rows - i0, k0, kc, MR, pa);
      continue;
    }
    const float* src = a + i0 * lda + k0;
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) {
      const __m256 z = _mm256_setzero_ps();
      __m256 r[MR];
      for (int i = 0; i < MR; ++i) r[i] = _mm256_loadu_ps(src + i * lda + k);
      const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
      const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
      const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
      // u[j]: k = j and j + 4 in the two 128-bit halves; rows 0-3 in u[0..3], rows 4-5 (and 0, 0) in u[4..7].
      const __m256 u[8] = {_mm256_shuffle_ps(t0, t2, 0x44), _mm256_shuffle_ps(t0, t2, 0xEE),
                           _mm256_shuffle_ps(t1, t3, 0x44), _mm256_shuffle_ps(t1, t3, 0xEE),
                           _mm256_shuffle_ps(t4, z, 0x44),  _mm256_shuffle_ps(t4, z, 0xEE),
                           _mm256_shuffle_ps(t5, z, 0x44),  _mm256_shuffle_ps(t5, z, 0xEE)};
      float* d = pa + k * MR;
      for (int j = 0; j < 4; ++j) _mm256_storeu_ps(d + j * MR, _mm256_permute2f128_ps(u[j], u[j + 4], 0x20));
      for (int j = 0; j < 4; ++j) _mm256_storeu_ps(d + (j + 4) * MR, _mm256_permute2f128_ps(u[j], u[j + 4], 0x31));
    }
    for (; k < kc; ++k)
      for (int i = 0; i < MR; ++i) pa[k * MR + i] = src[i * lda + k];
  }
}
#endif

// Packs rows [0, rows) x columns [k0, k0+kc) of A for the kernel of `isa`.
void pack_a_for(Isa isa, const float* a, int64_t lda, int64_t rows, int64_t k0, int64_t kc, int mr, float* pa) {
#ifdef FSS_X86
  if (isa == Isa::Avx2) return pack_a_mr6(a, lda, rows, k0, kc, pa);
#endif
  pack_a(a, lda, rows, k0, kc, mr, pa);
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

void sgemm_fixed_order(int64_t m, const float* a, const PackedMatrix& b, float* c, GemmScratch& scratch,
                       const ReluColumnSums* relu) {
  const Blocking& blk = blocking(b.isa());
  const Kernel kernel = kernel_for(b.isa());
  const int64_t K = b.k(), N = b.n(), MR = blk.mr, NR = blk.nr;
  const int64_t panels = (N + NR - 1) / NR;
  // + 8: room for the overlapping stores of pack_a_mr6.
  float* pa = scratch.packed_a(static_cast<size_t>(((blk.mc + MR - 1) / MR) * MR * blk.kc + 8));
  alignas(64) float edge[32 * 32];  // MR x NR tile for partial tiles (MR, NR <= 32)
  double edge_sum[32], edge_sumsq[32];

  for (int64_t k0 = 0; k0 < K; k0 += blk.kc) {
    const int64_t kc = std::min(blk.kc, K - k0);
    const bool resume = k0 > 0, last = k0 + kc >= K;
    for (int64_t i0 = 0; i0 < m; i0 += blk.mc) {
      const int64_t mc = std::min(blk.mc, m - i0);
      pack_a_for(b.isa(), a + i0 * K, K, mc, k0, kc, blk.mr, pa);
      for (int64_t p = 0; p < panels; ++p) {
        const float* pb = b.panel(p) + k0 * NR;
        const int64_t j0 = p * NR, cols = std::min(NR, N - j0);
        // Row tiles in increasing order: the column sums see rows in order.
        for (int64_t r0 = 0; r0 < mc; r0 += MR) {
          const int64_t rows = std::min(MR, mc - r0);
          float* ct = c + (i0 + r0) * N + j0;
          const float* pat = pa + r0 * kc;
          TileEpilogue ep{nullptr, nullptr, rows};
          if (relu && last) ep = {relu->sum + j0, relu->sumsq ? relu->sumsq + j0 : nullptr, rows};
          if (resume) {
            // The next tile's chains resume from C too: start fetching it now.
            const bool same_panel = r0 + MR < mc;
            const float* next = same_panel ? ct + MR * N : (p + 1 < panels ? c + i0 * N + j0 + NR : nullptr);
            const int64_t next_rows = std::min(MR, same_panel ? mc - r0 - MR : mc);
            for (int64_t r = 0; next && r < next_rows; ++r) __builtin_prefetch(next + r * N, 0, 3);
          }
          if (rows == MR && cols == NR) {
            kernel(kc, pat, pb, ct, N, resume, ep.sum ? &ep : nullptr);
            continue;
          }
          // Partial tile: run the full tile in `edge` (and the sums in
          // edge_sum*), copy the live part back.
          if (resume)
            for (int64_t r = 0; r < rows; ++r) std::memcpy(edge + r * NR, ct + r * N, cols * sizeof(float));
          if (ep.sum) {
            std::fill(edge_sum, edge_sum + NR, 0.0);
            std::fill(edge_sumsq, edge_sumsq + NR, 0.0);
            std::copy(ep.sum, ep.sum + cols, edge_sum);
            if (ep.sumsq) std::copy(ep.sumsq, ep.sumsq + cols, edge_sumsq);
            TileEpilogue local{edge_sum, ep.sumsq ? edge_sumsq : nullptr, rows};
            kernel(kc, pat, pb, edge, NR, resume, &local);
            std::copy(edge_sum, edge_sum + cols, ep.sum);
            if (ep.sumsq) std::copy(edge_sumsq, edge_sumsq + cols, ep.sumsq);
          } else {
            kernel(kc, pat, pb, edge, NR, resume, nullptr);
          }
          for (int64_t r = 0; r < rows; ++r) std::memcpy(ct + r * N, edge + r * NR, cols * sizeof(float));
        }
      }
    }
  }
}

}  // namespace fss
