// Vectorisable bulk generation of the normals defined in rng.hpp.
// Compiled with -ffp-contract=off: every float operation is one IEEE
// round-to-nearest operation, so SIMD lanes give the scalar bits exactly.
#include <algorithm>

#include "flopscope_sampler/rng.hpp"
#include "flopscope_sampler/sampler.hpp"

namespace fss {
namespace {

constexpr int kBatch = 16;  // Philox blocks per batch -> 64 normals

// Structure-of-arrays batch so that GCC/Clang vectorise every loop.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void normal_batch(uint32_t k0_in, uint32_t k1_in, uint64_t block0, uint32_t s_lo, uint32_t s_hi, float* out) {
  uint32_t c0[kBatch], c1[kBatch], c2[kBatch], c3[kBatch];
  for (int i = 0; i < kBatch; ++i) {
    const uint64_t b = block0 + static_cast<uint64_t>(i);
    c0[i] = static_cast<uint32_t>(b);
    c1[i] = static_cast<uint32_t>(b >> 32);
    c2[i] = s_lo;
    c3[i] = s_hi;
  }
  uint32_t k0 = k0_in, k1 = k1_in;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < kBatch; ++i) {
      const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0[i];
      const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2[i];
      const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[i] ^ k0;
      const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[i] ^ k1;
      c1[i] = static_cast<uint32_t>(p1);
      c3[i] = static_cast<uint32_t>(p0);
      c0[i] = n0;
      c2[i] = n2;
    }
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  // Pairs: (c0, c1) -> lanes 0,1 ; (c2, c3) -> lanes 2,3.
  float z[4][kBatch];
  for (int half = 0; half < 2; ++half) {
    const uint32_t* xa = half ? c2 : c0;
    const uint32_t* xb = half ? c3 : c1;
    for (int i = 0; i < kBatch; ++i) {
      const float u1 = uniform_open0(xa[i]);
      const float u2 = uniform_closed0(xb[i]);
      const float r = f_sqrt(f_add(f_mul(-2.0f, log_unit(u1)), 0.0f));
      float s, c;
      sincos_turns(u2, &s, &c);
      z[2 * half][i] = f_mul(r, c);
      z[2 * half + 1][i] = f_mul(r, s);
    }
  }
  for (int i = 0; i < kBatch; ++i) {
    out[4 * i + 0] = z[0][i];
    out[4 * i + 1] = z[1][i];
    out[4 * i + 2] = z[2][i];
    out[4 * i + 3] = z[3][i];
  }
}

}  // namespace

void fill_normals(uint64_t seed, uint64_t stream, uint64_t e0, int64_t count, float* out) {
  if (count <= 0) return;
  const uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  const uint32_t s_lo = static_cast<uint32_t>(stream), s_hi = static_cast<uint32_t>(stream >> 32);
  uint64_t e = e0;
  const uint64_t end = e0 + static_cast<uint64_t>(count);
  float tmp[4 * kBatch];
  // Head: up to the next block boundary.
  if (e % 4 != 0) {
    normal_block(seed, stream, e / 4, tmp);
    const uint64_t stop = std::min<uint64_t>(end, (e / 4 + 1) * 4);
    for (; e < stop; ++e) *out++ = tmp[e % 4];
  }
  // Body: whole batches written straight to the output.
  while (end - e >= 4 * static_cast<uint64_t>(kBatch)) {
    normal_batch(k0, k1, e / 4, s_lo, s_hi, out);
    out += 4 * kBatch;
    e += 4 * kBatch;
  }
  // Tail.
  if (e < end) {
    normal_batch(k0, k1, e / 4, s_lo, s_hi, tmp);
    const uint64_t n = end - e;
    for (uint64_t i = 0; i < n; ++i) out[i] = tmp[i];
  }
}

}  // namespace fss
