// Expected values written from the textbook counts in formulas/statistics.hpp.
#include <gtest/gtest.h>

#include "flopscope/formulas/statistics.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace S = flopscope::formulas::statistics;

TEST(StatisticsFormulas, MedianQuantiles) {
  SigBuilder all; all.array({4, 6});
  EXPECT_EQ(S::median(all.sig()), 25);
  SigBuilder rows; rows.array({4, 6}).integer(1);
  EXPECT_EQ(S::median(rows.sig()), 4 * 7);
  EXPECT_EQ(S::nanmedian(rows.sig()), 28 + 24);
  SigBuilder q; q.array({4, 6}).array({3}).integer(0);  // 6 slices of 4, 3 quantiles
  EXPECT_EQ(S::quantiles(q.sig()), 6 * 3 * 7);
  EXPECT_EQ(S::nanquantiles(q.sig()), 126 + 24);
  SigBuilder empty; empty.array({0, 3}).array({});
  EXPECT_EQ(S::quantiles(empty.sig()), 0);
  SigBuilder bad; bad.array({4, 6}).integer(2);
  EXPECT_THROW(S::median(bad.sig()), SignatureError);
}

TEST(StatisticsFormulas, AverageCovCorrcoef) {
  SigBuilder plain; plain.array({4, 6});
  EXPECT_EQ(S::average(plain.sig()), 24);
  SigBuilder w; w.array({4, 6}).integer(1).array({6});
  EXPECT_EQ(S::average(w.sig()), 24 + 6 + 4);
  SigBuilder c; c.array({4, 6});  // 4 variables, 6 samples
  EXPECT_EQ(S::cov(c.sig()), 16 * 6 + 2 * 24 + 16);
  SigBuilder t; t.array({4, 6}).absent().boolean(false);  // 6 variables, 4 samples
  EXPECT_EQ(S::cov(t.sig()), 36 * 4 + 2 * 24 + 36);
  SigBuilder y; y.array({4, 6}).array({2, 6});
  EXPECT_EQ(S::cov(y.sig()), 36 * 6 + 2 * 36 + 36);
  SigBuilder aw; aw.array({4, 6}).absent().absent().absent().absent().absent().array({6});
  EXPECT_EQ(S::cov(aw.sig()), 160 + 24);
  SigBuilder r; r.array({4, 6});
  EXPECT_EQ(S::corrcoef(r.sig()), 160 + 4 + 32);
  SigBuilder deep; deep.array({2, 2, 2});
  EXPECT_THROW(S::cov(deep.sig()), SignatureError);
}

TEST(StatisticsFormulas, Diff) {
  SigBuilder d; d.array({4, 6}).integer(2);  // 4 rows of (5 + 4)
  EXPECT_EQ(S::diff(d.sig()), 36);
  SigBuilder big; big.array({5}).integer(9);  // 4 + 3 + 2 + 1, then 5 empty passes at 1 each
  EXPECT_EQ(S::diff(big.sig()), 10 + 5);
  SigBuilder huge; huge.array({3}).integer(2'000'000);  // 2 + 1, then every other pass runs empty
  EXPECT_EQ(S::diff(huge.sig()), 3 + (2'000'000 - 2));
  SigBuilder empty; empty.array({0, 4}).integer(3).integer(-1);  // no rows: 3 empty passes
  EXPECT_EQ(S::diff(empty.sig()), 3);
  SigBuilder absurd; absurd.array({3}).integer(std::int64_t{1} << 62);  // closed form: no loop over n
  EXPECT_EQ(S::diff(absurd.sig()), 3 + ((std::int64_t{1} << 62) - 2));
  SigBuilder pre; pre.array({5}).integer(1).absent().number(0.0).number(1.0);  // L = 7
  EXPECT_EQ(S::diff(pre.sig()), 6);
  SigBuilder neg; neg.array({5}).integer(-1);
  EXPECT_THROW(S::diff(neg.sig()), SignatureError);
}

