// Upstream flopscope 0.12.4's formula set (`formulas flopscope-0.12`):
// expected values from the spec's tables (flopscope-spec.md sections 2.7,
// 2.9, 2.12 and 2.14), a = max(m, n), b = min(m, n).
#include <gtest/gtest.h>

#include "flopscope/cost_model.hpp"
#include "flopscope/formulas/counting.hpp"
#include "flopscope/formulas/fft.hpp"
#include "flopscope/formulas/misc.hpp"
#include "flopscope/formulas/linalg_flopscope012.hpp"
#include "flopscope/formulas/polynomial.hpp"
#include "flopscope/formulas/statistics.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace U = flopscope::formulas::linalg::flopscope012;

TEST(LinalgFlopscope012, Svd) {
  SigBuilder sq; sq.array({4, 4});
  EXPECT_EQ(U::svd(sq.sig()), 6 * 64 + 20 * 64);  // thin 6ab^2 + 20b^3
  SigBuilder full; full.array({6, 3});
  EXPECT_EQ(U::svd(full.sig()), 4 * 36 * 3 + 22 * 27);  // full 4a^2 b + 22b^3
  SigBuilder thin; thin.array({6, 3}).boolean(false);
  EXPECT_EQ(U::svd(thin.sig()), 6 * 54 + 20 * 27);
  SigBuilder values; values.array({2, 256, 256}).absent().boolean(false);
  EXPECT_EQ(U::svd(values.sig()), 2 * 67'108'864);  // spec: svd_cost(256, 256) = 2*256^3 + 2*256^3
  SigBuilder top; top.array({256, 256}).absent().absent().absent().integer(10);
  EXPECT_EQ(U::svd(top.sig()), 2'621'440);  // spec: 4 * 256 * 256 * 10
  SigBuilder vals; vals.array({5, 3});
  EXPECT_EQ(U::svdvals(vals.sig()), 2 * 45 + 2 * 27);
  SigBuilder bad; bad.array({4, 4}).absent().absent().absent().integer(5);
  EXPECT_THROW(U::svd(bad.sig()), SignatureError);
}

TEST(LinalgFlopscope012, Factorisations) {
  SigBuilder a; a.array({4, 4});
  EXPECT_EQ(U::slogdet(a.sig()), 128 / 3 + 72);            // 2n^3/3 + 18n
  EXPECT_EQ(U::qr(a.sig()), 2 * (128 - 128 / 3));          // 2(2mnk - 2k^3/3)
  SigBuilder r; r.array({4, 4}).str("r");
  EXPECT_EQ(U::qr(r.sig()), 128 - 128 / 3);
  EXPECT_EQ(U::matrix_rank(a.sig()), 256 + 4);             // values + min(m, n)
  SigBuilder tol; tol.array({4, 4}).array({1000});         // upstream's _broadcast_pairs
  EXPECT_EQ(U::matrix_rank(tol.sig()), 256 + 1000 * 4);    // values + min(m, n) per (matrix, tol) pair
  EXPECT_EQ(U::cond(a.sig()), 257);                        // values + 1
  SigBuilder c1; c1.array({4, 4}).integer(1);
  EXPECT_EQ(U::cond(c1.sig()), 128 + 64 + 1);              // 2n^3 + 4mn + 1
  EXPECT_EQ(U::pinv(a.sig()), 1664 + 4 + 16 + 7 * 16);     // thin + k + nk + (2k - 1)nm
  SigBuilder ls; ls.array({4, 4}).array({4, 4});
  EXPECT_EQ(U::lstsq(ls.sig()), 1664 + 112 + 16 + 112);
}

