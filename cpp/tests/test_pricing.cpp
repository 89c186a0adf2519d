// price() over the rows of the NumPy core functions (formulas/core.hpp) and
// the dtype-billing conventions (cost::billed_for_dtypes): the profile
// conventions these read are tested here, in the core, not only from pytest.
#include <gtest/gtest.h>

#include "flopscope/cost_model.hpp"
#include "flopscope/pricing.hpp"
#include "flopscope/profile.hpp"
#include "signature_builder.hpp"

namespace fs = flopscope;
using fs::testing::SigBuilder;

namespace {

const fs::Profile& primer() { return fs::profile_by_name("primer"); }
fs::OpId row(const char* name) {
  const fs::OpId id = fs::OpRegistry::instance().find(name);
  EXPECT_GE(id, 0) << name;
  return id;
}
fs::Flops priced(const fs::Profile& p, const char* name, const SigBuilder& b) {
  return fs::price(p, row(name), b.sig()).cost;
}
constexpr int kFloat32 = 11, kFloat64 = 12, kComplex128 = 15;

}  // namespace

TEST(Pricing, ReductionsBillTheInputOverAnyAxes) {
  SigBuilder all, one, two, none;
  all.array({3, 4});
  one.array({3, 4}).integer(-1);
  two.array({2, 3, 4}).ints({0, 2});
  none.array({3, 4}).none();
  EXPECT_EQ(priced(primer(), "sum", all), 12);
  EXPECT_EQ(priced(primer(), "mean", one), 12);
  EXPECT_EQ(priced(primer(), "max", two), 24);
  EXPECT_EQ(priced(primer(), "cumsum", none), 12);
  // std: the variance and one square root per output (3 outputs).
  EXPECT_EQ(priced(primer(), "std", one), 12 + 3);
}

TEST(Pricing, ReductionAxisCheckedAsNumPyChecksIt) {
  SigBuilder out_of_range, repeated, scalar;
  out_of_range.array({3, 4}).integer(2);
  repeated.array({3, 4}).ints({1, -1});
  scalar.array({}).integer(5);  // a 0-d operand reduces to one element; NumPy judges the axis
  EXPECT_THROW(priced(primer(), "sum", out_of_range), fs::InvalidCall);
  EXPECT_THROW(priced(primer(), "sum", repeated), fs::InvalidCall);
  EXPECT_EQ(priced(primer(), "sum", scalar), 1);
}

TEST(Pricing, TraceSumsTheDiagonalOfEachSlice) {
  SigBuilder plain, offset, same_axes;
  plain.array({5, 3});
  offset.array({2, 4, 4}).integer(1).integer(1).integer(2);  // 2 slices of a 3-long diagonal
  same_axes.array({3, 3}).absent().integer(0).integer(0);
  EXPECT_EQ(priced(primer(), "trace", plain), 3);
  EXPECT_EQ(priced(primer(), "trace", offset), 6);
  EXPECT_THROW(priced(primer(), "trace", same_axes), fs::InvalidCall);
}

TEST(Pricing, ClipBillsPerBoundUnderClipPerBound) {
  const fs::Profile per_bound = fs::parse_profile("per-bound", "clip.per_bound true\n");
  SigBuilder both, lower, keywords, broadcast;
  both.array({10}).array({}).array({});
  lower.array({10}).array({}).none();
  keywords.array({10}).absent().absent().absent().array({}).array({});  // clip(a, min=, max=)
  broadcast.array({4, 1}).array({5}).none();
  EXPECT_EQ(priced(primer(), "clip", both), 10);
  EXPECT_EQ(priced(per_bound, "clip", both), 20);
  EXPECT_EQ(priced(per_bound, "clip", lower), 10);
  EXPECT_EQ(priced(per_bound, "clip", keywords), 20);
  EXPECT_EQ(priced(primer(), "clip", broadcast), 20);
}

