// Expected values written from the textbook formulas (Golub & Van Loan).
#include <gtest/gtest.h>

#include "flopscope/formulas/linalg.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace L = flopscope::formulas::linalg;

TEST(LinalgFormulas, DetSlogdet) {
  SigBuilder a; a.array({4, 4});
  EXPECT_EQ(L::det(a.sig()), 2 * 64 / 3 + 4);      // 42 + 4
  EXPECT_EQ(L::slogdet(a.sig()), 46);
  SigBuilder b; b.array({2, 3, 3, 3});
  EXPECT_EQ(L::det(b.sig()), 6 * (18 + 3));
  SigBuilder r; r.array({3, 4});
  EXPECT_THROW(L::det(r.sig()), SignatureError);
  SigBuilder v; v.array({3});
  EXPECT_THROW(L::slogdet(v.sig()), SignatureError);
}

TEST(LinalgFormulas, Eigen) {
  SigBuilder a; a.array({5, 3, 3});
  EXPECT_EQ(L::eigh(a.sig()), 5 * 9 * 27);
  EXPECT_EQ(L::eigvalsh(a.sig()), 5 * 36);
  EXPECT_EQ(L::eig(a.sig()), 5 * 25 * 27);
  EXPECT_EQ(L::eigvals(a.sig()), 5 * 270);
  SigBuilder e; e.array({0, 0});
  EXPECT_EQ(L::eig(e.sig()), 0);
  SigBuilder r; r.array({2, 3});
  EXPECT_THROW(L::eigh(r.sig()), SignatureError);
}

TEST(LinalgFormulas, Svd) {
  // m = 6, n = 3: full 4*36*3 + 8*6*9 + 9*27 = 432 + 432 + 243.
  SigBuilder full; full.array({6, 3});
  EXPECT_EQ(L::svd(full.sig()), 1107);
  SigBuilder thin; thin.array({6, 3}).boolean(false);
  EXPECT_EQ(L::svd(thin.sig()), 4 * 54 + 8 * 27);
  SigBuilder vals; vals.array({2, 3, 6}).boolean(true).boolean(false);  // m < n: swapped
  EXPECT_EQ(L::svd(vals.sig()), 2 * (4 * 54 - 36));
  SigBuilder sq; sq.array({4, 4});  // square: full == thin
  EXPECT_EQ(L::svd(sq.sig()), 4 * 64 + 8 * 64);
  SigBuilder h; h.array({4, 4}).boolean(true).boolean(true).boolean(true);
  EXPECT_EQ(L::svd(h.sig()), 9 * 64);
  SigBuilder hv; hv.array({4, 4}).boolean(true).boolean(false).boolean(true);
  EXPECT_EQ(L::svd(hv.sig()), 4 * 64 / 3);
  SigBuilder sv; sv.array({6, 3});
  EXPECT_EQ(L::svdvals(sv.sig()), 4 * 54 - 36);
  SigBuilder v; v.array({3});
  EXPECT_THROW(L::svd(v.sig()), SignatureError);
  EXPECT_THROW(L::svdvals(v.sig()), SignatureError);
}

TEST(LinalgFormulas, Trace) {
  SigBuilder a; a.array({2, 3, 5});
  EXPECT_EQ(L::trace(a.sig()), 2 * 3);
  SigBuilder up; up.array({3, 5}).integer(3);
  EXPECT_EQ(L::trace(up.sig()), 2);
  SigBuilder down; down.array({3, 5}).integer(-2);
  EXPECT_EQ(L::trace(down.sig()), 1);
  SigBuilder off; off.array({3, 5}).integer(9);
  EXPECT_EQ(L::trace(off.sig()), 0);
}
