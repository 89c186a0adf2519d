#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "flopscope_sampler/sampler.hpp"

namespace {

std::map<std::string, int64_t> as_map(int64_t d, int64_t w, int64_t n, int64_t b) {
  std::map<std::string, int64_t> m;
  for (auto& [k, v] : fss::sampler_flop_breakdown(d, w, n, b, flopscope::profile_by_name("primer"))) m[k] = v;
  return m;
}

TEST(Flops, ChunkRule) {
  EXPECT_EQ(fss::chunk_rows(1024), 1024);
  EXPECT_EQ(fss::chunk_rows(256), 4096);
  EXPECT_EQ(fss::chunk_rows(64), 16384);
  EXPECT_EQ(fss::chunk_rows(4096), 1024);
  EXPECT_EQ(fss::chunk_count(4097, 256), 2);
}

TEST(Flops, SmallCase) {
  // d=2, w=3, n=5 -> one chunk.
  auto m = as_map(2, 3, 5, 1);
  EXPECT_EQ(m["matmul"], 2 * 5 * 9);
  EXPECT_EQ(m["maximum"], 2 * 5 * 3);
  EXPECT_EQ(m["sum"], 3 * 5 * 3);
  EXPECT_EQ(m["add"], 3 * 1 * 3);
  EXPECT_EQ(m["multiply"], 5 * 3 + 3);
  EXPECT_EQ(m["divide"], 2 * 3 + 3);
  EXPECT_EQ(m["subtract"], 3);
  EXPECT_EQ(m["mean"], 3);
  auto m4 = as_map(2, 3, 5, 4);
  for (auto& [k, v] : m) EXPECT_EQ(m4[k], 4 * v) << k;
}

TEST(Flops, PhaseTwoScale) {
  auto m = as_map(16, 1024, 1000000000, 1);
  EXPECT_EQ(m["matmul"], int64_t{16} * 1000000000 * 1024 * 1024);
  EXPECT_THROW(fss::sampler_flop_breakdown(16, 1024, 1000000000, 1000, flopscope::profile_by_name("primer")), std::overflow_error);
  EXPECT_THROW(fss::sampler_flop_breakdown(0, 1024, 10, 1, flopscope::profile_by_name("primer")), std::invalid_argument);
}

}  // namespace