TEST(Pricing, WhereNeedsBothOrNeitherBranch) {
  SigBuilder full, one_branch, unbroadcastable;
  full.array({4, 1}).array({3}).array({});
  one_branch.array({4}).array({4}).absent();
  unbroadcastable.array({3}).array({4}).array({});
  EXPECT_EQ(priced(primer(), "where", full), 12);
  EXPECT_THROW(priced(primer(), "where", one_branch), fs::InvalidCall);
  EXPECT_THROW(priced(primer(), "where", unbroadcastable), fs::InvalidCall);
}

TEST(Pricing, EqualityOfMismatchedShapesUnderEachConvention) {
  const fs::Profile larger = fs::parse_profile("larger", "equality.mismatched_shapes larger_operand\n");
  SigBuilder same, broadcast, apart;
  same.array({3, 4}).array({3, 4});
  broadcast.array({3, 4}).array({4});
  apart.array({3}).array({5});
  EXPECT_EQ(priced(primer(), "array_equal", same), 12);
  EXPECT_EQ(priced(primer(), "array_equal", broadcast), 0);  // NumPy answers False without comparing
  EXPECT_EQ(priced(primer(), "array_equiv", broadcast), 12);
  EXPECT_EQ(priced(primer(), "array_equiv", apart), 0);
  EXPECT_EQ(priced(larger, "array_equal", broadcast), 12);
  EXPECT_EQ(priced(larger, "array_equiv", apart), 5);
}

TEST(Pricing, ProductsAndTensordotAxesForms) {
  SigBuilder dot, outer, count, pair, lists, misfit;
  dot.array({2, 3}).array({3, 4});
  outer.array({5}).array({7});
  count.array({2, 3, 4}).array({3, 4, 5}).integer(2);
  pair.array({2, 3}).array({3, 5}).ints({1, 0});
  lists.array({2, 3, 4}).array({4, 3, 5}).table({1, 2, 1, 0}, 2);
  misfit.array({2, 3}).array({3, 4}).integer(3);
  EXPECT_EQ(priced(primer(), "dot", dot), 24);
  EXPECT_EQ(priced(primer(), "outer", outer), 35);
  EXPECT_EQ(priced(primer(), "tensordot", count), 2 * 12 * 5);
  EXPECT_EQ(priced(primer(), "tensordot", pair), 2 * 3 * 5);
  EXPECT_EQ(priced(primer(), "tensordot", lists), 2 * 12 * 5);
  EXPECT_THROW(priced(primer(), "tensordot", misfit), fs::InvalidCall);
}

TEST(Pricing, ComplexContractionsCarryTheirExactCount) {
  const fs::Profile& upstream = fs::profile_by_name("flopscope-0.12");
  SigBuilder real, mixed;
  real.array({2, 3}).array({3, 4});
  mixed.array({2, 3}, kComplex128).array({3, 4});
  EXPECT_EQ(fs::price(upstream, row("dot"), real.sig()).complex_exact, -1);
  EXPECT_GT(fs::price(upstream, row("dot"), mixed.sig()).complex_exact, 0);
}

TEST(Pricing, EinsumPricesAndRunsThePathItChose) {
  SigBuilder two, three, bad_strategy;
  two.str("ij,jk->ik").arrays({{2, 3}, {3, 4}});
  three.str("ij,jk,kl->il").arrays({{8, 8}, {8, 8}, {8, 8}}).absent().absent().absent().absent().str("greedy");
  bad_strategy.str("ij,jk->ik").arrays({{2, 3}, {3, 4}}).absent().absent().absent().absent().str("fastest");
  const fs::Priced p2 = fs::price(primer(), row("einsum"), two.sig());
  EXPECT_EQ(p2.cost, 24);
  EXPECT_FALSE(p2.run_path);  // no optimize=: NumPy's own loop, left alone
  const fs::Priced p3 = fs::price(primer(), row("einsum"), three.sig());
  EXPECT_EQ(p3.cost, 2 * 8 * 8 * 8);  // two pairwise steps
  EXPECT_TRUE(p3.run_path);
  EXPECT_EQ(p3.path.size(), 2u);
  EXPECT_THROW(fs::price(primer(), row("einsum"), bad_strategy.sig()), fs::InvalidCall);
}

