// Expected values written from the textbook counts in formulas/counting.hpp.
#include <gtest/gtest.h>

#include "flopscope/formulas/counting.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace C = flopscope::formulas::counting;

TEST(CountingFormulas, SetsAndSorts) {
  SigBuilder s; s.array({100}).array({28});  // 128 * 7
  EXPECT_EQ(C::set_op(s.sig()), 896);
  SigBuilder e; e.array({0}).array({0});
  EXPECT_EQ(C::set_op(e.sig()), 0);
  SigBuilder one; one.array({1}).array({0});  // ceil(log2 1) floored at 1
  EXPECT_EQ(C::set_op(one.sig()), 1);
  SigBuilder k; k.array({2, 100});
  EXPECT_EQ(C::lexsort(k.sig()), 2 * 700);
  SigBuilder k3; k3.array({3, 4, 5}).integer(0);  // keys of shape (4, 5) sorted along axis 0
  EXPECT_EQ(C::lexsort(k3.sig()), 3 * 5 * 8);
  SigBuilder k1; k1.array({7});  // 7 keys of one element (NumPy returns a 0-d index): 7 comparisons
  EXPECT_EQ(C::lexsort(k1.sig()), 7);
  SigBuilder c; c.array({4, 6});
  EXPECT_EQ(C::sort_last(c.sig()), 4 * 18);
}

TEST(CountingFormulas, Histograms) {
  SigBuilder h; h.array({100});  // 10 bins: 100 * 4 + 11
  EXPECT_EQ(C::histogram(h.sig()), 411);
  SigBuilder hi; hi.array({100}).integer(20).absent().absent().array({100});
  EXPECT_EQ(C::histogram(hi.sig()), 500 + 21 + 100);
  SigBuilder he; he.array({100}).ints({0, 1, 2, 3});  // 3 bins
  EXPECT_EQ(C::histogram(he.sig()), 200 + 4);
  SigBuilder hs; hs.array({100}).str("auto");
  EXPECT_EQ(C::histogram(hs.sig()), 700 + 300);
  SigBuilder edges; edges.array({100}).integer(5);
  EXPECT_EQ(C::bin_edges(edges.sig()), 6);
  SigBuilder b; b.array({5}).array({5});
  EXPECT_EQ(C::bincount(b.sig()), 10);
  SigBuilder d; d.array({100}).array({9});
  EXPECT_EQ(C::digitize(d.sig()), 400);
  SigBuilder d2; d2.array({100}).array({3, 3});
  EXPECT_THROW(C::digitize(d2.sig()), SignatureError);
  SigBuilder i; i.array({100}).array({9}).array({9});
  EXPECT_EQ(C::interp(i.sig()), 700);
}

TEST(CountingFormulas, DifferencesAndElements) {
  SigBuilder e; e.array({100});
  EXPECT_EQ(C::ediff1d(e.sig()), 99);
  SigBuilder e0; e0.array({0});
  EXPECT_EQ(C::ediff1d(e0.sig()), 0);
  SigBuilder t; t.array({3, 8});
  EXPECT_EQ(C::trapezoid(t.sig()), 3 * 21);
  SigBuilder tx; tx.array({3, 8}).array({8});
  EXPECT_EQ(C::trapezoid(tx.sig()), 3 * 28);
  SigBuilder t0; t0.array({3, 8}).absent().absent().integer(0);
  EXPECT_EQ(C::trapezoid(t0.sig()), 8 * 6);
  // An n-d x of more rows than y: the slices are those of the broadcast (the brief's example).
  SigBuilder bx; bx.array({50}).array({20000, 50});
  EXPECT_EQ(C::trapezoid(bx.sig()), 20000 * 4 * 49);
  SigBuilder by; by.array({20000, 50}).array({50});
  EXPECT_EQ(C::trapezoid(by.sig()), 20000 * 4 * 49);
  SigBuilder mis; mis.array({3, 8}).array({4, 8});
  EXPECT_THROW(C::trapezoid(mis.sig()), flopscope::SignatureError);
  SigBuilder n; n.array({3, 8});
  EXPECT_EQ(C::elements(n.sig()), 24);
}

TEST(CountingFormulas, Histogram2dAndDd) {
  // 100 samples, 10 x 10 bins: 100 (4 + 4 + 1) + 11 + 11.
  SigBuilder d; d.array({100}).array({100});
  EXPECT_EQ(C::histogram2d(d.sig()), 100 * 9 + 22);
  SigBuilder pair; pair.array({100}).array({100}).ints({4, 16});
  EXPECT_EQ(C::histogram2d(pair.sig()), 100 * (2 + 4 + 1) + 5 + 17);
  SigBuilder edges; edges.array({100}).array({100}).array({9});  // the same 8 bins for both
  EXPECT_EQ(C::histogram2d(edges.sig()), 100 * (3 + 3 + 1) + 9 + 9);
  SigBuilder w; w.array({100}).array({100}).absent().absent().absent().array({100});
  EXPECT_EQ(C::histogram2d(w.sig()), 100 * 9 + 22 + 100);
  SigBuilder bad; bad.array({100}).array({99});
  EXPECT_THROW(C::histogram2d(bad.sig()), SignatureError);
  // (50, 3) samples, bins (2, 4, 8): 50 (1 + 2 + 3 + 2) + 3 + 5 + 9.
  SigBuilder dd; dd.array({50, 3}).ints({2, 4, 8});
  EXPECT_EQ(C::histogramdd(dd.sig()), 50 * 8 + 17);
  SigBuilder rows; rows.array({50, 3}).array({3, 5});  // 4 bins each, from edge rows
  EXPECT_EQ(C::histogramdd(rows.sig()), 50 * (3 * 2 + 2) + 15);
  SigBuilder ragged; ragged.array({50, 2}).arrays({{5}, {9}});  // 4 and 8 bins
  EXPECT_EQ(C::histogramdd(ragged.sig()), 50 * (2 + 3 + 1) + 5 + 9);
  SigBuilder mismatch; mismatch.array({50, 3}).ints({2, 4});
  EXPECT_THROW(C::histogramdd(mismatch.sig()), SignatureError);
}
