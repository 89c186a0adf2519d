// Counter-based random numbers shared by the CPU and CUDA sampler backends.
//
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11) followed by a Box-Muller transform written with our own float32
// logarithm and sine/cosine polynomials. Every floating-point step is a single
// IEEE-754 operation (+, -, *, /, sqrt) with round-to-nearest and no
// contraction into FMA, so the normals are bit-identical on every CPU (scalar
// or vectorised) and on CUDA devices (which use the explicit __f*_rn
// intrinsics below).
//
// Stream layout: for MLP stream s and seed k, the float32 normal number e
// (e = sample_row * width + column) is lane e % 4 of Philox block e / 4 with
//   counter = (lo32(e/4), hi32(e/4), lo32(s), hi32(s)),  key = (lo32(k), hi32(k)).
// Hence the numbers do not depend on chunking, tiling, thread count or on how
// MLPs are batched.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define FSS_HD __host__ __device__ __forceinline__
#else
#define FSS_HD inline
#endif

namespace fss {

inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
inline constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
inline constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;

// One Philox4x32 bijection with 10 rounds. c and out may alias.
FSS_HD void philox4x32_10(const uint32_t c_in[4], uint32_t k0, uint32_t k1, uint32_t out[4]) {
  uint32_t c0 = c_in[0], c1 = c_in[1], c2 = c_in[2], c3 = c_in[3];
#if defined(__CUDACC__)
#pragma unroll
#endif
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// Correctly rounded float32 primitives without contraction.
#if defined(__CUDA_ARCH__)
FSS_HD float f_add(float a, float b) { return __fadd_rn(a, b); }
FSS_HD float f_sub(float a, float b) { return __fsub_rn(a, b); }
FSS_HD float f_mul(float a, float b) { return __fmul_rn(a, b); }
FSS_HD float f_div(float a, float b) { return __fdiv_rn(a, b); }
FSS_HD float f_sqrt(float a) { return __fsqrt_rn(a); }
FSS_HD uint32_t f_bits(float a) { return __float_as_uint(a); }
FSS_HD float f_from_bits(uint32_t b) { return __uint_as_float(b); }
#else
// The translation units using these are compiled with -ffp-contract=off.
FSS_HD float f_add(float a, float b) { return a + b; }
FSS_HD float f_sub(float a, float b) { return a - b; }
FSS_HD float f_mul(float a, float b) { return a * b; }
FSS_HD float f_div(float a, float b) { return a / b; }
FSS_HD float f_sqrt(float a) { return __builtin_sqrtf(a); }
FSS_HD uint32_t f_bits(float a) {
  uint32_t b;
  std::memcpy(&b, &a, 4);
  return b;
}
FSS_HD float f_from_bits(uint32_t b) {
  float a;
  std::memcpy(&a, &b, 4);
  return a;
}
#endif

// 24-bit uniforms. u_open0 in (0, 1], u_closed0 in [0, 1). Both exact.
FSS_HD float uniform_open0(uint32_t x) {
  return f_mul(static_cast<float>((x >> 8) + 1u), 5.9604644775390625e-08f);  // 2^-24
}
FSS_HD float uniform_closed0(uint32_t x) {
  return f_mul(static_cast<float>(x >> 8), 5.9604644775390625e-08f);
}

// Natural log of u in (0, 1] (u >= 2^-24, no subnormals, no zero).
FSS_HD float log_unit(float u) {
  const uint32_t b = f_bits(u);
  int e = static_cast<int>(b >> 23) - 127;
  uint32_t mb = (b & 0x007FFFFFu) | 0x3F800000u;  // mantissa in [1, 2)
  const int big = mb > 0x3FB504F3u ? 1 : 0;       // m > sqrt(2)
  mb -= static_cast<uint32_t>(big) << 23;           // m / 2 (exact)
  e += big;
  const float m = f_from_bits(mb);                  // in [sqrt(1/2), sqrt(2)]
  const float s = f_div(f_sub(m, 1.0f), f_add(m, 1.0f));  // |s| <= 0.1716
  const float s2 = f_mul(s, s);
  float p = 0.111111111f;                           // 1/9
  p = f_add(f_mul(p, s2), 0.142857143f);            // 1/7
  p = f_add(f_mul(p, s2), 0.2f);                    // 1/5
  p = f_add(f_mul(p, s2), 0.333333333f);            // 1/3
  p = f_add(f_mul(p, s2), 1.0f);
  const float log_m = f_mul(f_add(s, s), p);        // 2 atanh(s)
  const float ef = static_cast<float>(e);
  // ln 2 split so that ef * hi is exact for |e| <= 24.
  return f_add(f_mul(ef, 0.693145751953125f), f_add(f_mul(ef, 1.42860682030941723212e-06f), log_m));
}

// sin and cos of 2*pi*t for t in [0, 1), t a multiple of 2^-24.
FSS_HD void sincos_turns(float t, float* s_out, float* c_out) {
  const float v = f_mul(t, 4.0f);                   // exact, in [0, 4)
  const int q = static_cast<int>(f_add(v, 0.5f));   // nearest quadrant (exact sum)
  const float f = f_sub(v, static_cast<float>(q));  // exact, in [-0.5, 0.5]
  const float a = f_mul(f, 1.57079632679489661923f);  // [-pi/4, pi/4]
  const float a2 = f_mul(a, a);
  float ps = -2.50521083854417187751e-08f;          // -1/11!
  ps = f_add(f_mul(ps, a2), 2.75573192239858906526e-06f);
  ps = f_add(f_mul(ps, a2), -1.98412698412698412698e-04f);
  ps = f_add(f_mul(ps, a2), 8.33333333333333333333e-03f);
  ps = f_add(f_mul(ps, a2), -1.66666666666666666667e-01f);
  const float sa = f_add(a, f_mul(f_mul(a, a2), ps));
  float pc = 2.08767569878680989792e-09f;           // 1/12!
  pc = f_add(f_mul(pc, a2), -2.75573192239858906526e-07f);
  pc = f_add(f_mul(pc, a2), 2.48015873015873015873e-05f);
  pc = f_add(f_mul(pc, a2), -1.38888888888888888889e-03f);
  pc = f_add(f_mul(pc, a2), 4.16666666666666666667e-02f);
  pc = f_add(f_mul(pc, a2), -0.5f);
  const float ca = f_add(1.0f, f_mul(a2, pc));
  const int qm = q & 3;
  // theta = q*pi/2 + a
  const float c = qm == 0 ? ca : (qm == 1 ? -sa : (qm == 2 ? -ca : sa));
  const float s = qm == 0 ? sa : (qm == 1 ? ca : (qm == 2 ? -sa : -ca));
  *s_out = s;
  *c_out = c;
}

// Box-Muller: two uint32 words -> two standard normals.
FSS_HD void box_muller(uint32_t x0, uint32_t x1, float* z0, float* z1) {
  const float u1 = uniform_open0(x0);
  const float u2 = uniform_closed0(x1);
  const float r = f_sqrt(f_add(f_mul(-2.0f, log_unit(u1)), 0.0f));
  float s, c;
  sincos_turns(u2, &s, &c);
  *z0 = f_mul(r, c);
  *z1 = f_mul(r, s);
}

// The four normals of Philox block `block` of stream (seed, stream).
FSS_HD void normal_block(uint64_t seed, uint64_t stream, uint64_t block, float out[4]) {
  const uint32_t ctr[4] = {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                           static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)};
  uint32_t r[4];
  philox4x32_10(ctr, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), r);
  box_muller(r[0], r[1], &out[0], &out[1]);
  box_muller(r[2], r[3], &out[2], &out[3]);
}

}  // namespace fss
