// Cost formulas of cost_model.hpp against hand-derived values from the primer
// (the flopscope primer, "Operation FLOP Costs").
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "flopscope/checked.hpp"
#include "flopscope/cost_model.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace fs = flopscope;
namespace cost = flopscope::cost;

namespace {

const fs::Profile& primer() { return fs::profile_by_name("primer"); }
fs::OpId op(const char* name, fs::CostRule rule) { return fs::OpRegistry::instance().intern(name, rule); }
constexpr fs::Flops kMax = std::numeric_limits<fs::Flops>::max();

}  // namespace

TEST(Checked, MulAddExactAndOverflow) {
  EXPECT_EQ(fs::checked_mul(3, 4), 12);
  EXPECT_EQ(fs::checked_add(3, 4), 7);
  EXPECT_THROW(fs::checked_mul(kMax, 2), fs::CostOverflowError);
  EXPECT_THROW(fs::checked_add(kMax, 1), fs::CostOverflowError);
  fs::Flops out = 0;
  EXPECT_TRUE(fs::mul_overflows(kMax / 2 + 1, 2, &out));
  EXPECT_FALSE(fs::mul_overflows(1000, 1000, &out));
  EXPECT_EQ(out, 1000000);
  EXPECT_TRUE(fs::add_overflows(kMax, 1, &out));
  EXPECT_FALSE(fs::add_overflows(2, 5, &out));
  EXPECT_EQ(out, 7);
}

TEST(Numel, ScalarVectorMatrixEmpty) {
  std::vector<cost::Extent> scalar;
  std::vector<cost::Extent> v{7};
  std::vector<cost::Extent> m{3, 4, 5};
  std::vector<cost::Extent> empty{3, 0, 5};
  EXPECT_EQ(cost::numel(scalar), 1);
  EXPECT_EQ(cost::numel(v), 7);
  EXPECT_EQ(cost::numel(m), 60);
  EXPECT_EQ(cost::numel(empty), 0);
}

TEST(Numel, OverflowThrows) {
  std::vector<cost::Extent> huge{1LL << 40, 1LL << 40};
  EXPECT_THROW(cost::numel(huge), fs::CostOverflowError);
}

TEST(BroadcastShapes, Success) {
  std::vector<cost::Extent> a{5, 1, 4}, b{3, 1}, c{4};
  std::vector<cost::Shape> shapes{a, b, c};
  std::vector<cost::Extent> out;
  ASSERT_TRUE(cost::broadcast_shapes(shapes, &out));
  EXPECT_EQ(out, (std::vector<cost::Extent>{5, 3, 4}));
}

TEST(BroadcastShapes, ScalarAndZeroExtent) {
  std::vector<cost::Extent> scalar, z{0, 3}, one{1, 3};
  std::vector<cost::Shape> shapes{scalar, z, one};
  std::vector<cost::Extent> out;
  ASSERT_TRUE(cost::broadcast_shapes(shapes, &out));
  EXPECT_EQ(out, (std::vector<cost::Extent>{0, 3}));
  std::vector<cost::Shape> only_scalar{scalar};
  ASSERT_TRUE(cost::broadcast_shapes(only_scalar, &out));
  EXPECT_TRUE(out.empty());
}

TEST(BroadcastShapes, Failure) {
  std::vector<cost::Extent> a{2, 3}, b{4, 3}, c{3, 2};
  std::vector<cost::Extent> out;
  std::vector<cost::Shape> ab{a, b};
  EXPECT_FALSE(cost::broadcast_shapes(ab, &out));
  std::vector<cost::Shape> ac{a, c};
  EXPECT_FALSE(cost::broadcast_shapes(ac, &out));
  std::vector<cost::Extent> z{0}, two{2};
  std::vector<cost::Shape> zt{z, two};
  EXPECT_FALSE(cost::broadcast_shapes(zt, &out));
}

TEST(Weighted, PrimerIsIdentity) {
  auto id = op("add", fs::CostRule::Pointwise);
  EXPECT_EQ(cost::weighted(primer(), id, 0), 0);
  EXPECT_EQ(cost::weighted(primer(), id, 12345), 12345);
}

TEST(Weighted, CustomWeightTruncates) {
  fs::Profile p = fs::parse_profile("w", "weight.exp 2.5\nweight.default 1\n");
  auto e = op("exp", fs::CostRule::Pointwise);
  auto a = op("add", fs::CostRule::Pointwise);
  EXPECT_EQ(cost::weighted(p, e, 3), 7);  // int(3 * 2.5)
  EXPECT_EQ(cost::weighted(p, a, 3), 3);
  EXPECT_EQ(cost::pointwise(p, e, 10), 25);
  fs::Profile big = fs::parse_profile("big", "weight.default 4\n");
  EXPECT_THROW(cost::weighted(big, a, kMax / 2), fs::CostOverflowError);
}

