// Profiles are data: parsing, its errors, and the primer profile's conventions.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "flopscope/cost_model.hpp"
#include "flopscope/profile.hpp"

namespace fs = flopscope;

TEST(ProfileByName, PrimerConventions) {
  const fs::Profile& p = fs::profile_by_name("primer");
  EXPECT_EQ(p.name, "primer");
  EXPECT_FALSE(p.source.empty());
  EXPECT_EQ(p.multiply_add_flops, 1);
  EXPECT_FALSE(p.contraction_output_correction);
  EXPECT_FALSE(p.reduction_subtracts_output);
  EXPECT_DOUBLE_EQ(p.default_weight, 1.0);
  for (const char* op : {"add", "exp", "sum", "matmul", "einsum", "sort", "std", "zeros"})
    EXPECT_DOUBLE_EQ(p.weight(op), 1.0) << op;
  // Cached: the same object each time.
  EXPECT_EQ(&fs::profile_by_name("primer"), &p);
}

TEST(ProfileByName, NamesAndUnknown) {
  auto names = fs::profile_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "primer"), names.end());
  EXPECT_THROW(fs::profile_by_name("no-such-profile"), std::out_of_range);
  EXPECT_THROW(fs::profile_by_name(""), std::out_of_range);
  try {
    fs::profile_by_name("no-such-profile");
  } catch (const std::out_of_range& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("no-such-profile"), std::string::npos);
    EXPECT_NE(msg.find("primer"), std::string::npos);  // lists the known ones
  }
  for (const auto& n : names) EXPECT_NO_THROW(fs::profile_by_name(n)) << n;
}

TEST(ParseProfile, AllKeysCommentsBlankLines) {
  fs::Profile p = fs::parse_profile("t",
                                    "# a comment\n"
                                    "\n"
                                    "source  somewhere, page 3   \n"
                                    "contraction.multiply_add_flops 2\n"
                                    "contraction.output_correction true   # trailing comment\r\n"
                                    "reduction.subtract_output true\n"
                                    "weight.default 0.5\n"
                                    "\tweight.exp 16\n"
                                    "weight.sum 0\n");
  EXPECT_EQ(p.name, "t");
  EXPECT_EQ(p.source, "somewhere, page 3");
  EXPECT_EQ(p.multiply_add_flops, 2);
  EXPECT_TRUE(p.contraction_output_correction);
  EXPECT_TRUE(p.reduction_subtracts_output);
  EXPECT_DOUBLE_EQ(p.default_weight, 0.5);
  EXPECT_DOUBLE_EQ(p.weight("exp"), 16.0);
  EXPECT_DOUBLE_EQ(p.weight("sum"), 0.0);
  EXPECT_DOUBLE_EQ(p.weight("add"), 0.5);
}

TEST(ParseProfile, EmptyTextGivesDefaults) {
  fs::Profile p = fs::parse_profile("empty", "");
  EXPECT_EQ(p.multiply_add_flops, 1);
  EXPECT_FALSE(p.contraction_output_correction);
  EXPECT_FALSE(p.reduction_subtracts_output);
  EXPECT_DOUBLE_EQ(p.default_weight, 1.0);
  EXPECT_TRUE(p.weights.empty());
}

TEST(ParseProfile, Errors) {
  EXPECT_THROW(fs::parse_profile("e", "nonsense.key 1\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "weight.default abc\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "weight.default 1.5x\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "weight.exp -1\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "weight.exp nan\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "contraction.multiply_add_flops 3\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "contraction.output_correction maybe\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "reduction.subtract_output 1\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "weight.default\n"), std::invalid_argument);
}

TEST(ParseProfile, ErrorNamesTheLine) {
  try {
    fs::parse_profile("mine", "weight.default 1\n# ok\nbogus 2\n");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("mine"), std::string::npos) << msg;
    EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("bogus"), std::string::npos) << msg;
  }
}

