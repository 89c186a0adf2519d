#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
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

// Every kernel this CPU can run (scalar always).
std::vector<fss::Isa> kernels() {
  std::vector<fss::Isa> out;
  for (fss::Isa i : {fss::Isa::Scalar, fss::Isa::Avx2, fss::Isa::Avx512})
    if (fss::isa_supported(i)) out.push_back(i);
  return out;
}

// The product's contract, written out: C[i][j] is one fma chain in k order from 0.0f.
std::vector<float> fma_chain_product(const std::vector<float>& A, const std::vector<float>& B, int64_t m, int64_t k,
                                     int64_t n) {
  std::vector<float> C(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t t = 0; t < k; ++t) acc = std::fmaf(A[i * k + t], B[t * n + j], acc);
      C[i * n + j] = acc;
    }
  return C;
}

TEST(FixedOrderSgemm, EveryKernelEqualsTheFmaChainBitForBit) {
  // Shapes around every block edge: k across the k-blocks (256 for AVX-512,
  // 1024 for AVX2) and the 8-wide steps of the AVX2 packing, m across the
  // register tiles and the row blocks, n across the 16- and 32-wide panels.
  std::mt19937 gen(5);
  std::normal_distribution<float> nd;
  const int64_t shapes[][3] = {{1, 1, 1},      {13, 7, 31},   {15, 64, 33},  {29, 100, 100}, {337, 513, 17},
                               {6, 1030, 48},  {14, 512, 32}, {50, 300, 65}, {50, 2100, 40}, {25, 1024, 16}};
  for (auto [m, k, n] : shapes) {
    std::vector<float> A(static_cast<size_t>(m * k)), B(static_cast<size_t>(k * n));
    for (auto& v : A) v = nd(gen);
    for (auto& v : B) v = nd(gen);
    const auto want = fma_chain_product(A, B, m, k, n);
    for (fss::Isa isa : kernels()) {
      fss::PackedMatrix P(B.data(), k, n, isa);
      fss::GemmScratch scratch;
      std::vector<float> C(static_cast<size_t>(m * n), -1.0f);
      fss::sgemm_fixed_order(m, A.data(), P, C.data(), scratch);
      EXPECT_EQ(0, std::memcmp(C.data(), want.data(), C.size() * sizeof(float)))
          << fss::isa_name(isa) << " m=" << m << " k=" << k << " n=" << n;
      // Rows multiplied in pieces give the same rows.
      std::vector<float> C2(C.size());
      for (int64_t r0 = 0; r0 < m; r0 += 5)
        fss::sgemm_fixed_order(std::min<int64_t>(5, m - r0), A.data() + r0 * k, P, C2.data() + r0 * n, scratch);
      EXPECT_EQ(C, C2) << fss::isa_name(isa);
    }
  }
}

// Bit for bit, except that any NaN equals any NaN: IEEE leaves the sign and
// payload of a NaN made from two NaNs to the operand order, which compilers
// may swap (x + y == y + x), and NumPy makes no promise about them either.
template <class T>
bool same_bits_or_both_nan(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::isnan(a[i]) && std::isnan(b[i])) && std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return false;
  return true;
}

TEST(FixedOrderSgemm, FusedReluAndColumnSumsEqualTheNaiveOnes) {
  // NaN, infinities and signed zeros in the inputs: ReLU is x < 0 ? 0 : x, the
  // sums add rows in order, the squares are rounded before the add.
  std::mt19937 gen(8);
  std::normal_distribution<float> nd;
  const int64_t shapes[][3] = {{1, 3, 5}, {29, 40, 100}, {15, 600, 33}, {200, 64, 64}};
  for (auto [m, k, n] : shapes) {
    std::vector<float> A(static_cast<size_t>(m * k)), B(static_cast<size_t>(k * n));
    for (auto& v : A) v = nd(gen);
    for (auto& v : B) v = nd(gen);
    A[0] = std::nanf("");
    A[A.size() / 2] = INFINITY;
    B[B.size() - 1] = -INFINITY;
    B[1 % B.size()] = -0.0f;
    auto want = fma_chain_product(A, B, m, k, n);
    std::vector<double> want_sum(static_cast<size_t>(n), 0.5), want_sq(static_cast<size_t>(n), 0.25);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        float& v = want[i * n + j];
        v = v < 0.0f ? 0.0f : v;
        want_sum[j] += double(v);
        want_sq[j] += double(v) * double(v);
      }
    for (fss::Isa isa : kernels()) {
      fss::PackedMatrix P(B.data(), k, n, isa);
      fss::GemmScratch scratch;
      std::vector<float> C(static_cast<size_t>(m * n));
      std::vector<double> sum(static_cast<size_t>(n), 0.5), sq(static_cast<size_t>(n), 0.25);
      const fss::ReluColumnSums epi{sum.data(), sq.data()};
      fss::sgemm_fixed_order(m, A.data(), P, C.data(), scratch, &epi);
      EXPECT_TRUE(same_bits_or_both_nan(C, want)) << fss::isa_name(isa);
      EXPECT_TRUE(same_bits_or_both_nan(sum, want_sum)) << fss::isa_name(isa);
      EXPECT_TRUE(same_bits_or_both_nan(sq, want_sq)) << fss::isa_name(isa);
    }
  }
}

