#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "flopscope_sampler/rng.hpp"
#include "flopscope_sampler/sampler.hpp"

namespace {

// Known-answer vectors of Philox4x32-10 (Random123 kat_vectors).
TEST(Philox, KnownAnswers) {
  uint32_t out[4];
  const uint32_t zero[4] = {0, 0, 0, 0};
  fss::philox4x32_10(zero, 0, 0, out);
  EXPECT_EQ(out[0], 0x6627e8d5u);
  EXPECT_EQ(out[1], 0xe169c58du);
  EXPECT_EQ(out[2], 0xbc57ac4cu);
  EXPECT_EQ(out[3], 0x9b00dbd8u);
  const uint32_t ones[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
  fss::philox4x32_10(ones, 0xffffffffu, 0xffffffffu, out);
  EXPECT_EQ(out[0], 0x408f276du);
  EXPECT_EQ(out[1], 0x41c83b0eu);
  EXPECT_EQ(out[2], 0xa20bc7c6u);
  EXPECT_EQ(out[3], 0x6d5451fdu);
  const uint32_t pi[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
  fss::philox4x32_10(pi, 0xa4093822u, 0x299f31d0u, out);
  EXPECT_EQ(out[0], 0xd16cfe09u);
  EXPECT_EQ(out[1], 0x94fdccebu);
  EXPECT_EQ(out[2], 0x5001e420u);
  EXPECT_EQ(out[3], 0x24126ea1u);
}

TEST(Normal, LogAndSinCosAccuracy) {
  for (uint32_t i = 1; i <= (1u << 24); i += 997) {
    const float u = static_cast<float>(i) * 5.9604644775390625e-08f;
    EXPECT_NEAR(fss::log_unit(u), std::log(static_cast<double>(u)), 2e-6 * (1 + std::fabs(std::log((double)u))));
  }
  for (uint32_t i = 0; i < (1u << 24); i += 1009) {
    const float t = static_cast<float>(i) * 5.9604644775390625e-08f;
    float s, c;
    fss::sincos_turns(t, &s, &c);
    const double th = 2.0 * M_PI * static_cast<double>(t);
    EXPECT_NEAR(s, std::sin(th), 3e-7);
    EXPECT_NEAR(c, std::cos(th), 3e-7);
  }
}

TEST(Normal, BulkMatchesScalarAtAnyOffset) {
  const uint64_t seed = 0x123456789abcdefULL, stream = 7;
  std::vector<float> ref(1000);
  for (uint64_t b = 0; b < 250; ++b) fss::normal_block(seed, stream, b, &ref[4 * b]);
  for (int64_t start : {0, 1, 2, 3, 5, 63, 64, 65, 130}) {
    for (int64_t count : {1, 3, 4, 17, 64, 65, 200, 600}) {
      if (start + count > 1000) continue;
      std::vector<float> got(count);
      fss::fill_normals(seed, stream, start, count, got.data());
      for (int64_t i = 0; i < count; ++i) ASSERT_EQ(got[i], ref[start + i]) << start << " " << count << " " << i;
    }
  }
}

TEST(Normal, Moments) {
  const int64_t n = 1 << 21;
  std::vector<float> z(n);
  fss::fill_normals(42, 0, 0, n, z.data());
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0, below = 0;
  for (float v : z) {
    const double x = v;
    s1 += x;
    s2 += x * x;
    s3 += x * x * x;
    s4 += x * x * x * x;
    below += x < -1.0;
  }
  const double m = s1 / n;
  EXPECT_NEAR(m, 0.0, 5.0 / std::sqrt((double)n));
  EXPECT_NEAR(s2 / n, 1.0, 5.0 * std::sqrt(2.0 / n));
  EXPECT_NEAR(s3 / n, 0.0, 5.0 * std::sqrt(15.0 / n));
  EXPECT_NEAR(s4 / n, 3.0, 5.0 * std::sqrt(96.0 / n));
  EXPECT_NEAR(below / n, 0.15865525393145707, 5.0 * std::sqrt(0.1587 * 0.8413 / n));
}

TEST(Normal, StreamsAndSeedsDiffer) {
  std::vector<float> a(64), b(64), c(64);
  fss::fill_normals(1, 0, 0, 64, a.data());
  fss::fill_normals(1, 1, 0, 64, b.data());
  fss::fill_normals(2, 0, 0, 64, c.data());
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
