// Expected values written from the primer rule: one FLOP per element computed.
#include <gtest/gtest.h>

#include "flopscope/formulas/misc.hpp"
#include "flopscope/formulas/random.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace M = flopscope::formulas::misc;

TEST(MiscFormulas, LogspaceOnePowerPerSample) {
  SigBuilder d; d.array({}).array({});
  EXPECT_EQ(M::logspace(d.sig()), 50);  // num defaults to 50
  SigBuilder n; n.array({}).array({}).integer(7);
  EXPECT_EQ(M::logspace(n.sig()), 7);
  SigBuilder b; b.array({2, 1}).array({3}).integer(4).absent().array({3});
  EXPECT_EQ(M::logspace(b.sig()), 4 * 6 + 4 * 6 + 2 * 4 * 6);  // + linspace's arithmetic on the (2, 3) endpoints
  SigBuilder z; z.array({}).array({}).integer(0);
  EXPECT_EQ(M::logspace(z.sig()), 0);
  SigBuilder neg; neg.array({}).array({}).integer(-1);
  EXPECT_THROW(M::logspace(neg.sig()), SignatureError);
  SigBuilder bad; bad.array({2}).array({3}).integer(4);
  EXPECT_THROW(M::logspace(bad.sig()), SignatureError);
}

// numpy/_core/function_base.py: array endpoints pay delta, step, the zero test
// and its any() per endpoint element, y * step and + start per sample.
TEST(MiscFormulas, LinspaceFreeForScalarsPricedForArrayEndpoints) {
  SigBuilder sc; sc.array({}).array({}).integer(7);
  EXPECT_EQ(M::linspace(sc.sig()), 0);
  SigBuilder col; col.integer(0).array({4096, 64}).integer(2);
  EXPECT_EQ(M::linspace(col.sig()), 4 * 4096 * 64 + 2 * 2 * 4096 * 64);
  SigBuilder d; d.array({3}).array({2, 1});  // num defaults to 50; broadcast (2, 3)
  EXPECT_EQ(M::linspace(d.sig()), 4 * 6 + 2 * 50 * 6);
  SigBuilder bad; bad.array({2}).array({3}).integer(4);
  EXPECT_THROW(M::linspace(bad.sig()), SignatureError);
}

TEST(MiscFormulas, GeomspaceOnePowerPerSample) {
  SigBuilder g; g.array({2}).array({}).integer(5);
  // powers 10, 11 per endpoint element, linspace's 4 per endpoint + 2 per sample, the sign per sample
  EXPECT_EQ(M::geomspace(g.sig()), 10 + 11 * 2 + (4 * 2 + 2 * 5 * 2) + 10);
  SigBuilder sc; sc.array({}).array({}).integer(5);
  EXPECT_EQ(M::geomspace(sc.sig()), 5);  // scalar endpoints: the powers only
  SigBuilder e; e.array({0}).array({}).integer(5);
  EXPECT_EQ(M::geomspace(e.sig()), 0);
  SigBuilder neg; neg.array({}).array({}).integer(-3);
  EXPECT_THROW(M::geomspace(neg.sig()), SignatureError);
}

TEST(MiscFormulas, AsarrayChkfiniteOnePerElement) {
  SigBuilder a; a.array({3, 4});
  EXPECT_EQ(M::each_element(a.sig()), 12);
  SigBuilder e; e.array({2, 0});
  EXPECT_EQ(M::each_element(e.sig()), 0);
}

TEST(MiscFormulas, SelectOneChoicePerConditionPerOutput) {
  SigBuilder s; s.arrays({{4, 1}, {4, 1}, {4, 1}}).arrays({{1, 5}, {4, 5}, {}}).array({});
  EXPECT_EQ(M::select(s.sig()), 3 * 20);
  SigBuilder d; d.arrays({{6}}).arrays({{6}});  // default absent
  EXPECT_EQ(M::select(d.sig()), 6);
  SigBuilder bad; bad.arrays({{4}}).arrays({{3}});
  EXPECT_THROW(M::select(bad.sig()), SignatureError);
}

TEST(MiscFormulas, PiecewiseTestsEveryElementAgainstEveryCondition) {
  SigBuilder same; same.array({10}).array({2, 10}).integer(2);
  EXPECT_EQ(M::piecewise(same.sig()), 20);
  SigBuilder otherwise; otherwise.array({10}).array({2, 10}).integer(3);  // the otherwise condition is added
  EXPECT_EQ(M::piecewise(otherwise.sig()), 30);
  SigBuilder scalar; scalar.array({}).array({1}).integer(1);
  EXPECT_EQ(M::piecewise(scalar.sig()), 1);
  SigBuilder wrong; wrong.array({10}).array({2, 10}).integer(5);
  EXPECT_THROW(M::piecewise(wrong.sig()), SignatureError);
}

TEST(MiscFormulas, PadCopyingModesAreFree) {
  for (const char* mode : {"constant", "edge", "wrap", "reflect", "symmetric", "empty"}) {
    SigBuilder p; p.array({3, 4}).integer(2).str(mode);
    EXPECT_EQ(M::pad(p.sig()), 0) << mode;
  }
  SigBuilder dflt; dflt.array({3, 4}).table({1, 2, 3, 4}, 2);
  EXPECT_EQ(M::pad(dflt.sig()), 0);
}