TEST(FixedOrderSgemm, KernelNames) {
  EXPECT_EQ(fss::isa_from_name("avx512"), fss::Isa::Avx512);
  EXPECT_EQ(fss::resolve_isa(fss::Isa::Scalar), fss::Isa::Scalar);
  EXPECT_NE(fss::resolve_isa(fss::Isa::Auto), fss::Isa::Auto);
  EXPECT_THROW(fss::isa_from_name("sse9"), std::invalid_argument);
  for (fss::Isa i : {fss::Isa::Avx2, fss::Isa::Avx512})
    if (!fss::isa_supported(i)) EXPECT_THROW(fss::resolve_isa(i), std::invalid_argument);
}

TEST(SamplerCpu, EqualsNaiveReferenceBitForBit) {
  // The sampler's contract written out naively: the same normals, fma-chain
  // products, ReLU, float64 row-order sums per chunk, chunks added in order.
  const int64_t w = 12, d = 3, n = fss::chunk_rows(12) + 500;  // two chunks, short last one
  auto W = he_weights(1, d, w, 3);
  const int64_t chunk = fss::chunk_rows(w);
  std::vector<double> sums((d + 1) * w, 0.0), part((d + 1) * w);
  std::vector<float> x(w), y(w);
  for (int64_t c0 = 0; c0 < n; c0 += chunk) {
    std::fill(part.begin(), part.end(), 0.0);
    for (int64_t r = c0; r < std::min(n, c0 + chunk); ++r) {
      fss::fill_normals(9, 4, r * w, w, x.data());
      for (int64_t l = 0; l < d; ++l) {
        for (int64_t j = 0; j < w; ++j) {
          float acc = 0.0f;
          for (int64_t i = 0; i < w; ++i) acc = std::fmaf(x[i], W[l * w * w + i * w + j], acc);
          y[j] = acc < 0 ? 0 : acc;
          part[l * w + j] += y[j];
          if (l == d - 1) part[d * w + j] += double(y[j]) * double(y[j]);
        }
        std::swap(x, y);
      }
    }
    for (size_t i = 0; i < sums.size(); ++i) sums[i] += part[i];
  }
  std::vector<float> means(d * w);
  const double var = fss::finalize(sums.data(), d, w, n, means.data());
  for (fss::Isa isa : kernels()) {
    auto res = run(W, 1, d, w, n, {9}, {4}, {2, 100, isa});
    EXPECT_EQ(res.means, means) << fss::isa_name(isa);
    EXPECT_EQ(res.final_variance[0], var) << fss::isa_name(isa);
  }
}

TEST(SamplerCpu, BitIdenticalAcrossThreadsTilesAndKernels) {
  // 3 chunks of 16384 rows, short last one; width 40 leaves partial column panels.
  const int64_t w = 40, d = 3, n = 40000;
  auto W = he_weights(2, d, w, 11);
  std::vector<uint64_t> seeds = {123, 123}, streams = {0, 1};
  auto a = run(W, 2, d, w, n, seeds, streams, {1, 0, fss::Isa::Auto});
  std::vector<fss::CpuOptions> opts = {{2, 0}, {3, 77}, {2, 4096}, {8, 1}};
  for (fss::Isa isa : kernels()) opts.push_back({2, 333, isa});
  for (const fss::CpuOptions& o : opts) {
    auto b = run(W, 2, d, w, n, seeds, streams, o);
    EXPECT_EQ(a.means, b.means) << o.threads << " threads, tile " << o.tile_rows << ", " << fss::isa_name(o.isa);
    EXPECT_EQ(a.final_variance, b.final_variance);
  }
  // Batch == one MLP at a time.
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<float> Wb(W.begin() + b * d * w * w, W.begin() + (b + 1) * d * w * w);
    auto one = run(Wb, 1, d, w, n, {seeds[b]}, {streams[b]}, {2, 0});
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
