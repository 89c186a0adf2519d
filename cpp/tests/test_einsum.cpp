// einsum parsing, path pricing and path search (cost per primer: a multiply-add
// counted once, a k-operand step costs (k-1) * product of its extents).
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "flopscope/einsum.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace fs = flopscope;
namespace es = flopscope::einsum;
using Shapes = std::vector<std::vector<fs::cost::Extent>>;

namespace {
const fs::Profile& primer() { return fs::profile_by_name("primer"); }
fs::OpId einsum_op() { return fs::OpRegistry::instance().intern("einsum", fs::CostRule::Contraction); }
int L(char c) { return c >= 'a' ? c - 'a' : 26 + (c - 'A'); }
fs::Flops price(const char* subs, const Shapes& shapes, const es::Path& path = {}) {
  return es::path_cost(primer(), einsum_op(), es::parse(subs, shapes), path);
}
}  // namespace

TEST(EinsumParse, ExplicitOutput) {
  auto e = es::parse("ij,jk->ik", Shapes{{2, 3}, {3, 4}});
  ASSERT_EQ(e.inputs.size(), 2u);
  EXPECT_EQ(e.inputs[0], (std::vector<int>{L('i'), L('j')}));
  EXPECT_EQ(e.inputs[1], (std::vector<int>{L('j'), L('k')}));
  EXPECT_EQ(e.output, (std::vector<int>{L('i'), L('k')}));
  EXPECT_EQ(e.extents[L('i')], 2);
  EXPECT_EQ(e.extents[L('j')], 3);
  EXPECT_EQ(e.extents[L('k')], 4);
}

TEST(EinsumParse, ImplicitOutputIsSortedSingletons) {
  auto e = es::parse("ij,jk", Shapes{{2, 3}, {3, 4}});
  EXPECT_EQ(e.output, (std::vector<int>{L('i'), L('k')}));
  auto t = es::parse("ji", Shapes{{2, 3}});
  EXPECT_EQ(t.output, (std::vector<int>{L('i'), L('j')}));
  auto tr = es::parse("ii", Shapes{{3, 3}});
  EXPECT_TRUE(tr.output.empty());
  auto dot = es::parse("i,i", Shapes{{5}, {5}});
  EXPECT_TRUE(dot.output.empty());
}

TEST(EinsumParse, Ellipsis) {
  auto e = es::parse("...ij,...jk->...ik", Shapes{{5, 2, 3}, {3, 4}});
  ASSERT_EQ(e.inputs[0].size(), 3u);
  ASSERT_EQ(e.inputs[1].size(), 2u);
  ASSERT_EQ(e.output.size(), 3u);
  EXPECT_EQ(e.extents[e.inputs[0][0]], 5);
  EXPECT_EQ(e.output[0], e.inputs[0][0]);
  // batched matmul priced as batch*M*N*K
  EXPECT_EQ(es::path_cost(primer(), einsum_op(), e, {}), 5 * 2 * 3 * 4);
  // implicit output with ellipsis keeps the broadcast axes first
  auto imp = es::parse("...ij,...jk", Shapes{{5, 2, 3}, {5, 3, 4}});
  ASSERT_EQ(imp.output.size(), 3u);
  EXPECT_EQ(imp.output[0], imp.inputs[0][0]);
  EXPECT_EQ(imp.output[1], L('i'));
  EXPECT_EQ(imp.output[2], L('k'));
}

TEST(EinsumParse, EllipsisInTheMiddleAndRightAligned) {
  // 'a...b' on a 4-d operand: a, two broadcast axes, b; operands with fewer
  // broadcast axes line up from the right, and '...' in the output keeps its place.
  auto e = es::parse("a...b,...b->...a", Shapes{{2, 5, 6, 3}, {6, 3}});
  ASSERT_EQ(e.inputs[0].size(), 4u);
  EXPECT_EQ(e.inputs[0][0], L('a'));
  EXPECT_EQ(e.inputs[0][3], L('b'));
  EXPECT_EQ(e.inputs[1], (std::vector<int>{e.inputs[0][2], L('b')}));  // the axis of extent 6
  EXPECT_EQ(e.extents[e.inputs[0][1]], 5);
  EXPECT_EQ(e.extents[e.inputs[0][2]], 6);
  EXPECT_EQ(e.output, (std::vector<int>{e.inputs[0][1], e.inputs[0][2], L('a')}));
  EXPECT_EQ(es::path_cost(primer(), einsum_op(), e, {}), 2 * 5 * 6 * 3);  // one step, b summed
  // Spaces are ignored; a repeated ellipsis or a stray dot is refused.
  EXPECT_EQ(es::parse(" i j , j k -> i k ", Shapes{{2, 3}, {3, 4}}).output, (std::vector<int>{L('i'), L('k')}));
  EXPECT_THROW(es::parse("...i...->i", Shapes{{2, 3}}), std::invalid_argument);
  EXPECT_THROW(es::parse("i.j->ij", Shapes{{2, 3}}), std::invalid_argument);
}