TEST(LinalgFlopscope012, NormsAndProducts) {
  SigBuilder fro; fro.array({4, 4});
  EXPECT_EQ(U::norm(fro.sig()), 32);                       // 2 numel
  SigBuilder nuc; nuc.array({4, 4}).str("nuc");
  EXPECT_EQ(U::norm(nuc.sig()), 256);                      // the singular values
  SigBuilder p3; p3.array({3, 5}).absent().absent().number(3.0);  // x axis keepdims ord
  EXPECT_EQ(U::vector_norm(p3.sig()), 18 * 15 + 16);       // general p
  // Two n-d arrays: upstream's reading, A.shape[0] x B.shape[0] x B.shape[-1] (its figures / rate 2).
  SigBuilder nd; nd.arrays({{2, 3, 4}, {6, 4, 5}});
  EXPECT_EQ(U::multi_dot(nd.sig()), 110);  // 2 x 5 outputs of K = 6
  SigBuilder nv; nv.arrays({{4}, {2, 4, 5}});
  EXPECT_EQ(U::multi_dot(nv.sig()), 15);
  SigBuilder ndv; ndv.arrays({{2, 3, 4}, {4}});
  EXPECT_EQ(U::multi_dot(ndv.sig()), 14);
  // Every product at least 1, an empty one included.
  SigBuilder empty; empty.arrays({{3, 0}, {0, 4}, {4, 2}});
  EXPECT_EQ(U::multi_dot(empty.sig()), 2);
  SigBuilder empty2; empty2.arrays({{3, 0}, {0, 4}});
  EXPECT_EQ(U::multi_dot(empty2.sig()), 1);
  SigBuilder chain; chain.arrays({{10, 30}, {30, 5}, {5, 60}});
  // (AB)C: 10x5 outputs of 30 terms, then 10x60 of 5: 50*59 + 600*9.
  EXPECT_EQ(U::multi_dot(chain.sig()), 50 * 59 + 600 * 9);
}

TEST(Flopscope012, StatisticsCountingPolynomial) {
  namespace S = flopscope::formulas::statistics::flopscope012;
  namespace C = flopscope::formulas::counting::flopscope012;
  namespace P = flopscope::formulas::polynomial;
  SigBuilder a; a.array({3, 4});
  EXPECT_EQ(S::median(a.sig()), 12);                        // the input size
  EXPECT_EQ(S::nanmedian(a.sig()), 24);                     // + the nan scan
  SigBuilder q1; q1.array({7}).array({});                    // one quantile of 7: 7 min(1, 1) + 4
  EXPECT_EQ(S::quantiles(q1.sig()), 11);
  EXPECT_EQ(S::nanquantiles(q1.sig()), 18);
  SigBuilder q3; q3.array({2, 100}).array({3}).integer(1);  // per row: 100 min(3, 1 + 4*2) + 12
  EXPECT_EQ(S::quantiles(q3.sig()), 2 * (300 + 12));
  SigBuilder u; u.array({3, 4});
  EXPECT_EQ(S::unwrap(u.sig()), 13 * 12);
  SigBuilder x; x.array({7});                                 // one variable of 7 observations
  EXPECT_EQ(S::cov(x.sig()), 2 * 7 + 2 * 7);
  EXPECT_EQ(S::corrcoef(x.sig()), 28 + 2 + 1);
  EXPECT_EQ(S::average(x.sig()), 6 + 1);                     // the sum, one division
  SigBuilder w; w.array({7}).absent().array({7});            // weighted: 3n - M
  EXPECT_EQ(S::average(w.sig()), 20);
  SigBuilder sets; sets.array({7}).array({7});              // sort(7) + sort(7) + sort(14)
  EXPECT_EQ(C::intersect1d(sets.sig()), 21 + 21 + 56);
  EXPECT_EQ(C::isin(sets.sig()), 2 * 49);                   // NumPy's loop path: 2nm
  SigBuilder big; big.array({24}).array({24});              // the sorted path: (n + m) ceil(log2(n + m))
  EXPECT_EQ(C::isin(big.sig()), 48 * 6);
  SigBuilder ints; ints.array({7}, 5).array({7}, 5);         // int32: the sorted (table) path
  EXPECT_EQ(C::isin(ints.sig()), 14 * 4);
  SigBuilder y; y.array({3, 4});
  EXPECT_EQ(C::trapezoid(y.sig()), 48);
  SigBuilder pv; pv.array({7}).array({7});                  // 2 deg per point
  EXPECT_EQ(P::flopscope012::polyval(pv.sig()), 2 * 6 * 7);
  SigBuilder m; m.integer(5);                                // windows: 18 / 40 / 23 per sample
  EXPECT_EQ(P::window<18>(m.sig()), 90);
  EXPECT_EQ(P::window<40>(m.sig()), 200);
}

TEST(Flopscope012, StagedRealTransforms) {
  namespace F = flopscope::formulas::fft::flopscope012;
  // rfft2 of (3, 4): real stage 5 (4//2) 2 x 3 rows, then a complex stage of 3 over 3 columns.
  SigBuilder a; a.array({3, 4});
  EXPECT_EQ(F::rfft2(a.sig()), 60 + 90);
  // irfft2 of (3, 4): the complex stage over 4 columns, then real stages of 6 (= 2(4 - 1)) x 3.
  EXPECT_EQ(F::irfft2(a.sig()), 120 + 135);
  SigBuilder b; b.array({2, 3, 4});
  EXPECT_EQ(F::rfftn(b.sig()), 120 + 180 + 90);
  EXPECT_EQ(F::irfftn(b.sig()), 270 + 240 + 120);
}