TEST(Pointwise, OnePerOutputElementTimesNout) {
  auto add = op("add", fs::CostRule::Pointwise);
  EXPECT_EQ(cost::pointwise(primer(), add, 100), 100);
  EXPECT_EQ(cost::pointwise(primer(), add, 100, 1), 100);
  EXPECT_EQ(cost::pointwise(primer(), op("divmod", fs::CostRule::Pointwise), 12, 2), 24);
  EXPECT_EQ(cost::pointwise(primer(), op("frexp", fs::CostRule::Pointwise), 7, 2), 14);
  EXPECT_EQ(cost::pointwise(primer(), add, 0), 0);
  EXPECT_EQ(cost::pointwise(primer(), add, 1), 1);
  EXPECT_THROW(cost::pointwise(primer(), add, kMax, 2), fs::CostOverflowError);
}

TEST(Reduction, InputSizeRegardlessOfOutput) {
  auto sum = op("sum", fs::CostRule::Reduction);
  EXPECT_EQ(cost::reduction(primer(), sum, 60, 1), 60);
  EXPECT_EQ(cost::reduction(primer(), sum, 60, 12), 60);
  EXPECT_EQ(cost::reduction(primer(), sum, 60, 60), 60);  // cumsum: output as large as input
  EXPECT_EQ(cost::reduction(primer(), sum, 0, 1), 0);
}

TEST(Reduction, SubtractOutputConvention) {
  fs::Profile p = fs::parse_profile("sub", "reduction.subtract_output true\n");
  auto sum = op("sum", fs::CostRule::Reduction);
  EXPECT_EQ(cost::reduction(p, sum, 60, 12), 48);
  EXPECT_EQ(cost::reduction(p, sum, 60, 1), 59);
  EXPECT_EQ(cost::reduction(p, sum, 3, 5), 0);  // clamped
}

// spec 2.7 "Profile C extras": a per-op form replaces the convention for that op only.
TEST(Reduction, PerOpFormReplacesTheConvention) {
  fs::Profile p = fs::parse_profile("forms",
                                    "reduction.subtract_output true\nreduction.floor 1\n"
                                    "reduction.form.nansum 1 1 0\nreduction.form.mean 1 0 0\n"
                                    "reduction.form.std 4 0 1\nreduction.form.ptp 0 2 1\n");
  auto sum = op("sum", fs::CostRule::Reduction);
  auto nansum = op("nansum", fs::CostRule::Reduction);
  auto mean = op("mean", fs::CostRule::Reduction);
  auto std_ = op("std", fs::CostRule::Deviation);
  EXPECT_EQ(cost::reduction(p, sum, 2048, 32), 2016);      // the convention: n - M
  EXPECT_EQ(cost::reduction(p, nansum, 2048, 32), 4064);   // 2n - M
  EXPECT_EQ(cost::reduction(p, mean, 2048, 32), 2048);     // n
  EXPECT_EQ(cost::deviation(p, std_, 2048, 32), 8224);     // 4n + M
  EXPECT_EQ(cost::reduction(p, nansum, 1, 1), 2);          // each term floored: 1 + 1
  EXPECT_EQ(cost::reduction(p, nansum, 0, 1), 2);
  auto ptp = op("ptp", fs::CostRule::Reduction);
  EXPECT_EQ(cost::reduction(p, ptp, 2048, 32), 4064);      // 2(n - M) + M
  EXPECT_EQ(cost::reduction(p, ptp, 0, 1), 3);
  EXPECT_EQ(cost::deviation(p, std_, 0, 1), 5);
  EXPECT_EQ(cost::reduction(primer(), nansum, 2048, 32), 2048);  // other profiles untouched
  fs::Profile q = fs::parse_profile("int", "reduction.subtract_output true\nreduction.form.nansum 1 1 0\n"
                                           "reduction.integer_form.nansum 0 1 0\n");
  EXPECT_EQ(cost::reduction(q, nansum, 2048, 32), 4064);
  EXPECT_EQ(cost::reduction(q, nansum, 2048, 32, /*integral=*/true), 2016);  // no isnan scan
}

