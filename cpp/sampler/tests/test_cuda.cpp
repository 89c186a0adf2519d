#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "flopscope_sampler/cuda.hpp"
#include "flopscope_sampler/sampler.hpp"

namespace {

#define REQUIRE_GPU()                                                              \
  do {                                                                             \
    auto st_ = fss::cuda::status();                                                \
    if (!st_.available) GTEST_SKIP() << "CUDA backend built but " << st_.reason;   \
  } while (0)

TEST(SamplerCuda, NormalsBitIdenticalToCpu) {
  REQUIRE_GPU();
  for (uint64_t e0 : {0ull, 3ull, 1000001ull}) {
    const int64_t n = 100003;
    auto dev = fss::cuda::device_normals(77, 5, e0, n);
    std::vector<float> host(n);
    fss::fill_normals(77, 5, e0, n, host.data());
    EXPECT_EQ(dev, host);
  }
}

TEST(SamplerCuda, AgreesWithCpuAndIsDeterministic) {
  REQUIRE_GPU();
  const int64_t B = 2, d = 4, w = 64, n = 200000;
  std::mt19937 gen(1);
  std::normal_distribution<double> nd(0.0, std::sqrt(2.0 / w));
  std::vector<float> W(B * d * w * w);
  for (auto& v : W) v = static_cast<float>(nd(gen));
  std::vector<uint64_t> seeds = {9, 9}, streams = {0, 1};
  fss::SampleRequest r{W.data(), B, d, w, n, seeds.data(), streams.data()};
  auto g1 = fss::cuda::sample(r);
  auto g2 = fss::cuda::sample(r);
  EXPECT_EQ(g1.means, g2.means);
  EXPECT_EQ(g1.final_variance, g2.final_variance);
  auto c = fss::sample_cpu(r);
  // Same inputs, only GEMM rounding differs.
  for (size_t i = 0; i < c.means.size(); ++i) EXPECT_NEAR(g1.means[i], c.means[i], 1e-4);
  for (int64_t b = 0; b < B; ++b) EXPECT_NEAR(g1.final_variance[b], c.final_variance[b], 1e-4);
}

}  // namespace