TEST(Pricing, SortPartitionSearch) {
  SigBuilder last, flat, kth, search;
  last.array({4, 8});
  flat.array({4, 8}).none();
  kth.array({4, 8}).ints({1, 5});
  search.array({1000}).array({10});
  EXPECT_EQ(priced(primer(), "sort", last), 4 * 8 * 3);
  EXPECT_EQ(priced(primer(), "argsort", flat), 32 * 5);
  EXPECT_EQ(priced(primer(), "partition", kth), 4 * 8 * 2);
  EXPECT_EQ(priced(primer(), "searchsorted", search), 10 * 10);
}

TEST(Pricing, HistogramWriteFactsFromItsSlots) {
  const fs::Profile& upstream = fs::profile_by_name("flopscope-0.12");
  SigBuilder count, edges, estimator, density;
  count.array({100}).integer(10);
  edges.array({100}).array({11});
  estimator.array({100}).str("auto");
  density.array({100}).array({11}).absent().boolean(true).array({100}, kFloat32);
  EXPECT_TRUE(fs::write_facts(upstream, row("histogram"), count.sig()).billed);
  EXPECT_FALSE(fs::write_facts(upstream, row("histogram"), edges.sig()).billed);  // edges given: nothing computed
  EXPECT_TRUE(fs::write_facts(upstream, row("histogram"), estimator.sig()).estimator_bins);
  const fs::WriteFacts d = fs::write_facts(upstream, row("histogram"), density.sig());
  EXPECT_TRUE(d.billed && d.edges_given);
  EXPECT_EQ(d.density_counts, kFloat32);
  EXPECT_FALSE(fs::write_facts(primer(), row("histogram"), count.sig()).billed);
}

TEST(DtypeBilling, ConventionsOfTheProfile) {
  const fs::Profile p = fs::parse_profile(
      "rates",
      "dtype_rate.default 1\ndtype_rate.float32 1\ndtype_rate.float64 2\ndtype_rate.complex128 4\n"
      "complex_factor.default 1\nstrong_scalars.outer true\nbilled_operands.searchsorted 1\n"
      "dtype_argument.clip ignored\ncomplex_factor_when.vdot one_dtype\n");
  using O = fs::cost::CallDtypes::Operand;
  const fs::dtype::Dtype f32 = fs::dtype::from_type_num(kFloat32), f64 = fs::dtype::from_type_num(kFloat64);
  auto billed = [&](const char* op, std::vector<O> operands, fs::dtype::Dtype requested = {}) {
    fs::cost::CallDtypes call;
    call.operands = operands;
    call.n_inputs = static_cast<int>(operands.size());
    call.requested = requested;
    return fs::cost::billed_for_dtypes(p, row(op), 100, call);
  };
  // A float32 array with a Python float: weak (float32), unless the op's scalars are strong (float64).
  EXPECT_EQ(billed("dot", {{f32}, {{}, fs::dtype::Weak::Float}}), 100);
  EXPECT_EQ(billed("outer", {{f32}, {{}, fs::dtype::Weak::Float}}), 200);
  // billed_operands: only the sorted array's dtype counts.
  EXPECT_EQ(billed("searchsorted", {{f32}, {f64}}), 100);
  EXPECT_EQ(billed("dot", {{f32}, {f64}}), 200);
  // dtype=: billed as asked, unless the profile ignores it for the op.
  EXPECT_EQ(billed("sum", {{f32}}, f64), 200);
  EXPECT_EQ(billed("clip", {{f32}}, f64), 100);
  // A dtype-blind profile leaves the count alone.
  fs::cost::CallDtypes call;
  const O operand{f64};
  call.operands = {&operand, 1};
  call.n_inputs = 1;
  EXPECT_EQ(fs::cost::billed_for_dtypes(primer(), row("sum"), 100, call), 100);
}

