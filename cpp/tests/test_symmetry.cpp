// Symmetric tensors: group interning, Burnside orbit counts, propagation and
// the contraction engine's symmetric prices (spec 5.4, 2.6-2.8). Expected
// figures: counted by hand (orbits), or upstream flopscope 0.12.4's bills
// measured side by side (noted where so; before the dtype rate).
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "flopscope/einsum.hpp"
#include "flopscope/formulas/linalg_flopscope012.hpp"
#include "flopscope/formulas/symmetry.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"
#include "flopscope/symmetry.hpp"
#include "signature_builder.hpp"

namespace fs = flopscope;
namespace sym = flopscope::symmetry;
using Ext = std::vector<fs::cost::Extent>;
using Shapes = std::vector<std::vector<fs::cost::Extent>>;

namespace {
sym::Id s2() { return sym::intern(2, {{1, 0}}); }
sym::Id s3() { return sym::intern(3, {{0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}); }
sym::Id c3() { return sym::intern(3, {{1, 2, 0}, {2, 0, 1}}); }
sym::Id c4() { return sym::intern(4, {{1, 2, 3, 0}, {2, 3, 0, 1}, {3, 0, 1, 2}}); }
const fs::Profile& upstream() { return fs::profile_by_name("flopscope-0.12"); }
const fs::Profile& primer() { return fs::profile_by_name("primer"); }
fs::OpId einsum_op() { return fs::OpRegistry::instance().intern("einsum", fs::CostRule::Contraction); }
std::vector<sym::Perm> elements(sym::Id id) { return id == 0 ? std::vector<sym::Perm>{} : sym::group(id).elements; }
}  // namespace

TEST(Symmetry, InternIsCanonicalAndTrivialIsZero) {
  EXPECT_EQ(s2(), s2());
  EXPECT_NE(s2(), 0u);
  EXPECT_EQ(sym::intern(2, {}), 0u);
  EXPECT_EQ(sym::intern(3, {{0, 1, 2}}), 0u);
  EXPECT_EQ(sym::group(s3()).elements.size(), 6u);
  EXPECT_EQ(sym::ndim(s3()), 3);
}

TEST(Symmetry, InternRefusesNonGroups) {
  EXPECT_THROW(sym::intern(2, {{0, 0}}), std::invalid_argument);
  EXPECT_THROW(sym::intern(2, {{1, 0, 2}}), std::invalid_argument);
  // {id, (0 1 2)} is not closed: (0 1 2)^2 is missing.
  EXPECT_THROW(sym::intern(3, {{1, 2, 0}}), std::invalid_argument);
}

TEST(Symmetry, BurnsideOrbitCounts) {
  // S2 on n x n: n(n+1)/2.
  EXPECT_EQ(sym::orbit_count(Ext{128, 128}, s2()), 8256);
  EXPECT_EQ(sym::orbit_count(Ext{64, 64}, s2()), 2080);
  // S3 on 4^3: C(6,3) = 20; C3 on 4^3: (64 + 2*4)/3 = 24.
  EXPECT_EQ(sym::orbit_count(Ext{4, 4, 4}, s3()), 20);
  EXPECT_EQ(sym::orbit_count(Ext{4, 4, 4}, c3()), 24);
  // No group: every element.
  EXPECT_EQ(sym::orbit_count(Ext{3, 5}, 0), 15);
  EXPECT_TRUE(sym::fits(Ext{3, 3}, s2()));
  EXPECT_FALSE(sym::fits(Ext{3, 4}, s2()));
}

TEST(Symmetry, PointwiseIntersectsAndDropsStretchedAxes) {
  const Ext nn{5, 5}, row{5}, col{5, 1}, scalar{};
  std::vector<sym::Operand> ops = {{nn, s2()}, {nn, s2()}};
  EXPECT_EQ(sym::pointwise(ops, nn), s2());
  ops = {{nn, s2()}, {scalar, 0}};  // S * 1.5 keeps S2
  EXPECT_EQ(sym::pointwise(ops, nn), s2());
  ops = {{nn, s2()}, {nn, 0}};  // S + A: A's values differ along both axes
  EXPECT_EQ(sym::pointwise(ops, nn), 0u);
  ops = {{nn, s2()}, {row, 0}};  // S + v (broadcast along axis 0)
  EXPECT_EQ(sym::pointwise(ops, nn), 0u);
  ops = {{col, 0}, {row, 0}};
  EXPECT_EQ(sym::pointwise(ops, nn), 0u);
  // A tagged (1, 5, 5) broadcast to (3, 5, 5): the S2 on its last two axes survives, shifted.
  const sym::Id s2_last = sym::intern(3, {{0, 2, 1}});
  ops = {{Ext{1, 5, 5}, s2_last}};
  EXPECT_EQ(sym::pointwise(ops, Ext{3, 5, 5}), s2_last);
  ops = {{nn, s2()}};
  EXPECT_EQ(sym::pointwise(ops, Ext{3, 5, 5}), s2_last);
}

TEST(Symmetry, ReductionKeepsTheSetwiseStabilizer) {
  const bool first[] = {true, false, false};
  auto r = sym::reduce(s3(), first, false);
  EXPECT_EQ(r.output, s2());  // sum(S3, axis=0) -> S2
  EXPECT_EQ(sym::reduce(c3(), first, false).output, 0u);  // C3 over one axis -> nothing
  const bool odd[] = {false, true, false, true};
  EXPECT_EQ(sym::reduce(c4(), odd, false).output, s2());  // C4 over (1, 3) -> C2
  const bool all[] = {true, true};
  r = sym::reduce(s2(), all, false);
  EXPECT_EQ(r.stabilizer, s2());
  EXPECT_EQ(r.output, 0u);
  const bool axis0[] = {true, false};
  EXPECT_EQ(sym::reduce(s2(), axis0, false).stabilizer, 0u);  // measured upstream: sum(S, axis=0) is dense
}

TEST(Symmetry, SelectionAndTranspose) {
  // s[:3, :3]: both axes kept, selected alike.
  const int both[] = {0, 1}, alike[] = {0, 0}, differ[] = {0, 1}, first_gone[] = {-1, 0};
  EXPECT_EQ(sym::select(s2(), both, alike), s2());
  EXPECT_EQ(sym::select(s2(), both, differ), 0u);  // s[:3, :2] or s[1:4, :3]
  const int one[] = {1};
  EXPECT_EQ(sym::select(s2(), one, first_gone), 0u);  // s[0]
  const int with_new[] = {-1, 0, 1};  // s[None]
  EXPECT_EQ(sym::select(s2(), with_new, alike), sym::intern(3, {{0, 2, 1}}));
  const int swap[] = {1, 0};
  EXPECT_EQ(sym::permute(s2(), swap), s2());
  const sym::Id s2_01 = sym::intern(3, {{1, 0, 2}});
  const int rotate[] = {2, 0, 1};
  EXPECT_EQ(sym::permute(s2_01, rotate), sym::intern(3, {{0, 2, 1}}));
}

// Upstream 0.12.4 bills, measured side by side (float32, rate 1; float64 doubles them).
TEST(Symmetry, ContractionOfOneArrayWithItselfBillsTheOrbitsAsUpstream) {
  auto price = [](const char* subs, const Shapes& shapes, std::vector<sym::EinsumOperand> ops,
                  const fs::einsum::Path& path, sym::Id* out) {
    auto expr = fs::einsum::parse(subs, shapes);
    return sym::path_cost(upstream(), einsum_op(), expr, path, ops, true, out);
  };
  sym::Id out = 0;
  // outer(g, g), n = 128: n(n+1)/2 = 8,256 (upstream 16,512 in float64).
  EXPECT_EQ(price("i,j->ij", {{128}, {128}}, {{0, 0, {}}, {0, 0, {}}}, {}, &out), 8256);
  EXPECT_EQ(out, s2());
  // einsum('ki,kj->ij', X, X), X (1000, 128): 16,503,744.
  EXPECT_EQ(price("ki,kj->ij", {{1000, 128}, {1000, 128}}, {{0, 0, {}}, {0, 0, {}}}, {}, &out), 16503744);
  EXPECT_EQ(out, s2());
  // The same with two different arrays is dense: (2K - 1) n^2.
  EXPECT_EQ(price("ki,kj->ij", {{1000, 128}, {1000, 128}}, {{0, -1, {}}, {0, -1, {}}}, {}, &out),
            1999LL * 128 * 128);
  EXPECT_EQ(out, 0u);
  // S @ S for a symmetric S, and inner(A, A): (2n - 1) n(n+1)/2 = 2,105,280 at n = 128.
  EXPECT_EQ(price("ij,jk->ik", {{128, 128}, {128, 128}}, {{s2(), 0, {}}, {s2(), 0, {}}}, {}, &out), 2105280);
  EXPECT_EQ(price("ij,kj->ik", {{128, 128}, {128, 128}}, {{0, 0, {}}, {0, 0, {}}}, {}, &out), 2105280);
  // S @ W: dense (measured 8,355,840 in float64).
  EXPECT_EQ(price("ij,jk->ik", {{128, 128}, {128, 128}}, {{s2(), -1, {}}, {0, -1, {}}}, {}, &out),
            255LL * 128 * 128);
  EXPECT_EQ(out, 0u);
  // einsum('ij,ia,jb->ab', S, W, W) along ((0, 1), (0, 1)), n = 128: 6,283,200
  // (upstream measured 12,566,400 in float64, with S = eye(n) or a tagged S).
  EXPECT_EQ(price("ij,ia,jb->ab", {{128, 128}, {128, 128}, {128, 128}},
                  {{s2(), -1, {}}, {0, 1, {}}, {0, 1, {}}}, {{0, 1}, {0, 1}}, &out),
            6283200);
  EXPECT_EQ(out, s2());
  // ... and with an untagged C: dense, 2 x 255 n^2 (measured 16,711,680 in float64).
  EXPECT_EQ(price("ij,ia,jb->ab", {{128, 128}, {128, 128}, {128, 128}},
                  {{0, -1, {}}, {0, 1, {}}, {0, 1, {}}}, {{0, 1}, {0, 1}}, &out),
            2LL * 255 * 128 * 128);
  EXPECT_EQ(out, 0u);
  // A one-operand sum of a symmetric tensor: orbits - 1 (sum S, n = 128: 8,255).
  EXPECT_EQ(price("ij->", {{128, 128}}, {{s2(), -1, {}}}, {}, &out), 8255);
}

TEST(Symmetry, PrimerPricesDenseButTagsTheOutput) {
  auto expr = fs::einsum::parse("ij,jk->ik", Shapes{{6, 4}, {4, 6}});
  // A @ A.T: operand 1 reads A's axes reversed.
  std::vector<sym::EinsumOperand> ops = {{0, 0, {}}, {0, 0, {1, 0}}};
  sym::Id out = 0;
  EXPECT_EQ(sym::path_cost(primer(), einsum_op(), expr, {}, ops, false, &out), 6 * 4 * 6);
  EXPECT_EQ(out, s2());
}

TEST(Symmetry, FunctionCosts) {
  // k(7n - 1) upstream (measured: as_symmetric of a 128 x 128 float32, one generator: 114,687).
  EXPECT_EQ(sym::validation(128 * 128, 1, true), 114687);
  EXPECT_EQ(sym::validation(128 * 128, 1, false), 16384);
  EXPECT_EQ(sym::validation(10, 0, true), 1);  // upstream bills at least 1
  EXPECT_EQ(sym::validation(10, 0, false), 0);
  EXPECT_EQ(sym::reynolds(16, 2, true), 48);
  EXPECT_EQ(sym::reynolds(16, 2, false), 32);
  EXPECT_EQ(sym::canonical_copy(16, true), 16);
  EXPECT_EQ(sym::canonical_copy(16, false), 0);
}

TEST(Symmetry, FormulasReadTheTagAndTheGroupFigures) {
  using fs::testing::SigBuilder;
  // upstream 0.12.4's inv_cost: n^3/3 + n^3 for a SymmetricTensor (measured 10,922 = 2 x 5,461 at
  // n = 16, float64), 2n^3 otherwise; batches multiply.
  EXPECT_EQ(fs::formulas::linalg::flopscope012::inv(SigBuilder().array({16, 16}).tagged(s2()).sig()), 5461);
  EXPECT_EQ(fs::formulas::linalg::flopscope012::inv(SigBuilder().array({16, 16}).sig()), 8192);
  EXPECT_EQ(fs::formulas::linalg::flopscope012::inv(SigBuilder().array({3, 16, 16}).tagged(s2()).sig()), 3 * 5461);
  // as_symmetric(data, k), symmetrize(data, |G|, mode), random.symmetric(n, |G|, mode).
  namespace f = fs::formulas::symmetry;
  EXPECT_EQ(f::flopscope012::validation(SigBuilder().array({128, 128}).integer(1).sig()), 114687);
  EXPECT_EQ(f::validation(SigBuilder().array({128, 128}).integer(1).sig()), 16384);
  EXPECT_EQ(f::flopscope012::symmetrize(SigBuilder().array({6, 6}).integer(2).str("reynolds-projection").sig()), 108);
  EXPECT_EQ(f::flopscope012::symmetrize(SigBuilder().array({6, 6}).integer(2).str("canonical-copy").sig()), 36);
  EXPECT_EQ(f::symmetrize(SigBuilder().array({6, 6}).integer(2).str("canonical-copy").sig()), 0);
  // Measured upstream: a 4 x 4 S2 sample bills 64 = 16 + 3 x 16.
  EXPECT_EQ(f::flopscope012::random_symmetric(SigBuilder().integer(16).integer(2).str("reynolds-projection").sig()), 64);
  EXPECT_EQ(f::random_symmetric(SigBuilder().integer(16).integer(2).str("reynolds-projection").sig()), 32);
}

TEST(SymmetryRoles, FromTheRoleTable) {
  namespace sym = flopscope::symmetry;
  auto& reg = flopscope::OpRegistry::instance();
  EXPECT_EQ(sym::role(reg.find("fill_diagonal")).role, sym::Role::WritesFirst);
  EXPECT_EQ(sym::role(reg.find("full")).role, sym::Role::CreationFilled);
  EXPECT_EQ(sym::role(reg.find("full")).position, 1);  // fill_value
  EXPECT_EQ(sym::role(reg.find("eye")).position, 2);   // eye(N, M, k)
  EXPECT_EQ(sym::role(reg.find("linalg.inv")).role, sym::Role::KeepsGroup);
  EXPECT_EQ(sym::role(reg.find("sum")).role, sym::Role::None);
  EXPECT_EQ(sym::role(-1).role, sym::Role::None);
}
