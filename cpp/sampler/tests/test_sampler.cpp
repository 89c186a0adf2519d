#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "flopscope_sampler/sampler.hpp"

namespace {

std::vector<float> he_weights(int64_t B, int64_t d, int64_t w, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> nd(0.0, std::sqrt(2.0 / w));
  std::vector<float> W(static_cast<size_t>(B * d * w * w));
  for (auto& v : W) v = static_cast<float>(nd(gen));
  return W;
}

fss::SampleResult run(const std::vector<float>& W, int64_t B, int64_t d, int64_t w, int64_t n,
                      const std::vector<uint64_t>& seeds, const std::vector<uint64_t>& streams, fss::CpuOptions o) {
  fss::SampleRequest r;
  r.weights = W.data();
  r.n_mlps = B;
  r.depth = d;
  r.width = w;
  r.n_samples = n;
  r.seeds = seeds.data();
  r.streams = streams.data();
  return fss::sample_cpu(r, o);
}

TEST(SamplerCpu, IdentityWeightsMatchTheory) {
  const int64_t w = 16, d = 3, n = 200000;
  std::vector<float> W(d * w * w, 0.0f);
  for (int64_t l = 0; l < d; ++l)
    for (int64_t j = 0; j < w; ++j) W[l * w * w + j * w + j] = 1.0f;
  auto res = run(W, 1, d, w, n, {5}, {0}, {});
  const double m = 1.0 / std::sqrt(2.0 * M_PI);
  const double var = 0.5 - m * m;
  for (float v : res.means) EXPECT_NEAR(v, m, 5.0 * std::sqrt(var / n));
  EXPECT_NEAR(res.final_variance[0], var, 0.01);
}

TEST(SamplerCpu, MatchesNaiveReferenceWithSameNormals) {
  const int64_t w = 12, d = 3, n = 2500;  // n spans several tiles
  auto W = he_weights(1, d, w, 3);
  std::vector<double> sums((d + 1) * w, 0.0);
  std::vector<float> x(w), y(w);
  for (int64_t r = 0; r < n; ++r) {
    fss::fill_normals(9, 4, r * w, w, x.data());
    for (int64_t l = 0; l < d; ++l) {
      for (int64_t j = 0; j < w; ++j) {
        float acc = 0;
        for (int64_t i = 0; i < w; ++i) acc += x[i] * W[l * w * w + i * w + j];
        y[j] = acc < 0 ? 0 : acc;
        sums[l * w + j] += y[j];
        if (l == d - 1) sums[d * w + j] += double(y[j]) * double(y[j]);
      }
      std::swap(x, y);
    }
  }
  std::vector<float> means(d * w);
  const double var = fss::finalize(sums.data(), d, w, n, means.data());
  auto res = run(W, 1, d, w, n, {9}, {4}, {2, 100, false});
  for (int64_t i = 0; i < d * w; ++i) EXPECT_NEAR(res.means[i], means[i], 1e-5);
  EXPECT_NEAR(res.final_variance[0], var, 1e-5);
}

TEST(SamplerCpu, BitIdenticalAcrossThreadsTilesAndBlasMode) {
  const int64_t w = 64, d = 4, n = 40000;  // 3 chunks of 16384 rows, short last one
  auto W = he_weights(2, d, w, 11);
  std::vector<uint64_t> seeds = {123, 123}, streams = {0, 1};
  auto a = run(W, 2, d, w, n, seeds, streams, {1, 0, false});
  for (fss::CpuOptions o : {fss::CpuOptions{2, 0, false}, fss::CpuOptions{3, 77, false},
                            fss::CpuOptions{2, 4096, true}, fss::CpuOptions{8, 1, false}}) {
    auto b = run(W, 2, d, w, n, seeds, streams, o);
    EXPECT_EQ(a.means, b.means);
    EXPECT_EQ(a.final_variance, b.final_variance);
  }
  // Batch == one MLP at a time.
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<float> Wb(W.begin() + b * d * w * w, W.begin() + (b + 1) * d * w * w);
    auto one = run(Wb, 1, d, w, n, {seeds[b]}, {streams[b]}, {2, 0, false});
    EXPECT_TRUE(std::equal(one.means.begin(), one.means.end(), a.means.begin() + b * d * w));
    EXPECT_EQ(one.final_variance[0], a.final_variance[b]);
  }
  EXPECT_NE(std::vector<float>(a.means.begin(), a.means.begin() + d * w),
            std::vector<float>(a.means.begin() + d * w, a.means.end()));
}

TEST(SamplerCpu, RejectsBadInput) {
  std::vector<float> W(4, 1.0f);
  std::vector<uint64_t> s = {0};
  EXPECT_THROW(run(W, 1, 1, 2, 0, s, s, {}), std::invalid_argument);
  EXPECT_THROW(run(W, 1, 0, 2, 10, s, s, {}), std::invalid_argument);
}

}  // namespace