TEST(UfuncTable, RowsMethodsAndTheElementwiseDefault) {
  EXPECT_EQ(fs::ufunc_row("matmul").core, fs::UfuncCore::Matmul);
  EXPECT_EQ(fs::ufunc_row("vecdot").core, fs::UfuncCore::Vecdot);
  EXPECT_EQ(fs::ufunc_row("exp").core, fs::UfuncCore::Elementwise);
  EXPECT_TRUE(fs::ufunc_row("maximum").positional_out_warns);
  EXPECT_FALSE(fs::ufunc_row("add").positional_out_warns);
  // The binding's UfuncMethod enumerates the methods in this order.
  const char* order[] = {"reduce", "accumulate", "reduceat", "outer", "at"};
  ASSERT_EQ(fs::ufunc_methods().size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_STREQ(fs::ufunc_methods()[i].name, order[i]);
  const fs::OpId id = fs::intern_ufunc("hypot");
  auto& reg = fs::OpRegistry::instance();
  EXPECT_EQ(reg.info(id).rule, fs::CostRule::Pointwise);
  EXPECT_EQ(reg.info(reg.find("hypot.reduce")).rule, fs::CostRule::Reduction);
  EXPECT_EQ(reg.info(reg.find("hypot.outer")).rule, fs::CostRule::Pointwise);
  EXPECT_EQ(reg.info(fs::intern_ufunc("matvec")).rule, fs::CostRule::Contraction);
  EXPECT_NE(reg.info(id).formula_doc, nullptr);
}

TEST(WritesBilling, ConventionsOfTheWriteRules) {
  const fs::Profile p = fs::parse_profile(
      "writes",
      "dtype_rate.default 1\ndtype_rate.float32 1\ndtype_rate.float64 2\ncomplex_factor.default 1\n"
      "writes.copy 1\nwrites.concatenate 1\nwrites.astype 1 new-only\nwrites.tril_indices_from 1 own-dtype\n"
      "dtype_argument.concatenate ignored\ndtype_argument.astype heavier\n");
  const fs::dtype::Dtype f32 = fs::dtype::from_type_num(kFloat32), f64 = fs::dtype::from_type_num(kFloat64);
  fs::cost::WrittenFacts copy;  // copy of a float32 array: its elements at its rate
  copy.elements = 10;
  copy.counted = f32;
  copy.first = f32;
  EXPECT_EQ(fs::cost::written_billed(p, row("copy"), copy), 10);
  copy.first = f64;  // the input's dtype joins the written elements'
  EXPECT_EQ(fs::cost::written_billed(p, row("copy"), copy), 20);
  fs::cost::WrittenFacts join;  // concatenate(..., dtype=float64) of float32 arrays: the profile ignores dtype=
  join.elements = 10;
  join.counted = f64;
  join.first_sequence = true;
  join.sequence = f32;
  join.requested = f64;
  EXPECT_EQ(fs::cost::written_billed(p, row("concatenate"), join), 10);
  join.requested = {};
  EXPECT_EQ(fs::cost::written_billed(p, row("concatenate"), join), 20);
  fs::cost::WrittenFacts conversion;  // astype float64 -> float32: the heavier of source and result
  conversion.elements = 10;
  conversion.counted = f32;
  conversion.source = f64;
  conversion.first = f64;
  EXPECT_TRUE(fs::cost::written_reads_source(p, row("astype")));
  EXPECT_EQ(fs::cost::written_billed(p, row("astype"), conversion), 20);
  fs::cost::WrittenFacts indices;  // own-dtype: the input's dtype does not join
  indices.elements = 6;
  indices.counted = f32;
  indices.first = f64;
  EXPECT_EQ(fs::cost::written_billed(p, row("tril_indices_from"), indices), 6);
}