TEST(MiscFormulas, PadStatisticModesReduceEachSide) {
  // (3, 4) padded by 1 on every side. Axis 0: region (5, 4), lines of 4 across,
  // stat over all 3 values once (both sides whole): 3 * 4 = 12. Axis 1: region
  // (5, 6): cross 5, 4 values once: 20.
  SigBuilder mean; mean.array({3, 4}).integer(1).str("mean");
  EXPECT_EQ(M::pad(mean.sig()), 12 + 20);
  // stat_length 2 on both sides: each side separately, 2 values.
  SigBuilder len; len.array({3, 4}).integer(1).str("maximum").table({2}, -1);
  EXPECT_EQ(M::pad(len.sig()), 2 * 2 * 4 + 2 * 2 * 5);
  // median: n + 1 per line.
  SigBuilder med; med.array({5}).table({2, 0}, -1).str("median");
  EXPECT_EQ(M::pad(med.sig()), 6);
  // per-axis widths ((0, 0), (2, 1)): axis 0 region (3, 4), cross 4; axis 1 cross 3.
  SigBuilder per; per.array({3, 4}).table({0, 0, 2, 1}, 2).str("minimum");
  EXPECT_EQ(M::pad(per.sig()), 3 * 4 + 4 * 3);
  SigBuilder empty; empty.array({0, 4}).integer(1).str("mean");
  EXPECT_EQ(M::pad(empty.sig()), 0);
}

TEST(MiscFormulas, PadRampsAndOddReflectionsCostTwoPerPaddedValue) {
  SigBuilder ramp; ramp.array({3, 4}).table({1, 2}, -1).str("linear_ramp");
  // axis 0: 3 padded rows of 4; axis 1: region (6, .): 3 padded columns of 6.
  EXPECT_EQ(M::pad(ramp.sig()), 2 * 3 * 4 + 2 * 3 * 6);
  SigBuilder odd; odd.array({5}).integer(2).str("reflect").absent().str("odd");
  EXPECT_EQ(M::pad(odd.sig()), 2 * 4);
  SigBuilder edge; edge.array({1}).integer(2).str("symmetric").absent().str("odd");
  EXPECT_EQ(M::pad(edge.sig()), 0);  // a length-1 axis is padded with its edge value
}

TEST(MiscFormulas, PadRefusesWhatNumPyRefusesOrCannotBePriced) {
  SigBuilder neg; neg.array({3}).integer(-1);
  EXPECT_THROW(M::pad(neg.sig()), SignatureError);
  SigBuilder shape; shape.array({3, 4}).table({1, 2, 3}, -1);
  EXPECT_THROW(M::pad(shape.sig()), SignatureError);
  SigBuilder rows; rows.array({3, 4}).table({1, 2, 3, 4, 5, 6}, 3);
  EXPECT_THROW(M::pad(rows.sig()), SignatureError);
  SigBuilder junk; junk.array({3}).other().str("mean");  // not integers: NumPy's TypeError, nothing runs
  EXPECT_EQ(M::pad(junk.sig()), 0);
  SigBuilder callable; callable.array({3}).integer(1).other();
  EXPECT_THROW(M::pad(callable.sig()), SignatureError);
}

TEST(RandomFormulas, FreeUnderThePrimerUpstreamsCountsInItsSet) {
  namespace R = flopscope::formulas::random;
  SigBuilder c; c.integer(10).integer(5);  // a size
  EXPECT_EQ(flopscope::formulas::misc::free_of_flops(c.sig()), 0);
  EXPECT_EQ(R::flopscope012::choice<0>(c.sig()), 5);
  SigBuilder p; p.integer(10).integer(5).absent().array({10});  // a size replace p
  EXPECT_EQ(R::flopscope012::choice<0>(p.sig()), 3 * 10 + 5 * (4 + 1));
  SigBuilder nr; nr.absent().integer(100).integer(10).boolean(false);  // self a size replace
  EXPECT_EQ(R::flopscope012::choice<1>(nr.sig()), 100);
  SigBuilder nrp; nrp.absent().integer(20).integer(3).boolean(false).array({20});
  EXPECT_EQ(R::flopscope012::choice<1>(nrp.sig()), 20 * 5);
  SigBuilder rows; rows.absent().array({5, 3}).integer(2).absent().absent().integer(1);  // axis=1
  EXPECT_EQ(R::flopscope012::choice<1>(rows.sig()), 2 * 5);
  SigBuilder bad; bad.absent().array({5, 3}).integer(2).absent().absent().integer(2);
  EXPECT_THROW(R::flopscope012::choice<1>(bad.sig()), flopscope::SignatureError);
  SigBuilder mvn; mvn.array({4}).array({4, 4}).integer(100);  // mean cov size
  EXPECT_EQ(R::flopscope012::multivariate_normal<0>(mvn.sig()), 16 * 400 + 2 * 1600 + 26 * 64);
  SigBuilder one; one.absent().array({3}).array({3, 3});  // size None: one draw
  EXPECT_EQ(R::flopscope012::multivariate_normal<1>(one.sig()), 16 * 3 + 2 * 9 + 26 * 27);
}