TEST(RegisterProfile, AddsAnImmutableNamedProfile) {
  const fs::Profile& p = fs::register_profile("gtest-registered", "reduction.subtract_output true\nweight.exp 3\n");
  EXPECT_EQ(&fs::profile_by_name("gtest-registered"), &p);  // the same object, stable for meters
  EXPECT_TRUE(p.reduction_subtracts_output);
  EXPECT_FALSE(p.unit_weights());
  EXPECT_DOUBLE_EQ(p.weight("exp"), 3.0);
  auto names = fs::profile_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "primer"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "flopscope-0.12"), names.end());  // compiled in
  EXPECT_EQ(names.back(), "gtest-registered");
  EXPECT_THROW(fs::register_profile("gtest-registered", ""), std::invalid_argument);
  EXPECT_THROW(fs::register_profile("primer", ""), std::invalid_argument);
  EXPECT_THROW(fs::register_profile("", ""), std::invalid_argument);
  EXPECT_THROW(fs::register_profile("gtest-bad", "nonsense 1\n"), std::invalid_argument);
  EXPECT_THROW(fs::profile_by_name("gtest-bad"), std::out_of_range);
  EXPECT_TRUE(fs::profile_by_name("primer").unit_weights());
}

TEST(Profile, DenseWeightTableByOpIdAgreesWithTheNames) {
  const auto& p = flopscope::register_profile("dense-weights-test", "weight.exp 3\nweight.default 2\n");
  auto& reg = flopscope::OpRegistry::instance();
  const flopscope::OpId exp = reg.intern("exp", flopscope::CostRule::Pointwise);
  const flopscope::OpId sum = reg.find("sum");
  ASSERT_GE(sum, 0);
  for (int twice = 0; twice < 2; ++twice) {  // compiled on first use, then read
    EXPECT_EQ(p.weight(exp), 3.0);
    EXPECT_EQ(p.weight(sum), 2.0);
  }
  const flopscope::OpId late = reg.intern("dense-weights-test.late-op", flopscope::CostRule::External);
  EXPECT_EQ(p.weight(late), 2.0);  // an op interned after the table was first compiled
  EXPECT_EQ(flopscope::profile_by_name("primer").weight(late), 1.0);
}