TEST(StatisticsFormulas, Convolution) {
  SigBuilder full; full.array({5}).array({3});
  EXPECT_EQ(S::convolve(full.sig()), 15);
  EXPECT_EQ(S::correlate(full.sig()), 9);  // default 'valid': 3 outputs of 3 taps
  SigBuilder same; same.array({5}).array({3}).str("same");  // overlaps 1 2 3 3 3 2 1, central 5
  EXPECT_EQ(S::convolve(same.sig()), 13);
  SigBuilder same4; same4.array({3}).array({8}).str("same");  // 1 2 3 3 3 3 3 3 2 1, central 8
  EXPECT_EQ(S::convolve(same4.sig()), 2 + 3 * 6 + 2);
  SigBuilder empty; empty.array({5}).array({0});
  EXPECT_THROW(S::convolve(empty.sig()), SignatureError);
  SigBuilder mode; mode.array({5}).array({3}).str("bogus");
  EXPECT_THROW(S::convolve(mode.sig()), SignatureError);
}

TEST(StatisticsFormulas, KronCrossUnique) {
  SigBuilder k; k.array({2, 3}).array({4, 5});
  EXPECT_EQ(S::kron(k.sig()), 120);
  SigBuilder c3; c3.array({5, 3}).array({3});
  EXPECT_EQ(S::cross(c3.sig()), 30);
  SigBuilder c2; c2.array({5, 2}).array({2});
  EXPECT_EQ(S::cross(c2.sig()), 10);
  SigBuilder c23; c23.array({5, 2}).array({3});
  EXPECT_EQ(S::cross(c23.sig()), 20);
  SigBuilder c4; c4.array({5, 4}).array({4});
  EXPECT_THROW(S::cross(c4.sig()), SignatureError);
  SigBuilder u; u.array({3, 4});  // 12 * ceil(log2 12) = 48
  EXPECT_EQ(S::unique(u.sig()), 48);
  SigBuilder ua; ua.array({3, 4}).absent().absent().absent().integer(0);  // 3 rows: 3 * 2 comparisons of 4
  EXPECT_EQ(S::unique(ua.sig()), 24);
  SigBuilder one; one.array({1});
  EXPECT_EQ(S::unique_flat(one.sig()), 1);
}

TEST(StatisticsFormulas, GradientUniformSpacing) {
  // 1-d of 5, first-order edges: 2 per value.
  SigBuilder one; one.array({5}).arrays({});
  EXPECT_EQ(S::gradient(one.sig()), 10);
  // (4, 6) over both axes: 2 * 24 each.
  SigBuilder both; both.array({4, 6}).arrays({});
  EXPECT_EQ(S::gradient(both.sig()), 96);
  // A scalar spacing is uniform too; axis=1 only.
  SigBuilder ax; ax.array({4, 6}).arrays({{}}).integer(1);
  EXPECT_EQ(S::gradient(ax.sig()), 48);
  // Second-order edges: 2m(L - 2) + 6m, m = 4 lines of 6.
  SigBuilder eo2; eo2.array({4, 6}).arrays({}).integer(1).integer(2);
  EXPECT_EQ(S::gradient(eo2.sig()), 2 * 4 * 4 + 6 * 4);
}

TEST(StatisticsFormulas, GradientCoordinatesAndShortAxes) {
  // Coordinates of 5 points for a 1-d of 5: 3(L - 2) + 4 + 2(L - 1) + 9(L - 2).
  SigBuilder c; c.array({5}).arrays({{5}});
  EXPECT_EQ(S::gradient(c.sig()), 9 + 4 + 8 + 27);
  SigBuilder c2; c2.array({5}).arrays({{5}}).absent().integer(2);
  EXPECT_EQ(S::gradient(c2.sig()), 9 + 6 + 8 + 27 + 18);
  SigBuilder shorter; shorter.array({2}).arrays({}).absent().integer(2);  // NumPy refuses: 0
  EXPECT_EQ(S::gradient(shorter.sig()), 0);
  SigBuilder count; count.array({4, 6}).arrays({{}, {}, {}});  // NumPy: invalid number of arguments
  EXPECT_EQ(S::gradient(count.sig()), 0);
}

TEST(StatisticsFormulas, UnwrapTwelvePerDifference) {
  SigBuilder a; a.array({3, 8});
  EXPECT_EQ(S::unwrap(a.sig()), 12 * 3 * 7);
  SigBuilder ax; ax.array({3, 8}).absent().integer(0);
  EXPECT_EQ(S::unwrap(ax.sig()), 12 * 2 * 8);
  SigBuilder one; one.array({1});
  EXPECT_EQ(S::unwrap(one.sig()), 0);
  SigBuilder zero; zero.array({});
  EXPECT_THROW(S::unwrap(zero.sig()), SignatureError);
}