TEST(EinsumParse, BroadcastOneExtent) {
  auto e = es::parse("ij,ij->ij", Shapes{{1, 3}, {4, 3}});
  EXPECT_EQ(e.extents[L('i')], 4);
  auto f = es::parse("ij,ij->ij", Shapes{{4, 3}, {1, 3}});
  EXPECT_EQ(f.extents[L('i')], 4);
}

TEST(EinsumParse, Errors) {
  // extent mismatch for the same label
  EXPECT_THROW(es::parse("ij,jk->ik", Shapes{{2, 3}, {4, 5}}), std::invalid_argument);
  // wrong operand count
  EXPECT_THROW(es::parse("ij,jk->ik", Shapes{{2, 3}}), std::invalid_argument);
  EXPECT_THROW(es::parse("ij->ij", Shapes{{2, 3}, {3, 4}}), std::invalid_argument);
  // wrong number of axes
  EXPECT_THROW(es::parse("ijk->i", Shapes{{2, 3}}), std::invalid_argument);
  EXPECT_THROW(es::parse("i->i", Shapes{{2, 3}}), std::invalid_argument);
  // output label not among the inputs / repeated
  EXPECT_THROW(es::parse("ij->iz", Shapes{{2, 3}}), std::invalid_argument);
  EXPECT_THROW(es::parse("ij->ii", Shapes{{2, 3}}), std::invalid_argument);
  // bad characters and malformed ellipses
  EXPECT_THROW(es::parse("i1->i", Shapes{{2, 3}}), std::invalid_argument);
  EXPECT_THROW(es::parse("..i->i", Shapes{{2, 3}}), std::invalid_argument);
  EXPECT_THROW(es::parse("...i...->i", Shapes{{2, 3}}), std::invalid_argument);
  // ellipsis operand with fewer axes than letters
  EXPECT_THROW(es::parse("...ijk->i", Shapes{{2, 3}}), std::invalid_argument);
}

TEST(EinsumPathCost, BinaryMatmul) {
  EXPECT_EQ(price("ij,jk->ik", Shapes{{2, 3}, {3, 4}}), 24);
  EXPECT_EQ(price("ij,jk->ik", Shapes{{100, 100}, {100, 100}}), 1000000);
  EXPECT_EQ(price("ij,jk->ik", Shapes{{2, 3}, {3, 4}}, {{0, 1}}), 24);
  EXPECT_EQ(price("bij,bjk->bik", Shapes{{5, 3, 4}, {5, 4, 2}}), 120);
}

TEST(EinsumPathCost, SingleOperand) {
  EXPECT_EQ(price("ii->", Shapes{{4, 4}}), 4);       // trace: sums the 4 diagonal cells (product of label extents)
  EXPECT_EQ(price("ij->", Shapes{{3, 4}}), 12);      // full sum: input size
  EXPECT_EQ(price("ij->i", Shapes{{3, 4}}), 12);     // row sums: input size
  EXPECT_EQ(price("ij->ji", Shapes{{3, 4}}), 0);     // transpose: free
  EXPECT_EQ(price("ii->i", Shapes{{4, 4}}), 0);      // diagonal: free
  EXPECT_EQ(price("ij", Shapes{{3, 4}}), 0);         // identity
}

TEST(EinsumPathCost, OuterAndDot) {
  EXPECT_EQ(price("i,j->ij", Shapes{{3}, {5}}), 15);
  EXPECT_EQ(price("i,i->", Shapes{{7}, {7}}), 7);
  EXPECT_EQ(price("i,i", Shapes{{7}, {7}}), 7);
}

TEST(EinsumPathCost, ThreeOperandsExplicitPaths) {
  Shapes shapes{{10, 20}, {20, 30}, {30, 40}};  // i=10 j=20 k=30 l=40
  // one step over all three: (3-1) * 10*20*30*40
  EXPECT_EQ(price("ij,jk,kl->il", shapes), 2 * 240000);
  EXPECT_EQ(price("ij,jk,kl->il", shapes, {{0, 1, 2}}), 2 * 240000);
  // (ij,jk)->ik: 6000, then (kl,ik)->il: 12000
  std::vector<es::StepCost> steps;
  auto expr = es::parse("ij,jk,kl->il", shapes);
  EXPECT_EQ(es::path_cost(primer(), einsum_op(), expr, {{0, 1}, {0, 1}}, &steps), 18000);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].flops, 6000);
  EXPECT_EQ(steps[1].flops, 12000);
  EXPECT_EQ(steps[0].operands, (std::vector<int>{0, 1}));
  // (jk,kl)->jl: 24000, then (ij,jl)->il: 8000
  EXPECT_EQ(price("ij,jk,kl->il", shapes, {{1, 2}, {0, 1}}), 32000);
  // (ij,kl) is an outer product over i,j,k,l: 240000, then 240000 again
  EXPECT_EQ(price("ij,jk,kl->il", shapes, {{0, 2}, {0, 1}}), 480000);
}

