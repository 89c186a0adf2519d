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
  SigBuilder ba; ba.array({2}).array({4000});  // no quotient: u + 0.0, v + 0.0, 1 / v[0]
  EXPECT_EQ(P::polydiv(ba.sig()), 2 + 4000 + 1);
  SigBuilder d; d.array({4}).integer(2);  // 3 + 2
  EXPECT_EQ(P::polyder(d.sig()), 5);
  SigBuilder d9; d9.array({4}).integer(9);  // t = 3: 3 + 2 + 1
  EXPECT_EQ(P::polyder(d9.sig()), 6);
  SigBuilder i; i.array({4}).integer(2);  // 4 + 5
  EXPECT_EQ(P::polyint(i.sig()), 9);
  // A polynomial per trailing index (NumPy loops over p's first axis).
  SigBuilder m2; m2.array({3, 2}).array({2});
  EXPECT_EQ(P::polyval(m2.sig()), 2 * 2);
  SigBuilder bad; bad.array({3, 2}).array({5});
  EXPECT_THROW(P::polyval(bad.sig()), SignatureError);
  SigBuilder add2; add2.array({3, 4}).array({2, 4});
  EXPECT_EQ(P::polyadd(add2.sig()), 3 * 4);
  SigBuilder add0; add0.array({}).array({3});
  EXPECT_EQ(P::polyadd(add0.sig()), 3);
  // NumPy reads the order as int(m): 0.5 is 0 (p handed back), 2.9 is 2.
  SigBuilder half; half.array({3, 4}).number(0.5);
  EXPECT_EQ(P::polyint(half.sig()), 0);
  SigBuilder i29; i29.array({4}).number(2.9);
  EXPECT_EQ(P::polyint(i29.sig()), 9);
  SigBuilder d0; d0.array({2, 2}).integer(0);
  EXPECT_EQ(P::polyder(d0.sig()), 0);
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