TEST(Profile, ReductionFormIsThreeOrFourIntegers) {
  for (const char* bad : {"reduction.form.sum 2", "reduction.form.sum 2 1 x", "reduction.form.sum -1 0 0",
                          "reduction.form.sum 1.5 0 0", "reduction.form.sum 1 0 3 4 5", "reduction.form.sum 1 -1 0",
                          "reduction.form.sum 1 0 3 -4", "reduction.form.sum 1 0 34x"})
    EXPECT_THROW(fs::parse_profile("bad", bad), std::invalid_argument) << bad;
  EXPECT_NO_THROW(fs::parse_profile("ok", "reduction.form.sum 3\t2 1"));
  const fs::Profile p = fs::parse_profile("ok", "reduction.form.sum 3 2 1 4");
  EXPECT_EQ(p.reduction_forms.at("sum").scans, 4);
  EXPECT_EQ(fs::parse_profile("ok", "reduction.form.sum 3 2 1").reduction_forms.at("sum").scans, 0);
}

// A form's scans read what the caller says a pointwise pass reads (a symmetric
// input's own orbits), its passes and reductions the reduction's input.
TEST(Reduction, ScansReadTheirOwnCount) {
  fs::Profile p = fs::parse_profile("scans", "reduction.subtract_output true\nreduction.floor 1\n"
                                             "reduction.form.var 2 0 0 2\nreduction.form.nansum 0 1 0 1\n");
  auto var = op("var", fs::CostRule::Deviation);
  auto nansum = op("nansum", fs::CostRule::Reduction);
  EXPECT_EQ(cost::deviation(p, var, 256, 16), 1024);                // dense: 2n + 2n
  EXPECT_EQ(cost::deviation(p, var, 256, 16, false, 136), 784);     // upstream 0.12.4, symmetric 16x16, axis 0
  EXPECT_EQ(cost::reduction(p, nansum, 256, 16, false, 136), 376);  // the isnan scan on 136, the sum on 256 - 16
  EXPECT_EQ(cost::reduction(p, nansum, 256, 16), 496);
  EXPECT_EQ(cost::reduction(p, nansum, 0, 1, false, 0), 2);         // each term floored
}

// spec 2.5 / 2.11: a writes rule bills the elements written, floored unless no-floor.
TEST(Writes, FactorFloorAndWeight) {
  fs::Profile p = fs::parse_profile("writes",
                                    "pointwise.floor 1\nwrites.copy 1\nwrites.ones 1 no-floor\n"
                                    "writes.arange 2\nwrites.random.* 1\nweight.random.* 16\n"
                                    "writes.random.uniform 3\nweight.random.uniform 1\nwrites.random.bytes 0\n"
                                    "writes.asarray 1 new-only no-floor\n");
  auto free_op = [](const char* name) { return op(name, fs::CostRule::Free); };
  EXPECT_EQ(cost::writes(p, free_op("copy"), 12), 12);
  EXPECT_EQ(cost::writes(p, free_op("copy"), 0), 1);   // the floor
  EXPECT_EQ(cost::writes(p, free_op("ones"), 0), 0);   // no-floor
  EXPECT_EQ(cost::writes(p, free_op("arange"), 5), 10);
  EXPECT_EQ(cost::writes(p, free_op("random.randn"), 12), 192);  // prefix rule, weight 16
  EXPECT_EQ(cost::writes(p, free_op("random.uniform"), 12), 36);
  EXPECT_EQ(cost::writes(p, free_op("random.bytes"), 12), 0);    // explicitly free
  EXPECT_EQ(cost::writes(p, free_op("transpose"), 12), 0);       // no rule: free
  EXPECT_TRUE(p.write_rule(free_op("asarray")).new_only);
  EXPECT_FALSE(p.write_rule(free_op("copy")).new_only);
  EXPECT_EQ(cost::writes(primer(), free_op("copy"), 12), 0);     // the primer leaves it free
  EXPECT_THROW(fs::parse_profile("bad", "writes.copy 1 sometimes"), std::invalid_argument);
  fs::Profile q = fs::parse_profile("measures", "writes.eye 1 nonzero\nwrites.diag 1 input new-only no-floor\n"
                                                "writes.tril_indices 1 first-output\n");
  EXPECT_EQ(q.write_rule(free_op("eye")).counted, fs::Profile::Written::Nonzero);
  const fs::Profile::WriteRule& diag = q.write_rule(free_op("diag"));
  EXPECT_EQ(diag.counted, fs::Profile::Written::Input);
  EXPECT_TRUE(diag.new_only);
  EXPECT_FALSE(diag.floor);
  EXPECT_EQ(q.write_rule(free_op("tril_indices")).counted, fs::Profile::Written::FirstOutput);
  EXPECT_EQ(q.write_rule(free_op("copy")).counted, fs::Profile::Written::Result);
  fs::Profile r = fs::parse_profile("more", "writes.extract 1 second-input\nwrites.fill_diagonal 1 diagonal\n");
  EXPECT_EQ(r.write_rule(free_op("extract")).counted, fs::Profile::Written::SecondInput);
  EXPECT_EQ(r.write_rule(free_op("fill_diagonal")).counted, fs::Profile::Written::Diagonal);
  EXPECT_THROW(fs::parse_profile("bad", "writes.copy -1"), std::invalid_argument);
}