TEST(EinsumPathCost, InvalidPaths) {
  auto expr = es::parse("ij,jk,kl->il", Shapes{{2, 3}, {3, 4}, {4, 5}});
  EXPECT_THROW(es::path_cost(primer(), einsum_op(), expr, {{0, 3}}), std::invalid_argument);
  EXPECT_THROW(es::path_cost(primer(), einsum_op(), expr, {{0, 0}, {0, 1}}), std::invalid_argument);
  EXPECT_THROW(es::path_cost(primer(), einsum_op(), expr, {{0, 1}}), std::invalid_argument);
  EXPECT_THROW(es::path_cost(primer(), einsum_op(), expr, {{}, {0, 1, 2}}), std::invalid_argument);
  EXPECT_THROW(es::path_cost(primer(), einsum_op(), expr, {{-1, 0}, {0, 1}}), std::invalid_argument);
}

TEST(EinsumFindPath, OptimalBeatsOrTiesGreedy) {
  Shapes shapes{{10, 20}, {20, 30}, {30, 40}};
  auto expr = es::parse("ij,jk,kl->il", shapes);
  auto greedy = es::find_path(primer(), einsum_op(), expr, "greedy");
  auto optimal = es::find_path(primer(), einsum_op(), expr, "optimal");
  ASSERT_EQ(greedy.size(), 2u);
  ASSERT_EQ(optimal.size(), 2u);
  fs::Flops g = es::path_cost(primer(), einsum_op(), expr, greedy);
  fs::Flops o = es::path_cost(primer(), einsum_op(), expr, optimal);
  EXPECT_LE(o, g);
  EXPECT_EQ(o, 18000);  // hand-computed best: (ij,jk) first
  EXPECT_LT(o, 2 * 240000);
}

TEST(EinsumFindPath, FourOperandChain) {
  // i=2 j=50 k=3 l=50 m=4 : the best order avoids the 50x50 intermediates
  Shapes shapes{{2, 50}, {50, 3}, {3, 50}, {50, 4}};
  auto expr = es::parse("ij,jk,kl,lm->im", shapes);
  auto greedy = es::find_path(primer(), einsum_op(), expr, "greedy");
  auto optimal = es::find_path(primer(), einsum_op(), expr, "optimal");
  fs::Flops g = es::path_cost(primer(), einsum_op(), expr, greedy);
  fs::Flops o = es::path_cost(primer(), einsum_op(), expr, optimal);
  EXPECT_LE(o, g);
  // (ij,jk)->ik 300; (ik,kl)->il 300; (il,lm)->im 400 = 1000
  // alternative: (ij,jk)->ik 300, (kl,lm)->km 600, (ik,km)->im 24 = 924 (best)
  EXPECT_EQ(o, 924);
}

TEST(EinsumFindPath, SmallCounts) {
  auto one = es::parse("ij->", Shapes{{3, 4}});
  EXPECT_EQ(es::find_path(primer(), einsum_op(), one, "greedy"), (es::Path{{0}}));
  auto two = es::parse("ij,jk->ik", Shapes{{3, 4}, {4, 5}});
  EXPECT_EQ(es::find_path(primer(), einsum_op(), two, "optimal"), (es::Path{{0, 1}}));
}

namespace {

// Every sequential pairwise path over n operands (a brute-force reference that
// uses only path_cost, not the search under test).
void all_pairwise_paths(std::size_t n, es::Path& current, std::vector<es::Path>* out) {
  if (n == 1) {
    out->push_back(current);
    return;
  }
  for (int i = 0; i < static_cast<int>(n); ++i)
    for (int j = i + 1; j < static_cast<int>(n); ++j) {
      current.push_back({i, j});
      all_pairwise_paths(n - 1, current, out);
      current.pop_back();
    }
}

// A random expression: each operand takes 1-3 of `n_labels` letters; the output
// keeps a random subset of the labels used.
std::pair<std::string, Shapes> random_expression(std::mt19937& rng, int n_ops, int n_labels) {
  std::uniform_int_distribution<int> extent(1, 6), count(1, 3), label(0, n_labels - 1), coin(0, 1);
  std::vector<int> size(n_labels);
  for (int& e : size) e = extent(rng);
  std::string subs;
  Shapes shapes;
  std::vector<bool> used(n_labels, false);
  for (int o = 0; o < n_ops; ++o) {
    if (o) subs += ',';
    std::vector<fs::cost::Extent> shape;
    for (int k = count(rng); k > 0; --k) {
      int l = label(rng);
      subs += static_cast<char>('a' + l);
      shape.push_back(size[l]);
      used[l] = true;
    }
    shapes.push_back(shape);
  }
  subs += "->";
  for (int l = 0; l < n_labels; ++l)
    if (used[l] && coin(rng)) subs += static_cast<char>('a' + l);
  return {subs, shapes};
}

}  // namespace

