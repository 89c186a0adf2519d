// The meter: budget checks, charge/refund, namespaces, deduct and the timing identity.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <thread>

#include "flopscope/clock.hpp"
#include "flopscope/meter.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace fs = flopscope;

namespace {
const fs::Profile& primer() { return fs::profile_by_name("primer"); }
fs::OpId add_op() { return fs::OpRegistry::instance().intern("add", fs::CostRule::Pointwise); }
fs::OpId sum_op() { return fs::OpRegistry::instance().intern("sum", fs::CostRule::Reduction); }
const fs::OpStats* stats_in(const fs::Meter& m, const std::string& ns, fs::OpId op) {
  for (const auto& n : m.namespaces())
    if (n.name == ns) return &n.ops[static_cast<std::size_t>(op)];
  return nullptr;
}
}  // namespace

TEST(MeterBudget, NonPositiveBudgetThrows) {
  EXPECT_THROW(fs::Meter(0, primer()), std::invalid_argument);
  EXPECT_THROW(fs::Meter(-1, primer()), std::invalid_argument);
  EXPECT_THROW(fs::Meter(std::numeric_limits<fs::Flops>::min(), primer()), std::invalid_argument);
  EXPECT_NO_THROW(fs::Meter(1, primer()));
}

TEST(MeterBudget, BadWallTimeLimitThrows) {
  EXPECT_THROW(fs::Meter(10, primer(), -1.0), std::invalid_argument);
  EXPECT_THROW(fs::Meter(10, primer(), std::numeric_limits<double>::infinity()), std::invalid_argument);
  EXPECT_THROW(fs::Meter(10, primer(), std::nan("")), std::invalid_argument);
  fs::Meter ok(10, primer(), 2.5);
  EXPECT_DOUBLE_EQ(ok.wall_time_limit_s(), 2.5);
}

TEST(MeterBudget, ChargeRefundAndCanAfford) {
  fs::Meter m(100, primer());
  EXPECT_EQ(m.flop_budget(), 100);
  EXPECT_EQ(m.flops_used(), 0);
  EXPECT_EQ(m.flops_remaining(), 100);
  EXPECT_TRUE(m.can_afford(100));  // exact spend allowed
  EXPECT_FALSE(m.can_afford(101));
  m.charge(add_op(), 60);
  EXPECT_EQ(m.flops_used(), 60);
  EXPECT_EQ(m.flops_remaining(), 40);
  EXPECT_TRUE(m.can_afford(40));
  EXPECT_FALSE(m.can_afford(41));
  const fs::OpStats* s = stats_in(m, "", add_op());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->flops, 60);
  EXPECT_EQ(s->calls, 1);
  m.refund(add_op(), 60);
  EXPECT_EQ(m.flops_used(), 0);
  EXPECT_EQ(s->flops, 0);
  EXPECT_EQ(s->calls, 0);
  m.charge(add_op(), 100);
  EXPECT_EQ(m.flops_remaining(), 0);
  EXPECT_TRUE(m.can_afford(0));
  EXPECT_FALSE(m.can_afford(1));
}

TEST(MeterBudget, UsedOpsInFirstUseOrder) {
  fs::Meter m(1000, primer());
  m.charge(sum_op(), 5);
  m.charge(add_op(), 3);
  m.charge(sum_op(), 7);
  const auto& root = m.namespaces().at(0);
  EXPECT_EQ(root.name, "");
  ASSERT_EQ(root.used.size(), 2u);
  EXPECT_EQ(root.used[0], sum_op());
  EXPECT_EQ(root.used[1], add_op());
  EXPECT_EQ(root.ops[sum_op()].flops, 12);
  EXPECT_EQ(root.ops[sum_op()].calls, 2);
}

TEST(MeterDeduct, FitsOrChargesNothing) {
  fs::Meter m(50, primer());
  EXPECT_TRUE(m.deduct(add_op(), 30));
  EXPECT_EQ(m.flops_used(), 30);
  EXPECT_FALSE(m.deduct(add_op(), 21));
  EXPECT_EQ(m.flops_used(), 30);
  EXPECT_TRUE(m.deduct(add_op(), 20));  // exact spend
  EXPECT_EQ(m.flops_used(), 50);
  EXPECT_TRUE(m.deduct(add_op(), 0));
  EXPECT_THROW(m.deduct(add_op(), -1), std::invalid_argument);
  EXPECT_EQ(m.flops_used(), 50);
}