TEST(ParseProfile, WriteRuleEdgesBilledAsAnotherOp) {
  const auto& ops = fs::OpRegistry::instance();
  ASSERT_GE(ops.find("histogram"), 0);
  ASSERT_GE(ops.find("linspace"), 0);
  fs::Profile p = fs::parse_profile("w", "writes.histogram 2 edges as linspace no-floor\nwrites.copy 1\n");
  const fs::Profile::WriteRule& h = p.write_rule(ops.find("histogram"));
  EXPECT_EQ(h.counted, fs::Profile::Written::Edges);
  EXPECT_EQ(h.as_op, ops.find("linspace"));
  EXPECT_FALSE(h.floor);
  EXPECT_DOUBLE_EQ(h.factor, 2.0);
  EXPECT_EQ(p.write_rule(ops.find("copy")).as_op, -1);
  EXPECT_FALSE(h.searched);
  fs::Profile q = fs::parse_profile("s", "writes.histogram 2 edges searched as linspace\n");
  EXPECT_TRUE(q.write_rule(ops.find("histogram")).searched);
  EXPECT_THROW(fs::parse_profile("e", "writes.histogram 2 as\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "writes.histogram 2 edge\n"), std::invalid_argument);
  // The shipped profile: histogram's edges as upstream's linspace (weight 1), its search at weight 4.
  const fs::Profile& up = fs::profile_by_name("flopscope-0.12");
  EXPECT_EQ(up.write_rule(ops.find("histogram")).as_op, ops.find("linspace"));
  EXPECT_TRUE(up.write_rule(ops.find("histogram")).searched);
  EXPECT_EQ(fs::cost::writes(up, ops.find("histogram"), 11), 22);  // 2 per edge, weighed as linspace
}

TEST(ParseProfile, WriteDtypesBilledOperandsAndEquality) {
  const auto& ops = fs::OpRegistry::instance();
  const fs::OpId ldexp = fs::OpRegistry::instance().intern("ldexp", fs::CostRule::Pointwise);  // a ufunc: interned at import
  const fs::OpId copyto = ops.find("copyto"), tif = ops.find("tril_indices_from");
  ASSERT_GE(copyto, 0);
  ASSERT_GE(tif, 0);
  ASSERT_GE(ldexp, 0);
  using D = fs::Profile::WriteRule::Dtypes;
  fs::Profile p = fs::parse_profile("w", "writes.copyto 1 with-source\nwrites.tril_indices_from 1 first-output own-dtype\n"
                                         "billed_operands.ldexp 1\nequality.mismatched_shapes larger_operand\n");
  EXPECT_EQ(p.write_rule(copyto).dtypes, D::WithSource);
  EXPECT_EQ(p.write_rule(tif).dtypes, D::Own);
  EXPECT_EQ(p.write_rule(tif).counted, fs::Profile::Written::FirstOutput);
  EXPECT_EQ(p.billed_operands(ldexp), 1);
  EXPECT_EQ(p.billed_operands(copyto), 0);  // all of them
  EXPECT_TRUE(p.equality_bills_mismatched_shapes);
  EXPECT_FALSE(fs::profile_by_name("primer").equality_bills_mismatched_shapes);
  EXPECT_EQ(fs::profile_by_name("primer").billed_operands(ldexp), 0);
  EXPECT_THROW(fs::parse_profile("e", "billed_operands.ldexp 0\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("e", "equality.mismatched_shapes sometimes\n"), std::invalid_argument);
  const fs::OpId land = fs::OpRegistry::instance().intern("logical_and", fs::CostRule::Pointwise);
  fs::Profile c = fs::parse_profile("c", "complex_factor_when.logical_and one_dtype\n");
  EXPECT_TRUE(c.complex_factor_needs_one_dtype(land));
  EXPECT_FALSE(c.complex_factor_needs_one_dtype(ldexp));
  EXPECT_TRUE(fs::profile_by_name("flopscope-0.12").complex_factor_needs_one_dtype(land));
  EXPECT_FALSE(fs::profile_by_name("primer").complex_factor_needs_one_dtype(land));
  EXPECT_THROW(fs::parse_profile("e", "complex_factor_when.logical_and always\n"), std::invalid_argument);
}

TEST(ParseProfile, DtypeArgumentRule) {
  fs::Profile p = fs::parse_profile("d", "dtype_argument.clip ignored\ndtype_argument.sum billed\n");
  const auto& ops = fs::OpRegistry::instance();
  for (const char* name : {"clip", "sum", "sort", "cov"}) ASSERT_GE(ops.find(name), 0) << name;
  EXPECT_TRUE(p.ignores_dtype_argument(ops.find("clip")));
  EXPECT_FALSE(p.ignores_dtype_argument(ops.find("sum")));
  EXPECT_FALSE(p.ignores_dtype_argument(ops.find("sort")));  // not listed
  EXPECT_FALSE(fs::profile_by_name("primer").ignores_dtype_argument(ops.find("clip")));
  EXPECT_TRUE(fs::profile_by_name("flopscope-0.12").ignores_dtype_argument(ops.find("cov")));
  EXPECT_FALSE(p.ignores_dtype_argument(ops.find("no-such-op")));  // -1: no rule of its own, no crash
  EXPECT_DOUBLE_EQ(p.weight(ops.find("no-such-op")), p.default_weight);
  EXPECT_THROW(fs::parse_profile("e", "dtype_argument.clip maybe\n"), std::invalid_argument);
  fs::Profile h = fs::parse_profile("h", "dtype_argument.astype heavier\n");
  EXPECT_TRUE(h.dtype_argument_heavier(ops.find("astype")));
  EXPECT_FALSE(h.ignores_dtype_argument(ops.find("astype")));
  EXPECT_FALSE(p.dtype_argument_heavier(ops.find("clip")));
}

TEST(ParseProfile, ReportNamesAndBehaviourFlags) {
  fs::Profile p = fs::parse_profile("names", "report_as.divide true_divide\nreport_as.shape -\n"
                                             "arrays.immutable true\nstats.promotion_warning true\n");
  EXPECT_EQ(p.report_name("divide"), "true_divide");
  EXPECT_EQ(p.report_name("shape"), "-");
  EXPECT_EQ(p.report_name("add"), "add");  // not renamed
  EXPECT_TRUE(p.arrays_immutable);
  EXPECT_TRUE(p.stats_promotion_warning);
  fs::Profile none = fs::parse_profile("none", "");
  EXPECT_EQ(none.report_name("divide"), "divide");
  EXPECT_FALSE(none.arrays_immutable);
  EXPECT_FALSE(none.stats_promotion_warning);
  EXPECT_THROW(fs::parse_profile("bad", "report_as.divide true divide\n"), std::invalid_argument);
  EXPECT_THROW(fs::parse_profile("bad", "arrays.immutable yes\n"), std::invalid_argument);
  // upstream flopscope 0.12.4's grader: immutable arrays, its op names, the stats warning
  const fs::Profile& up = fs::profile_by_name("flopscope-0.12");
  EXPECT_TRUE(up.arrays_immutable && up.stats_promotion_warning);
  EXPECT_EQ(up.report_name("absolute"), "abs");
  EXPECT_FALSE(fs::profile_by_name("primer").arrays_immutable);
}