TEST(EinsumFindPath, OptimalIsTheCheapestPairwisePathAgainstBruteForce) {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 60; ++trial) {
    const int n_ops = 3 + trial % 4;  // 3..6 operands
    auto [subs, shapes] = random_expression(rng, n_ops, 6);
    SCOPED_TRACE(subs);
    const auto expr = es::parse(subs, shapes);
    std::vector<es::Path> paths;
    es::Path current;
    all_pairwise_paths(expr.inputs.size(), current, &paths);
    fs::Flops cheapest = std::numeric_limits<fs::Flops>::max();
    for (const auto& p : paths) cheapest = std::min(cheapest, es::path_cost(primer(), einsum_op(), expr, p));
    const auto optimal = es::find_path(primer(), einsum_op(), expr, "optimal");
    EXPECT_EQ(es::path_cost(primer(), einsum_op(), expr, optimal), cheapest);
    const auto greedy = es::find_path(primer(), einsum_op(), expr, "greedy");
    EXPECT_EQ(greedy.size(), expr.inputs.size() - 1);
    EXPECT_GE(es::path_cost(primer(), einsum_op(), expr, greedy), cheapest);
  }
}

TEST(EinsumFindPath, OptimalHandlesTwelveOperandsAndFallsBackToGreedyBeyond) {
  // A 12-matrix chain: the DP search must finish and beat or tie greedy.
  std::string subs;
  Shapes shapes;
  const int dims[] = {5, 40, 3, 60, 2, 50, 7, 30, 4, 80, 6, 20, 9, 10};
  for (int i = 0; i < 13; ++i) {
    if (i) subs += ',';
    subs += static_cast<char>('a' + i);
    subs += static_cast<char>('a' + i + 1);
    shapes.push_back({dims[i], dims[i + 1]});
  }
  subs += "->an";
  auto expr13 = es::parse(subs, shapes);  // 13 operands: greedy
  EXPECT_EQ(es::find_path(primer(), einsum_op(), expr13, "optimal"),
            es::find_path(primer(), einsum_op(), expr13, "greedy"));
  shapes.pop_back();
  auto expr12 = es::parse(subs.substr(0, subs.rfind(',')) + "->am", shapes);
  auto optimal = es::find_path(primer(), einsum_op(), expr12, "optimal");
  auto greedy = es::find_path(primer(), einsum_op(), expr12, "greedy");
  EXPECT_EQ(optimal.size(), 11u);
  EXPECT_LE(es::path_cost(primer(), einsum_op(), expr12, optimal), es::path_cost(primer(), einsum_op(), expr12, greedy));
}

// spec 2.8: upstream bills a 3+-operand einsum by a path even with optimize=False.
TEST(Einsum, UnoptimizedCallsArePricedByAPathOnlyWhereTheProfileSaysSo) {
  const auto op = flopscope::OpRegistry::instance().intern("einsum", flopscope::CostRule::Contraction);
  const auto expr = flopscope::einsum::parse("ij,jk,kl,l->i", {{8, 16}, {16, 4}, {4, 10}, {10}});
  const flopscope::Profile& up = flopscope::profile_by_name("flopscope-0.12");
  const auto path = flopscope::einsum::unoptimized_pricing_path(up, op, expr);
  // C v first (76), then B (Cv) (112), then A (...) (248): 436 FLOPs at FMA 2.
  EXPECT_EQ(flopscope::einsum::path_cost(up, op, expr, path), 436);
  EXPECT_TRUE(flopscope::einsum::unoptimized_pricing_path(flopscope::profile_by_name("primer"), op, expr).empty());
  const auto two = flopscope::einsum::parse("ij,jk->ik", {{8, 16}, {16, 4}});
  EXPECT_TRUE(flopscope::einsum::unoptimized_pricing_path(up, op, two).empty());
}

TEST(Einsum, OutCopyOnlyWhereTheProfileSaysSo) {
  EXPECT_EQ(flopscope::einsum::out_copy_cost(flopscope::profile_by_name("flopscope-0.12"), 16), 16);
  EXPECT_EQ(flopscope::einsum::out_copy_cost(flopscope::profile_by_name("primer"), 16), 0);
}