TEST(MeterNamespaces, PushPopAttribution) {
  fs::Meter m(1000, primer());
  EXPECT_EQ(m.current_namespace(), "");
  m.push_namespace("outer");
  EXPECT_EQ(m.current_namespace(), "outer");
  m.charge(add_op(), 4);
  m.push_namespace("inner");
  EXPECT_EQ(m.current_namespace(), "outer.inner");
  m.charge(add_op(), 6);
  m.pop_namespace();
  EXPECT_EQ(m.current_namespace(), "outer");
  m.charge(add_op(), 1);
  m.pop_namespace();
  EXPECT_EQ(m.current_namespace(), "");
  m.charge(add_op(), 100);
  EXPECT_EQ(m.flops_used(), 111);
  ASSERT_NE(stats_in(m, "outer", add_op()), nullptr);
  EXPECT_EQ(stats_in(m, "outer", add_op())->flops, 5);
  EXPECT_EQ(stats_in(m, "outer", add_op())->calls, 2);
  ASSERT_NE(stats_in(m, "outer.inner", add_op()), nullptr);
  EXPECT_EQ(stats_in(m, "outer.inner", add_op())->flops, 6);
  EXPECT_EQ(stats_in(m, "", add_op())->flops, 100);
}

TEST(MeterNamespaces, InvalidSegmentAndUnbalancedPop) {
  fs::Meter m(10, primer());
  EXPECT_THROW(m.push_namespace(""), std::invalid_argument);
  EXPECT_THROW(m.push_namespace("a.b"), std::invalid_argument);
  EXPECT_EQ(m.current_namespace(), "");
  EXPECT_THROW(m.pop_namespace(), std::logic_error);
}

TEST(MeterTiming, IdentityAfterStop) {
  fs::Meter m(10, primer());
  EXPECT_FALSE(m.running());
  m.start();
  EXPECT_TRUE(m.running());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  m.add_time(add_op(), 1000, 500);
  m.add_overhead(250);
  m.stop();
  EXPECT_FALSE(m.running());
  EXPECT_EQ(m.backend_ticks(), 1000);
  EXPECT_EQ(m.overhead_ticks(), 750);
  EXPECT_GT(m.wall_ticks(), 1750);
  EXPECT_EQ(m.residual_ticks(), m.wall_ticks() - m.backend_ticks() - m.overhead_ticks());
  EXPECT_GE(m.elapsed_s(), 0.004);
  const fs::OpStats* s = stats_in(m, "", add_op());
  EXPECT_EQ(s->backend_ticks, 1000);
  EXPECT_EQ(s->overhead_ticks, 500);
}

TEST(MeterTiming, ResidualClampedAtZero) {
  fs::Meter m(10, primer());
  m.start();
  m.stop();
  m.add_time(add_op(), std::numeric_limits<fs::clock::Ticks>::max() / 4, 0);
  EXPECT_EQ(m.residual_ticks(), 0);
}

TEST(MeterTiming, WallAccumulatesOverEntriesAndRebaseClears) {
  fs::Meter m(100, primer());
  m.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  m.stop();
  auto first = m.wall_ticks();
  EXPECT_GT(first, 0);
  EXPECT_EQ(m.wall_ticks(), first);  // frozen while stopped
  m.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  m.stop();
  EXPECT_GT(m.wall_ticks(), first);
  m.charge(add_op(), 40);
  m.add_time(add_op(), 10, 10);
  m.rebase();
  EXPECT_EQ(m.flops_used(), 0);
  EXPECT_EQ(m.flop_budget(), 100);
  EXPECT_EQ(m.backend_ticks(), 0);
  EXPECT_EQ(m.overhead_ticks(), 0);
  EXPECT_EQ(m.wall_ticks(), 0);
  EXPECT_TRUE(m.namespaces().at(0).used.empty());
}