TEST(Flopscope012, TrianglesKeepTheirCells) {
  namespace M = flopscope::formulas::misc;
  SigBuilder a; a.array({3, 4});
  EXPECT_EQ(M::flopscope012::tril(a.sig()), 1 + 2 + 3);
  EXPECT_EQ(M::flopscope012::triu(a.sig()), 4 + 3 + 2);
  SigBuilder v; v.array({7});                        // a 1-d m is a 7 x 7 square
  EXPECT_EQ(M::flopscope012::tril(v.sig()), 28);
  SigBuilder k; k.array({2, 4, 4}).integer(-1);      // below the diagonal, two matrices
  EXPECT_EQ(M::flopscope012::tril(k.sig()), 2 * 6);
  EXPECT_EQ(M::flopscope012::triu(k.sig()), 2 * 13);
  EXPECT_EQ(M::masked_copy(a.sig()), 0);             // the primer: free
  SigBuilder pair; pair.array({3, 1}).array({4});
  EXPECT_EQ(M::pair_elements(pair.sig()), 12);
  EXPECT_EQ(M::flopscope012::allclose(pair.sig()), 72 + 11);  // isclose 6n + all (n - 1)
  SigBuilder z; z.array({});
  EXPECT_THROW(M::masked_copy(z.sig()), SignatureError);
}

TEST(Flopscope012, PadAndFloors) {
  SigBuilder p; p.array({3, 4}).table({1}, -1);  // pad_width 1: a (5, 6) result, constant mode
  EXPECT_EQ(flopscope::formulas::misc::flopscope012::pad(p.sig()), 30);
  const auto& reg = flopscope::OpRegistry::instance();
  const flopscope::OpId polyval = reg.find("polyval");
  const flopscope::Profile f = flopscope::parse_profile("floors", "floor.polyval 1\n");
  EXPECT_EQ(flopscope::cost::formula_call(f, polyval, 0), 1);
  EXPECT_EQ(flopscope::cost::formula_call(f, polyval, 12), 12);
  EXPECT_EQ(flopscope::cost::formula_call(flopscope::profile_by_name("primer"), polyval, 0), 0);
  const flopscope::OpId isnan = flopscope::OpRegistry::instance().intern("isnan", flopscope::CostRule::Pointwise);
  const flopscope::Profile pf = flopscope::parse_profile("pf", "pointwise.floor 1\nfloor.isnan 0\n");
  EXPECT_EQ(flopscope::cost::pointwise(pf, isnan, 0), 0);   // its own floor replaces pointwise.floor
  EXPECT_EQ(flopscope::cost::pointwise(pf, polyval, 0), 1);
}

TEST(LinalgFlopscope012, ProfilesSelectTheSet) {
  const auto& reg = flopscope::OpRegistry::instance();
  const flopscope::OpId svd = reg.find("linalg.svd"), solve = reg.find("linalg.solve");
  ASSERT_GE(svd, 0);
  const flopscope::Profile& up = flopscope::profile_by_name("flopscope-0.12");
  const flopscope::Profile& primer = flopscope::profile_by_name("primer");
  EXPECT_EQ(up.formula(svd, reg.info(svd).formula), &U::svd);
  EXPECT_EQ(up.formula(solve, reg.info(solve).formula), reg.info(solve).formula);  // the same in both sets
  EXPECT_EQ(primer.formula(svd, reg.info(svd).formula), reg.info(svd).formula);
  EXPECT_THROW(flopscope::parse_profile("bad", "formulas nonesuch"), std::invalid_argument);
}

TEST(Flopscope012Formulas, HistogramsAsUpstreamCountsThem) {
  namespace C = flopscope::formulas::counting::flopscope012;
  SigBuilder h; h.array({100});  // bins absent: 10, ceil(log2 10) = 4 per sample
  EXPECT_EQ(C::histogram(h.sig()), 400);
  SigBuilder e; e.array({100}).ints({-1, 0, 1, 2, 3});  // 5 edges given: ceil(log2 5) = 3
  EXPECT_EQ(C::histogram(e.sig()), 300);
  SigBuilder s; s.array({100}).str("doane");  // the passes; the search is billed after NumPy ran
  EXPECT_EQ(C::histogram(s.sig()), 800);
  SigBuilder be; be.array({100}).str("auto");
  EXPECT_EQ(C::histogram_bin_edges(be.sig()), 300);
  SigBuilder bad; bad.array({100}).str("nonsense");
  EXPECT_THROW(C::histogram(bad.sig()), flopscope::SignatureError);
  SigBuilder dd; dd.array({50, 2}).ints({3, 7});  // per dimension: 2 + 3
  EXPECT_EQ(C::histogramdd(dd.sig()), 50 * 5);
  SigBuilder two; two.array({50}).array({50}).absent();
  EXPECT_EQ(C::histogram2d(two.sig()), 50 * 8);
}