TEST(Deviation, InputPlusOutput) {
  auto std_ = op("std", fs::CostRule::Deviation);
  EXPECT_EQ(cost::deviation(primer(), std_, 60, 1), 61);
  EXPECT_EQ(cost::deviation(primer(), std_, 60, 12), 72);
  EXPECT_EQ(cost::deviation(primer(), std_, 100, 10), 110);
}

TEST(Matmul, PrimerExample) {
  auto mm = op("matmul", fs::CostRule::Contraction);
  // primer: (100,100) @ (100,100) = 1M FLOPs.
  EXPECT_EQ(cost::matmul(primer(), mm, 1, 100, 100, 100), 1000000);
  EXPECT_EQ(cost::matmul(primer(), mm, 1, 2, 3, 4), 24);
  EXPECT_EQ(cost::matmul(primer(), mm, 5, 3, 4, 2), 120);
  // inner dimension 1 (an outer product): still M*N*K.
  EXPECT_EQ(cost::matmul(primer(), mm, 1, 3, 1, 4), 12);
  EXPECT_EQ(cost::matmul(primer(), mm, 1, 0, 5, 5), 0);
  EXPECT_THROW(cost::matmul(primer(), mm, 1LL << 20, 1LL << 20, 1LL << 20, 1LL << 20),
               fs::CostOverflowError);
}

TEST(Matmul, MultiplyAddTwoWithOutputCorrection) {
  fs::Profile p = fs::parse_profile(
      "fma2", "contraction.multiply_add_flops 2\ncontraction.output_correction true\n");
  auto mm = op("matmul", fs::CostRule::Contraction);
  // 2*M*N*K - M*K
  EXPECT_EQ(cost::matmul(p, mm, 1, 2, 3, 4), 2 * 24 - 8);
  fs::Profile q = fs::parse_profile("fma2nc", "contraction.multiply_add_flops 2\n");
  EXPECT_EQ(cost::matmul(q, mm, 1, 2, 3, 4), 48);
}