// The primer prices the arithmetic a sampler does on its draws (NumPy's
// algorithms), never the draws. Expected values from the formulas' terms.
TEST(RandomFormulas, MultivariateNormal) {
  namespace R = flopscope::formulas::random;
  using flopscope::testing::SigBuilder;
  // d = 4, N = 100: svd 4d^3 + 8d^3, its check d^3 + 2d^2, the factor d + d^2, N (d^2 + d).
  SigBuilder mvn; mvn.array({4}).array({4, 4}).integer(100);  // mean cov size
  EXPECT_EQ(R::multivariate_normal<0>(mvn.sig()), 768 + (64 + 32) + (4 + 16) + 100 * 20);
  SigBuilder ignore; ignore.array({4}).array({4, 4}).integer(100).str("ignore");
  EXPECT_EQ(R::multivariate_normal<0>(ignore.sig()), 768 + 20 + 2000);
  SigBuilder chol; chol.absent().array({4}).array({4, 4}).integer(100).absent().absent().str("cholesky");
  EXPECT_EQ(R::multivariate_normal<1>(chol.sig()), 64 / 3 + 2000);
  SigBuilder eigh; eigh.absent().array({4}).array({4, 4}).integer(100).absent().absent().str("eigh");
  EXPECT_EQ(R::multivariate_normal<1>(eigh.sig()), 9 * 64 + (8 + 16) + 8 + 2000);
  SigBuilder shape; shape.absent().array({4}).array({4, 4}).ints({10, 10});  // size (10, 10): 100 draws
  EXPECT_EQ(R::multivariate_normal<1>(shape.sig()), R::multivariate_normal<0>(mvn.sig()));
  SigBuilder one; one.array({3}).array({3, 3});  // size None: one draw
  EXPECT_EQ(R::multivariate_normal<0>(one.sig()), 12 * 27 + (27 + 18) + (3 + 9) + (9 + 3));
  SigBuilder mean2d; mean2d.array({2, 2}).array({2, 2});
  EXPECT_THROW(R::multivariate_normal<0>(mean2d.sig()), flopscope::SignatureError);
  SigBuilder lens; lens.array({3}).array({4, 4});
  EXPECT_THROW(R::multivariate_normal<0>(lens.sig()), flopscope::SignatureError);
  SigBuilder method; method.absent().array({4}).array({4, 4}).absent().absent().absent().str("qr");
  EXPECT_THROW(R::multivariate_normal<1>(method.sig()), flopscope::SignatureError);
}

TEST(RandomFormulas, DirichletMultinomialHypergeometric) {
  namespace R = flopscope::formulas::random;
  using flopscope::testing::SigBuilder;
  SigBuilder dir; dir.array({5}).integer(1000);  // alpha size: a sum and a divide per element
  EXPECT_EQ(R::dirichlet<0>(dir.sig()), 2 * 1000 * 5);
  SigBuilder dir1; dir1.absent().array({3});
  EXPECT_EQ(R::dirichlet<1>(dir1.sig()), 6);
  SigBuilder dir2d; dir2d.array({2, 3});
  EXPECT_THROW(R::dirichlet<0>(dir2d.sig()), flopscope::SignatureError);
  // multinomial: 3 (d - 1) per drawn vector + (d - 1) per pvals vector, d = 6.
  SigBuilder mn; mn.integer(20).array({6}).integer(100);  // n pvals size
  EXPECT_EQ(R::multinomial<0>(mn.sig()), 3 * 100 * 5 + 5);
  SigBuilder gen; gen.absent().array({4}).array({4, 6});  // size None: n (4,) x pvals[..., 0] (4,)
  EXPECT_EQ(R::multinomial<1>(gen.sig()), 3 * 4 * 5 + 4 * 5);
  SigBuilder sized; sized.absent().array({4}).array({4, 6}).ints({2, 4});
  EXPECT_EQ(R::multinomial<1>(sized.sig()), 3 * 8 * 5 + 4 * 5);
  SigBuilder nob; nob.absent().array({3}).array({4, 6});
  EXPECT_THROW(R::multinomial<1>(nob.sig()), flopscope::SignatureError);
  // multivariate_hypergeometric: the total (c) + 2 (c - 1) per variate, or nsample with 'count'.
  SigBuilder mh; mh.absent().array({4}).integer(10).integer(100);  // self colors nsample size
  EXPECT_EQ(R::multivariate_hypergeometric(mh.sig()), 4 + 100 * 2 * 3);
  SigBuilder count; count.absent().array({4}).integer(10).integer(100).str("count");
  EXPECT_EQ(R::multivariate_hypergeometric(count.sig()), 4 + 100 * 10);
  SigBuilder bad; bad.absent().array({4}).integer(10).integer(100).str("other");
  EXPECT_THROW(R::multivariate_hypergeometric(bad.sig()), flopscope::SignatureError);
}