TEST(MeterTiming, Deadline) {
  fs::Meter none(10, primer());
  none.start();
  EXPECT_FALSE(none.deadline_passed(fs::clock::now() + fs::clock::from_seconds(1e6)));
  fs::Meter m(10, primer(), 0.001);
  m.start();
  auto t0 = fs::clock::now();
  EXPECT_FALSE(m.deadline_passed(t0));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(m.deadline_passed(fs::clock::now()));
}

TEST(MeterActive, ThreadLocalActiveMeter) {
  EXPECT_EQ(fs::active_meter_or_null(), nullptr);
  {
    fs::Meter m(10, primer());
    fs::set_active_meter(&m);
    EXPECT_EQ(fs::active_meter_or_null(), &m);
    EXPECT_EQ(&fs::current_meter(), &m);
  }  // the destructor clears the active pointer
  EXPECT_EQ(fs::active_meter_or_null(), nullptr);
}

TEST(MeterEnv, DefaultBudgetFromEnv) {
  ::unsetenv("FLOPSCOPE_DEFAULT_BUDGET");
  EXPECT_EQ(fs::default_budget_from_env(), 1000000000000000LL);
  ::setenv("FLOPSCOPE_DEFAULT_BUDGET", "1e6", 1);
  EXPECT_EQ(fs::default_budget_from_env(), 1000000);
  ::setenv("FLOPSCOPE_DEFAULT_BUDGET", "12345.9", 1);
  EXPECT_EQ(fs::default_budget_from_env(), 12345);
  for (const char* bad : {"abc", "0", "-5", "inf", "nan", "1e30", "10x"}) {
    ::setenv("FLOPSCOPE_DEFAULT_BUDGET", bad, 1);
    EXPECT_THROW(fs::default_budget_from_env(), std::invalid_argument) << bad;
  }
  ::unsetenv("FLOPSCOPE_DEFAULT_BUDGET");
}

TEST(MeterClock, SecondsPerTickPositive) {
  EXPECT_GT(fs::clock::seconds_per_tick(), 0.0);
  auto a = fs::clock::now();
  auto b = fs::clock::now();
  EXPECT_GE(b, a);
  EXPECT_NEAR(fs::clock::to_seconds(fs::clock::from_seconds(1.0)), 1.0, 1e-6);
}

TEST(MeterRecords, OffByDefaultThenOnePerCallInOrder) {
  fs::Meter m(1000, primer());
  m.charge(add_op(), 5);
  EXPECT_FALSE(m.recording());
  EXPECT_TRUE(m.records().empty());
  m.set_recording(true);
  m.start();
  const fs::clock::Ticks t = fs::clock::now();
  m.charge(add_op(), 10);
  m.record(add_op(), 10, t, 3, 2, {{2, 5}});
  m.push_namespace("layer");
  ASSERT_TRUE(m.deduct(sum_op(), 7));  // deduct records itself
  ASSERT_EQ(m.records().size(), 2u);
  const fs::OpRecord& a = m.records()[0];
  EXPECT_EQ(a.op, add_op());
  EXPECT_EQ(a.flops, 10);
  EXPECT_EQ(a.cumulative, 15);
  EXPECT_EQ(m.namespaces()[a.ns].name, "");
  EXPECT_EQ(a.start, t - m.origin());
  EXPECT_GE(a.start, 0);
  EXPECT_EQ(a.backend, 3);
  EXPECT_EQ(a.overhead, 2);
  EXPECT_EQ(a.shapes, (std::vector<std::vector<std::int64_t>>{{2, 5}}));
  const fs::OpRecord& b = m.records()[1];
  EXPECT_EQ(b.flops, 7);
  EXPECT_EQ(b.cumulative, 22);
  EXPECT_EQ(m.namespaces()[b.ns].name, "layer");
  EXPECT_FALSE(m.deduct(sum_op(), 10'000));  // refused: nothing recorded
  EXPECT_EQ(m.records().size(), 2u);
  m.rebase();
  EXPECT_TRUE(m.records().empty());
}
