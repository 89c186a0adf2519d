// Reference values: closed forms and published tables (A&S 26.2 / 7.1), not
// this code's output.
#include <gtest/gtest.h>

#include <cmath>

#include "flopscope/special.hpp"

namespace S = flopscope::special;

TEST(Special, ErfcKnownValues) {
  EXPECT_DOUBLE_EQ(S::erfc(0.0), 1.0);
  EXPECT_NEAR(S::erfc(1.0), 0.15729920705028513, 1e-16);
  EXPECT_NEAR(S::erfc(-1.0), 1.8427007929497148, 1e-15);
  EXPECT_NEAR(S::erfc(5.0) / 1.5374597944280349e-12, 1.0, 1e-14);
  EXPECT_EQ(S::erfc(INFINITY), 0.0);
  EXPECT_TRUE(std::isnan(S::erfc(NAN)));
}

TEST(Special, NdtrAndNdtriInvertEachOther) {
  EXPECT_DOUBLE_EQ(S::ndtr(0.0), 0.5);
  EXPECT_NEAR(S::ndtr(1.959963984540054), 0.975, 1e-15);
  EXPECT_NEAR(S::ndtri(0.975), 1.959963984540054, 1e-14);
  EXPECT_NEAR(S::ndtri(0.025), -1.959963984540054, 1e-14);
  EXPECT_NEAR(S::ndtri(1e-300) / -37.0471, 1.0, 1e-5);
  for (double p : {1e-250, 1e-20, 1e-5, 0.01, 0.3, 0.7, 0.99, 1 - 1e-12}) {
    const double x = S::ndtri(p);
    const double back = p > 0.5 ? 1.0 - S::ndtr(-x) : S::ndtr(x);
    EXPECT_NEAR(back / p, 1.0, p > 0.5 ? 1e-12 : 1e-13) << p;
  }
  EXPECT_EQ(S::ndtri(0.0), -INFINITY);
  EXPECT_EQ(S::ndtri(1.0), INFINITY);
  EXPECT_TRUE(std::isnan(S::ndtri(-0.1)));
  EXPECT_TRUE(std::isnan(S::ndtri(1.5)));
  EXPECT_TRUE(std::isnan(S::ndtri(NAN)));
}
