#include <gtest/gtest.h>

#include "flopscope/formulas/linalg.hpp"
#include "flopscope/ops.hpp"
#include "signature_builder.hpp"

namespace flopscope {
namespace {

using testing::SigBuilder;

TEST(Slots, ParsesOperandsParamsAndKeywordOnly) {
  auto slots = parse_slots("&a &*arrays n * axis");
  ASSERT_EQ(slots.size(), 4u);
  EXPECT_EQ(slots[0].kind, Slot::Kind::Operand);
  EXPECT_EQ(slots[0].name, "a");
  EXPECT_EQ(slots[1].kind, Slot::Kind::Operands);
  EXPECT_EQ(slots[1].name, "arrays");
  EXPECT_EQ(slots[2].kind, Slot::Kind::Param);
  EXPECT_FALSE(slots[2].keyword_only);
  EXPECT_TRUE(slots[3].keyword_only);
  auto shapes = parse_slots("#+args");
  ASSERT_EQ(shapes.size(), 1u);
  EXPECT_EQ(shapes[0].kind, Slot::Kind::RestValues);
  EXPECT_EQ(shapes[0].name, "args");
}

TEST(Slots, ParsesVarargsAndIntTables) {
  auto slots = parse_slots("&f &+varargs #pad_width * axis");
  ASSERT_EQ(slots.size(), 4u);
  EXPECT_EQ(slots[1].kind, Slot::Kind::Rest);
  EXPECT_EQ(slots[1].name, "varargs");
  EXPECT_EQ(slots[2].kind, Slot::Kind::IntTable);
  EXPECT_EQ(slots[2].name, "pad_width");
  EXPECT_TRUE(slots[3].keyword_only);
}

TEST(Signature, AccessorsValidate) {
  SigBuilder b;
  b.array({2, 3}).integer(-1).ints({0, 1}).str("ortho").none().absent();
  Signature s = b.sig();
  EXPECT_EQ(s.numel(0), 6);
  EXPECT_EQ(s.dim(0, -1), 3);
  EXPECT_EQ(s.axis_or(1, 2, 0), 1);
  EXPECT_EQ(s.axes_or_all(2, 2), (std::vector<int>{0, 1}));
  EXPECT_EQ(s.axes_or_all(4, 2), (std::vector<int>{0, 1}));  // None: all axes
  EXPECT_EQ(s.str_or(3, ""), "ortho");
  EXPECT_EQ(s.int_or(5, 7), 7);
  EXPECT_EQ(s.int_or(99, 7), 7);  // beyond the call: absent
  EXPECT_THROW(s.axis_or(1, 0, 0), SignatureError);
  EXPECT_THROW(s.int_or(3, 0), SignatureError);
  EXPECT_THROW(s.shape(3), SignatureError);
  SigBuilder repeated;
  repeated.ints({1, -1});
  EXPECT_THROW(repeated.sig().axes_or_all(0, 2), SignatureError);
}

TEST(FormulaUtil, CeilLog2AndBatch) {
  EXPECT_EQ(formula_util::ceil_log2(0), 0);
  EXPECT_EQ(formula_util::ceil_log2(1), 0);
  EXPECT_EQ(formula_util::ceil_log2(2), 1);
  EXPECT_EQ(formula_util::ceil_log2(5), 3);
  EXPECT_EQ(formula_util::ceil_log2(1024), 10);
  const std::int64_t shape[] = {4, 5, 3, 3};
  EXPECT_EQ(formula_util::batch(shape, 2), 20);
}

TEST(OpTable, EveryPricedRowHasOneWayToPriceItsSlots) {
  auto& reg = OpRegistry::instance();
  for (std::size_t i = 0; i < reg.table_size(); ++i) {
    const OpInfo& info = reg.info(static_cast<OpId>(i));
    // One way to price it: a formula, the extents the contraction engine prices, or a pricer.
    const int ways = (info.formula != nullptr) + (info.dims != nullptr) + (info.pricer != nullptr);
    if (info.rule == CostRule::Free && info.slots.empty()) {
      EXPECT_EQ(ways, 0) << info.name;
    } else {
      EXPECT_EQ(ways, 1) << info.name;
      EXPECT_NE(info.formula_doc, nullptr) << info.name;
      EXPECT_FALSE(info.slots.empty()) << info.name;
    }
    if (info.dims != nullptr) EXPECT_EQ(info.rule, CostRule::Contraction) << info.name;
    EXPECT_EQ(reg.find(info.name), static_cast<OpId>(i)) << "duplicate row " << info.name;
  }
}

TEST(LinalgFormulas, SolveInvCholesky) {
  SigBuilder vec;
  vec.array({4, 4}).array({4});
  EXPECT_EQ(formulas::linalg::solve(vec.sig()), 2 * 64 / 3 + 2 * 16);
  SigBuilder batched;  // 5 systems of 3x3 with 2 right-hand sides each
  batched.array({5, 3, 3}).array({5, 3, 2});
  EXPECT_EQ(formulas::linalg::solve(batched.sig()), 5 * (2 * 27 / 3 + 2 * 9 * 2));
  SigBuilder wide;  // one a, a stack of 1000 b: NumPy solves 1000 systems
  wide.array({8, 8}).array({1000, 8, 8});
  EXPECT_EQ(formulas::linalg::solve(wide.sig()), 1000 * (2 * 512 / 3 + 2 * 64 * 8));
  SigBuilder clash;
  clash.array({2, 3, 3}).array({4, 3, 1});
  EXPECT_THROW(formulas::linalg::solve(clash.sig()), SignatureError);
  SigBuilder sq;
  sq.array({2, 6, 6});
  EXPECT_EQ(formulas::linalg::inv(sq.sig()), 2 * 2 * 216);
  EXPECT_EQ(formulas::linalg::cholesky(sq.sig()), 2 * 216 / 3);
  SigBuilder rect;
  rect.array({3, 4});
  EXPECT_THROW(formulas::linalg::inv(rect.sig()), SignatureError);
  SigBuilder flat;
  flat.array({4});
  EXPECT_THROW(formulas::linalg::cholesky(flat.sig()), SignatureError);
}

}  // namespace
}  // namespace flopscope