// Upstream 0.12.4 bills logspace and geomspace one power per sample of each
// broadcast endpoint element, with no spacing arithmetic for array endpoints.
TEST(Flopscope012Formulas, LogspaceGeomspaceOnePowerPerSampleOnly) {
  namespace MU = flopscope::formulas::misc::flopscope012;
  SigBuilder l; l.array({2, 1}).array({3}).integer(4).absent().array({3});
  EXPECT_EQ(MU::logspace(l.sig()), 4 * 6);
  SigBuilder g; g.array({2}).array({}).integer(5);
  EXPECT_EQ(MU::geomspace(g.sig()), 10);
  SigBuilder sc; sc.array({}).array({}).integer(5);
  EXPECT_EQ(MU::geomspace(sc.sig()), 5);
  SigBuilder bad; bad.array({2}).array({3}).integer(4);
  EXPECT_THROW(MU::logspace(bad.sig()), SignatureError);
}

#include "flopscope/formulas/stats.hpp"

TEST(Flopscope012Formulas, StatsFlatCountPerBroadcastElementAtLeastOne) {
  namespace St = flopscope::formulas::stats;
  SigBuilder v; v.array({1000}).absent().absent();
  EXPECT_EQ(St::flopscope012::per_element<48>(v.sig()), 48'000);  // norm.cdf: 48 per element (x 2 at float64's rate)
  SigBuilder b; b.array({10, 1}).array({20}).absent();              // x (10, 1) with loc (20,): 200 elements
  EXPECT_EQ(St::flopscope012::per_element<27>(b.sig()), 27 * 200);
  SigBuilder empty; empty.array({0}).absent().absent();             // upstream bills an empty call one element
  EXPECT_EQ(St::flopscope012::per_element<83>(empty.sig()), 83);
  EXPECT_EQ(St::per_element<5>(empty.sig()), 0);                    // the primer's: nothing
  SigBuilder bad; bad.array({3}).array({4}).absent();
  EXPECT_THROW(St::flopscope012::per_element<1>(bad.sig()), SignatureError);
  const auto& reg = flopscope::OpRegistry::instance();
  const flopscope::OpId cdf = reg.find("stats.norm.cdf");
  ASSERT_GE(cdf, 0);
  EXPECT_EQ(flopscope::profile_by_name("flopscope-0.12").formula(cdf, reg.info(cdf).formula),
            &St::flopscope012::per_element<48>);
  EXPECT_EQ(flopscope::profile_by_name("primer").formula(cdf, reg.info(cdf).formula), reg.info(cdf).formula);
}

TEST(Flopscope012Formulas, ConversionBillsTheHigherRatedDtypeSourceOnATie) {
  namespace cost = flopscope::cost;
  const flopscope::Profile& up = flopscope::profile_by_name("flopscope-0.12");
  const flopscope::OpId astype = flopscope::OpRegistry::instance().find("astype");
  ASSERT_GE(astype, 0);
  const flopscope::dtype::Dtype f4{'f', 32}, f8{'f', 64}, c8{'c', 64}, c16{'c', 128}, i4{'i', 32};
  EXPECT_EQ(cost::conversion_billed(up, astype, 1000, f4, c8), 1000);   // tie: float32's rate, no complex factor
  EXPECT_EQ(cost::conversion_billed(up, astype, 1000, c8, f4), 2000);   // tie: complex64's factor 2
  EXPECT_EQ(cost::conversion_billed(up, astype, 1000, f4, i4), 1000);   // not promoted to float64
  EXPECT_EQ(cost::conversion_billed(up, astype, 1000, i4, f4), 1000);
  EXPECT_EQ(cost::conversion_billed(up, astype, 1000, f4, f8), 2000);   // the result's higher rate
  EXPECT_EQ(cost::conversion_billed(up, astype, 1000, f4, c16), 4000);  // complex128: rate 2 x factor 2
  EXPECT_EQ(cost::conversion_billed(up, astype, 1000, f8, c16), 2000);  // tie: float64's
  EXPECT_EQ(cost::conversion_billed(flopscope::profile_by_name("primer"), astype, 1000, f4, c16), 1000);  // dtype-blind
}
