// Expected values written from the textbook counts in formulas/polynomial.hpp.
#include <gtest/gtest.h>

#include "flopscope/formulas/polynomial.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace P = flopscope::formulas::polynomial;

TEST(PolynomialFormulas, Arithmetic) {
  SigBuilder v; v.array({4}).array({3, 7});
  EXPECT_EQ(P::polyval(v.sig()), 3 * 21);
  SigBuilder ab; ab.array({4}).array({2});
  EXPECT_EQ(P::polyadd(ab.sig()), 4);
  EXPECT_EQ(P::polymul(ab.sig()), 8);
  EXPECT_EQ(P::polydiv(ab.sig()), 3 * 3);
  SigBuilder d; d.array({4}).integer(2);  // 3 + 2
  EXPECT_EQ(P::polyder(d.sig()), 5);
  SigBuilder d9; d9.array({4}).integer(9);  // t = 3: 3 + 2 + 1
  EXPECT_EQ(P::polyder(d9.sig()), 6);
  SigBuilder i; i.array({4}).integer(2);  // 4 + 5
  EXPECT_EQ(P::polyint(i.sig()), 9);
  SigBuilder m2; m2.array({2, 2}).array({2});
  EXPECT_THROW(P::polyval(m2.sig()), SignatureError);
}

TEST(PolynomialFormulas, RootsFitVanderWindows) {
  SigBuilder r; r.array({4});
  EXPECT_EQ(P::roots(r.sig()), 270);
  SigBuilder z; z.array({3});
  EXPECT_EQ(P::poly(z.sig()), 6);
  SigBuilder zm; zm.array({3, 3});
  EXPECT_EQ(P::poly(zm.sig()), 270 + 6);
  // 20 points, deg 2: vander 40; lstsq 20 x 3: 4*20*9 + 8*27 + (2*23*3 + 3).
  SigBuilder f; f.array({20}).array({20}).integer(2);
  EXPECT_EQ(P::polyfit(f.sig()), 40 + 720 + 216 + 141);
  SigBuilder fneg; fneg.array({20}).array({20}).integer(-1);
  EXPECT_THROW(P::polyfit(fneg.sig()), SignatureError);
  SigBuilder va; va.array({20});
  EXPECT_EQ(P::vander(va.sig()), 360);
  SigBuilder w; w.integer(16);
  EXPECT_EQ(P::window<5>(w.sig()), 80);
  SigBuilder w1; w1.integer(1);
  EXPECT_EQ(P::window<11>(w1.sig()), 0);
}