TEST(ContractionStep, ComplexCountedExactly) {
  fs::Profile p = fs::parse_profile("c", "contraction.multiply_add_flops 2\ncontraction.output_correction true\n"
                                         "contraction.complex_multiply_flops 6\ncontraction.complex_add_flops 2\n");
  auto mm = op("matmul", fs::CostRule::Contraction);
  const auto C = cost::Arithmetic::Complex;
  // spec 2.4: (5,6) @ (6,7) is 210 multiplies and 35 * 5 adds: 6 * 210 + 2 * 175.
  EXPECT_EQ(cost::matmul(p, mm, 1, 5, 6, 7, C), 1610);
  EXPECT_EQ(cost::matmul(p, mm, 1, 5, 6, 7), 2 * 210 - 35);  // the real count is unchanged
  // K = 1 (nothing summed): multiplies only.
  EXPECT_EQ(cost::matmul(p, mm, 1, 5, 1, 7, C), 6 * 35);
  // One operand summed ('ij->', 30 elements): adds only; a view: nothing.
  EXPECT_EQ(cost::contraction_step(p, mm, 1, 30, 1, true, C), 2 * 29);
  EXPECT_EQ(cost::contraction_step(p, mm, 1, 30, 30, false, C), 0);
  // vdot of 6: 6 multiplies, 5 adds.
  EXPECT_EQ(cost::binary_contraction(p, mm, 6, 6, 6, true, C), 46);
  EXPECT_EQ(cost::contraction_step(p, mm, 2, 0, 0, true, C), 0);
  // A profile without the keys prices complex like real (its complex factor applies later).
  fs::Profile plain = fs::parse_profile("plain", "contraction.multiply_add_flops 1\n");
  EXPECT_EQ(cost::matmul(plain, mm, 1, 5, 6, 7, C), cost::matmul(plain, mm, 1, 5, 6, 7));
  EXPECT_FALSE(plain.complex_contractions_exact());
  EXPECT_THROW(fs::parse_profile("bad", "contraction.complex_add_flops 0\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("bad", "contraction.complex_multiply_flops 2.5\n"), std::invalid_argument);
}

TEST(ContractionStep, PrimerComplexMultiplyAddIsFourRealOnes) {
  // primer profile, "complex operands": a complex multiply-add is 4 real ones
  // (re += ac - bd, im += ad + bc), each counted once as the primer's "Matmul:
  // M*N*K"; an add without a multiply (a one-operand sum) is a complex add, 2.
  const fs::Profile& p = primer();
  auto mm = op("matmul", fs::CostRule::Contraction);
  auto es = op("einsum", fs::CostRule::Contraction);
  const auto C = cost::Arithmetic::Complex;
  EXPECT_TRUE(p.complex_contractions_exact());
  EXPECT_EQ(p.complex_multiply_flops, 4);
  EXPECT_EQ(p.complex_add_flops, 2);
  // (5,6) @ (6,7): 210 multiply-adds, real 210, complex 4 x 210.
  EXPECT_EQ(cost::matmul(p, mm, 1, 5, 6, 7), 210);
  EXPECT_EQ(cost::matmul(p, mm, 1, 5, 6, 7, C), 840);
  EXPECT_EQ(cost::matmul(p, mm, 3, 5, 6, 7, C), 3 * 840);  // a batch of 3
  // K = 1 (an outer product): re = ac - bd is still two real multiply-adds.
  EXPECT_EQ(cost::matmul(p, mm, 1, 5, 1, 7, C), 4 * 35);
  // vdot of 6: 4 x 6.
  EXPECT_EQ(cost::binary_contraction(p, mm, 6, 6, 6, true, C), 24);
  // A three-operand step over 10 index tuples: 2 complex multiply-adds each.
  EXPECT_EQ(cost::contraction_step(p, es, 3, 10, 1, true, C), 4 * 2 * 10);
  EXPECT_EQ(cost::contraction_step(p, es, 3, 10, 1, true), 2 * 10);
  // One operand: 'ij->' over 30 elements is a complex sum, 2 each; a view is free.
  EXPECT_EQ(cost::contraction_step(p, es, 1, 30, 1, true, C), 60);
  EXPECT_EQ(cost::contraction_step(p, es, 1, 30, 1, true), 30);
  EXPECT_EQ(cost::contraction_step(p, es, 1, 30, 30, false, C), 0);
  EXPECT_EQ(cost::contraction_step(p, es, 2, 0, 0, true, C), 0);
}

TEST(ContractionStep, OneOperand) {
  auto es = op("einsum", fs::CostRule::Contraction);
  // summed (e.g. 'ij->i'): the input size
  EXPECT_EQ(cost::contraction_step(primer(), es, 1, 60, 12, true), 60);
  // pure transpose/diagonal view: free
  EXPECT_EQ(cost::contraction_step(primer(), es, 1, 60, 60, false), 0);
}

TEST(ContractionStep, BinaryAndTernary) {
  auto es = op("einsum", fs::CostRule::Contraction);
  // 'ij,jk->ik' with i=2 j=3 k=4: product of extents 24
  EXPECT_EQ(cost::contraction_step(primer(), es, 2, 24, 8, true), 24);
  // 'i,j->ij' outer: m*n, nothing summed
  EXPECT_EQ(cost::contraction_step(primer(), es, 2, 15, 15, false), 15);
  // k = 3 operands in one step: (k-1) * product
  EXPECT_EQ(cost::contraction_step(primer(), es, 3, 100, 10, true), 200);
  EXPECT_EQ(cost::contraction_step(primer(), es, 4, 10, 10, false), 30);
  EXPECT_EQ(cost::contraction_step(primer(), es, 2, 0, 0, true), 0);
  EXPECT_THROW(cost::contraction_step(primer(), es, 3, kMax / 2 + 1, 1, true), fs::CostOverflowError);
}

TEST(Sort, NTimesCeilLog2N) {
  auto s = op("sort", fs::CostRule::Sort);
  EXPECT_EQ(cost::sort(primer(), s, 1, 1), 1);    // ceil(log2 1)=0 floored at 1
  EXPECT_EQ(cost::sort(primer(), s, 2, 1), 2);    // 2*1
  EXPECT_EQ(cost::sort(primer(), s, 3, 1), 6);    // 3*2
  EXPECT_EQ(cost::sort(primer(), s, 4, 1), 8);    // 4*2
  EXPECT_EQ(cost::sort(primer(), s, 5, 1), 15);   // 5*3
  EXPECT_EQ(cost::sort(primer(), s, 8, 1), 24);   // 8*3
  EXPECT_EQ(cost::sort(primer(), s, 9, 1), 36);   // 9*4
  EXPECT_EQ(cost::sort(primer(), s, 1000, 1), 10000);  // 1000*10
  EXPECT_EQ(cost::sort(primer(), s, 1024, 1), 10240);  // 1024*10
  EXPECT_EQ(cost::sort(primer(), s, 1025, 1), 11275);  // 1025*11
  EXPECT_EQ(cost::sort(primer(), s, 10, 7), 7 * 10 * 4);
  EXPECT_EQ(cost::sort(primer(), s, 0, 5), 0);
  EXPECT_EQ(cost::sort(primer(), s, 5, 0), 0);
}

TEST(Partition, NTimesKthPerSlice) {
  auto p = op("partition", fs::CostRule::Partition);
  EXPECT_EQ(cost::partition(primer(), p, 1000, 1, 1), 1000);  // spec 2.12: partition(1000, kth=5)
  EXPECT_EQ(cost::partition(primer(), p, 6, 4, 2), 6 * 2 * 4);
  EXPECT_EQ(cost::partition(primer(), p, 0, 4, 1), 0);
  EXPECT_EQ(cost::partition(primer(), p, 5, 3, 0), 0);  // an empty kth list partitions nothing
  EXPECT_THROW(cost::partition(primer(), p, fs::Flops{1} << 40, fs::Flops{1} << 20, 1 << 10), fs::CostOverflowError);
}

TEST(Search, CeilLog2NPerValue) {
  auto s = op("searchsorted", fs::CostRule::Search);
  EXPECT_EQ(cost::search(primer(), s, 100, 1000), 1000);  // spec 2.12: 100 values into 1000
  EXPECT_EQ(cost::search(primer(), s, 12, 5), 36);
  EXPECT_EQ(cost::search(primer(), s, 7, 1), 7);  // floored at one comparison per value
  EXPECT_EQ(cost::search(primer(), s, 7, 0), 0);  // nothing to compare against
  EXPECT_EQ(cost::search(primer(), s, 0, 1000), 0);
}

TEST(OpRegistry, RulesAndNames) {
  auto& reg = fs::OpRegistry::instance();
  EXPECT_GE(reg.find("sum"), 0);
  EXPECT_EQ(reg.info(reg.find("sum")).rule, fs::CostRule::Reduction);
  EXPECT_EQ(reg.info(reg.find("std")).rule, fs::CostRule::Deviation);
  EXPECT_EQ(reg.info(reg.find("zeros")).rule, fs::CostRule::Free);
  EXPECT_EQ(reg.info(reg.find("where")).rule, fs::CostRule::Pointwise);
  EXPECT_EQ(reg.info(reg.find("einsum")).rule, fs::CostRule::Contraction);
  EXPECT_EQ(reg.info(reg.find("argsort")).rule, fs::CostRule::Sort);
  EXPECT_EQ(reg.find("definitely_not_an_op"), -1);
  // A name keeps its first rule.
  auto id = reg.intern("sum", fs::CostRule::Free);
  EXPECT_EQ(id, reg.find("sum"));
  EXPECT_EQ(reg.info(id).rule, fs::CostRule::Reduction);
  EXPECT_EQ(fs::cost_rule_name(fs::CostRule::Free), "free");
  EXPECT_EQ(fs::cost_rule_name(fs::CostRule::Pointwise), "pointwise");
  EXPECT_EQ(fs::cost_rule_name(fs::CostRule::Reduction), "reduction");
  EXPECT_EQ(fs::cost_rule_name(fs::CostRule::Deviation), "deviation");
  EXPECT_EQ(fs::cost_rule_name(fs::CostRule::Contraction), "contraction");
  EXPECT_EQ(fs::cost_rule_name(fs::CostRule::Sort), "sort");
  EXPECT_EQ(fs::cost_rule_name(fs::CostRule::External), "external");
}

TEST(CostModel, BinaryContractionSpansAllIndexTuples) {
  const fs::OpId dot = fs::OpRegistry::instance().find("dot");
  // (3,4)·(4,5): 3*4*5 multiply-adds, the same as matmul.
  EXPECT_EQ(cost::binary_contraction(primer(), dot, 12, 20, 4, true), 60);
  EXPECT_EQ(cost::binary_contraction(primer(), dot, 12, 20, 4, true), cost::matmul(primer(), dot, 1, 3, 4, 5));
  // vdot of n-vectors: n; outer of (m),(n): m*n; an empty contracted axis: 0.
  EXPECT_EQ(cost::binary_contraction(primer(), dot, 7, 7, 7, true), 7);
  EXPECT_EQ(cost::binary_contraction(primer(), dot, 3, 5, 1, false), 15);
  EXPECT_EQ(cost::binary_contraction(primer(), dot, 0, 0, 0, true), 0);
  // Dividing first: a vdot of 4e9-element vectors does not overflow.
  EXPECT_EQ(cost::binary_contraction(primer(), dot, 4'000'000'000, 4'000'000'000, 4'000'000'000, true),
            4'000'000'000);
}

TEST(CostModel, ReduceatReadsEachSliceOnce) {
  using flopscope::cost::reduceat_elements;
  using E = flopscope::cost::Extent;
  // [0,8) + {8} + [2,9) + {9} + [1,10): 8 + 1 + 7 + 1 + 9.
  std::vector<E> idx = {0, 8, 2, 9, 1};
  EXPECT_EQ(reduceat_elements(idx, 10), 26);
  std::vector<E> rising = {0, 3, 7};
  EXPECT_EQ(reduceat_elements(rising, 10), 10);  // a partition of the axis: the input size
  std::vector<E> same = {4, 4, 4};
  EXPECT_EQ(reduceat_elements(same, 10), 1 + 1 + 6);
  std::vector<E> bad = {-1, 12, 3};
  EXPECT_EQ(reduceat_elements(bad, 10), 7);  // out-of-range indices read nothing
  EXPECT_EQ(reduceat_elements({}, 10), 0);
}

TEST(CostModel, GufuncAxesMoveCoreDimsLast) {
  using flopscope::cost::Extent;
  std::vector<Extent> shape = {5, 3, 4}, out;
  std::vector<int> axes = {0, 1};
  ASSERT_TRUE(flopscope::cost::move_axes_last(shape, axes, &out));
  EXPECT_EQ(out, (std::vector<Extent>{4, 5, 3}));
  std::vector<int> neg = {-1, 0};
  ASSERT_TRUE(flopscope::cost::move_axes_last(shape, neg, &out));
  EXPECT_EQ(out, (std::vector<Extent>{3, 4, 5}));
  std::vector<int> twice = {1, -2}, far = {3};
  EXPECT_FALSE(flopscope::cost::move_axes_last(shape, twice, &out));
  EXPECT_FALSE(flopscope::cost::move_axes_last(shape, far, &out));
  // matmul (5,3,4) @ (4,6,5) with axes=[(1,2),(0,1),...]: batch 5, M 3, K 4, N 6.
  const auto& p = flopscope::profile_by_name("primer");
  EXPECT_EQ(flopscope::cost::matmul(p, 0, 5, 3, 6, 4), 360);
}

namespace flopscope {
namespace {

TEST(ProductContraction, NumpyAlignmentRules) {
  using cost::Product;
  const cost::Extent m34[] = {3, 4}, m45[] = {4, 5}, v4[] = {4}, b245[] = {2, 4, 5}, m54[] = {5, 4};
  Flops k;
  bool summed;
  EXPECT_TRUE(cost::product_contraction(Product::Dot, m34, m45, {}, {}, &k, &summed));
  EXPECT_EQ(k, 4);
  EXPECT_TRUE(summed);
  EXPECT_TRUE(cost::product_contraction(Product::Dot, m34, v4, {}, {}, &k, &summed));  // 1-d b: its only axis
  EXPECT_EQ(k, 4);
  EXPECT_TRUE(cost::product_contraction(Product::Dot, m34, b245, {}, {}, &k, &summed));  // b's second-to-last
  EXPECT_FALSE(cost::product_contraction(Product::Dot, m45, m45, {}, {}, &k, &summed));
  EXPECT_TRUE(cost::product_contraction(Product::Inner, m34, m54, {}, {}, &k, &summed));  // last axes
  EXPECT_EQ(k, 4);
  EXPECT_FALSE(cost::product_contraction(Product::Inner, m34, m45, {}, {}, &k, &summed));
  EXPECT_TRUE(cost::product_contraction(Product::Vdot, m45, m54, {}, {}, &k, &summed));  // flattened
  EXPECT_EQ(k, 20);
  EXPECT_TRUE(cost::product_contraction(Product::Outer, m34, m45, {}, {}, &k, &summed));
  EXPECT_EQ(k, 1);
  EXPECT_FALSE(summed);
  const int a_axes[] = {1, 2}, b_axes[] = {1, 0};
  const cost::Extent t245[] = {2, 4, 5}, t543[] = {5, 4, 3};
  EXPECT_TRUE(cost::product_contraction(Product::Tensordot, t245, t543, a_axes, b_axes, &k, &summed));
  EXPECT_EQ(k, 20);
  const cost::Extent scalar[] = {0};
  EXPECT_TRUE(cost::product_contraction(Product::Dot, std::span<const cost::Extent>(scalar, 0), m34, {}, {}, &k,
                                        &summed));
  EXPECT_FALSE(summed);  // a scalar times an array multiplies, sums nothing
}

TEST(TraceElements, DiagonalLengthTimesBatch) {
  const cost::Extent a[] = {3, 5, 4};  // axes 1, 2 are the matrices; batch 3
  Flops elements, slices;
  cost::trace_elements(a, 1, 2, 0, &elements, &slices);
  EXPECT_EQ(elements, 3 * 4);
  EXPECT_EQ(slices, 3);
  cost::trace_elements(a, 1, 2, 2, &elements, &slices);  // offset 2: min(5, 4 - 2)
  EXPECT_EQ(elements, 3 * 2);
  cost::trace_elements(a, 1, 2, -4, &elements, &slices);  // min(5 - 4, 4)
  EXPECT_EQ(elements, 3 * 1);
  cost::trace_elements(a, 1, 2, 9, &elements, &slices);  // past the matrix: empty diagonal
  EXPECT_EQ(elements, 0);
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

TEST(KeptNumel, ProductOfTheSurvivingAxes) {
  const cost::Extent s[] = {2, 0, 5, 3};
  const int none[] = {0}, one[] = {1}, two[] = {0, 2};
  EXPECT_EQ(cost::kept_numel(s, std::span<const int>(none, 0)), 0);  // nothing reduced: the empty input
  EXPECT_EQ(cost::kept_numel(s, one), 2 * 5 * 3);                     // the empty axis reduced away
  EXPECT_EQ(cost::kept_numel(s, two), 0);
}

}  // namespace
}  // namespace flopscope

namespace {
flopscope::cost::GufuncDims dims_of(flopscope::cost::CoreLayout layout, std::vector<std::int64_t> a,
                                    std::vector<std::int64_t> b, bool* ok) {
  flopscope::cost::GufuncDims d;
  *ok = flopscope::cost::gufunc_dims(layout, a, b, &d);
  return d;
}
}  // namespace

TEST(GufuncDims, MatmulPromotesOneDimensionalOperandsAndBroadcastsBatches) {
  using flopscope::cost::CoreLayout;
  bool ok;
  auto d = dims_of(CoreLayout::Matmul, {5, 1, 2, 3}, {4, 3, 7}, &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(d.batch, 20);
  EXPECT_EQ(d.m, 2);
  EXPECT_EQ(d.k, 3);
  EXPECT_EQ(d.n, 7);
  d = dims_of(CoreLayout::Matmul, {3}, {3, 4}, &ok);  // a row
  EXPECT_TRUE(ok);
  EXPECT_EQ(d.m * d.k * d.n * d.batch, 12);
  d = dims_of(CoreLayout::Matmul, {2, 3}, {3}, &ok);  // a column
  EXPECT_TRUE(ok);
  EXPECT_EQ(d.m * d.k * d.n, 6);
  dims_of(CoreLayout::Matmul, {2, 3}, {4, 5}, &ok);
  EXPECT_FALSE(ok);
  dims_of(CoreLayout::Matmul, {}, {3}, &ok);
  EXPECT_FALSE(ok);
  dims_of(CoreLayout::Matmul, {2, 2, 3}, {3, 3, 4}, &ok);  // batches 2 and 3
  EXPECT_FALSE(ok);
}

TEST(GufuncDims, VecdotMatvecVecmat) {
  using flopscope::cost::CoreLayout;
  bool ok;
  auto d = dims_of(CoreLayout::Vecdot, {4, 1, 6}, {3, 6}, &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(d.batch * d.k, 72);
  dims_of(CoreLayout::Vecdot, {3, 1}, {3, 5}, &ok);  // core lengths never broadcast
  EXPECT_FALSE(ok);
  d = dims_of(CoreLayout::Matvec, {2, 5, 3}, {3}, &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(d.batch * d.m * d.k, 30);
  d = dims_of(CoreLayout::Vecmat, {3}, {2, 3, 5}, &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(d.batch * d.k * d.n, 30);
  dims_of(CoreLayout::Matvec, {3}, {3}, &ok);
  EXPECT_FALSE(ok);
}

TEST(HistogramDensity, UpstreamsNormalisationAsItsOwnCalls) {
  const fs::Profile& up = fs::profile_by_name("flopscope-0.12");
  fs::OpRegistry::instance().intern("divide", fs::CostRule::Pointwise);
  const fs::dtype::Dtype f8{'f', 64}, f4{'f', 32}, i8{'i', 64};
  // 10 bins: diff 10, divides 20 in float64, sum 9 of the int64 counts; rate 2 each.
  EXPECT_EQ(cost::histogram_density(up, 10, f8, i8), 2 * (10 + 20 + 9));
  // float32 edges: the diff at rate 1, the divides still in float64.
  EXPECT_EQ(cost::histogram_density(up, 10, f4, i8), 10 + 40 + 18);
  EXPECT_EQ(cost::histogram_density(up, 10, f4, f4), 10 + 40 + 9);  // float32 weights
  EXPECT_EQ(cost::histogram_density(primer(), 10, f8, i8), 0);       // dtype-blind: nothing
  EXPECT_EQ(cost::histogram_density(up, 0, f8, i8), 0);
}
