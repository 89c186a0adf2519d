// Expected values: NumPy's documented promotion table (np.promote_types,
// NEP 50) and the worked examples of spec section 2.4 for the upstream profile.
#include <gtest/gtest.h>

#include <vector>

#include "flopscope/cost_model.hpp"
#include "flopscope/dtype.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace fs = flopscope;
namespace D = flopscope::dtype;

namespace {
constexpr int kBool = 0, kInt8 = 1, kUint8 = 2, kInt16 = 3, kInt32 = 5, kUint32 = 6, kInt64 = 7, kUint64 = 8,
              kFloat32 = 11, kFloat64 = 12, kComplex64 = 14, kComplex128 = 15, kFloat16 = 23;
D::Dtype t(int n) { return D::from_type_num(n); }
std::string_view promoted(int a, int b) { return D::name(D::promote(t(a), t(b))); }
}  // namespace

TEST(Dtype, PromotionIsNumPys) {
  EXPECT_EQ(promoted(kInt8, kUint8), "int16");
  EXPECT_EQ(promoted(kInt32, kUint32), "int64");
  EXPECT_EQ(promoted(kInt64, kUint64), "float64");
  EXPECT_EQ(promoted(kInt16, kFloat16), "float32");
  EXPECT_EQ(promoted(kInt32, kFloat32), "float64");
  EXPECT_EQ(promoted(kUint8, kFloat16), "float16");
  EXPECT_EQ(promoted(kComplex64, kFloat64), "complex128");
  EXPECT_EQ(promoted(kComplex64, kInt16), "complex64");
  EXPECT_EQ(promoted(kBool, kBool), "bool");
  EXPECT_EQ(promoted(kBool, kInt8), "int8");
  EXPECT_EQ(D::name(t(kFloat16)), "float16");
  EXPECT_EQ(t(999).kind, 0);  // not numeric
}

TEST(Dtype, WeakPythonScalarsOnlyLiftTheKind) {
  using W = D::Weak;
  auto rt = [](std::initializer_list<int> arrays, std::initializer_list<W> weak) {
    std::vector<D::Dtype> a;
    for (int n : arrays) a.push_back(t(n));
    std::vector<W> w(weak);
    return std::string(D::name(D::result_type(a, w)));
  };
  EXPECT_EQ(rt({kFloat32}, {W::Float}), "float32");
  EXPECT_EQ(rt({kInt32}, {W::Float}), "float64");
  EXPECT_EQ(rt({kInt8}, {W::Int}), "int8");
  EXPECT_EQ(rt({kBool}, {W::Int}), "int64");
  EXPECT_EQ(rt({kFloat32}, {W::Complex}), "complex64");
  EXPECT_EQ(rt({kInt16}, {W::Complex}), "complex128");
  EXPECT_EQ(rt({}, {W::Float, W::Int}), "float64");
  EXPECT_EQ(rt({}, {W::Int}), "int64");
}

TEST(Dtype, ComputeDtypes) {
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfInt, t(kUint8))), "float16");
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfInt, t(kInt16))), "float32");
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfInt, t(kInt32))), "float64");
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfInt, t(kFloat32))), "float32");
  EXPECT_EQ(D::name(D::compute(D::Compute::Int64Accumulator, t(kInt8))), "int64");
  EXPECT_EQ(D::name(D::compute(D::Compute::Fft, t(kFloat32))), "complex64");
  EXPECT_EQ(D::name(D::compute(D::Compute::Fft, t(kFloat64))), "complex128");
  EXPECT_EQ(D::name(D::compute(D::Compute::Fft, t(kInt32))), "complex128");
  EXPECT_EQ(D::name(D::compute(D::Compute::Float64, t(kFloat32))), "float64");
  EXPECT_EQ(D::name(D::compute(D::Compute::Float64, t(kComplex64))), "complex128");  // np.float_power
  // np.sort_complex's result: 'bhBH' -> complex64, other reals -> complex128, complex kept.
  EXPECT_EQ(D::name(D::compute(D::Compute::ComplexResult, t(kInt8))), "complex64");
  EXPECT_EQ(D::name(D::compute(D::Compute::ComplexResult, t(4 /* uint16 */))), "complex64");
  EXPECT_EQ(D::name(D::compute(D::Compute::ComplexResult, t(kInt32))), "complex128");
  EXPECT_EQ(D::name(D::compute(D::Compute::ComplexResult, t(kFloat32))), "complex128");
  EXPECT_EQ(D::name(D::compute(D::Compute::ComplexResult, t(kBool))), "complex128");
  EXPECT_EQ(D::name(D::compute(D::Compute::ComplexResult, t(kComplex64))), "complex64");
  // A histogram's counts (int64) promoted with its samples.
  EXPECT_EQ(D::name(D::compute(D::Compute::WithInt64, t(kFloat32))), "float64");
  EXPECT_EQ(D::name(D::compute(D::Compute::WithInt64, t(kFloat16))), "float64");
  EXPECT_EQ(D::name(D::compute(D::Compute::WithInt64, t(kBool))), "int64");
  EXPECT_EQ(D::name(D::compute(D::Compute::WithInt64, t(kUint8))), "int64");
  EXPECT_EQ(D::name(D::compute(D::Compute::WithInt64, t(kUint64))), "float64");
  EXPECT_EQ(D::name(D::compute(D::Compute::WithInt64, t(kComplex64))), "complex128");
  EXPECT_EQ(D::name(D::compute(D::Compute::Bool, t(kFloat64))), "bool");
  EXPECT_EQ(D::name(D::compute(D::Compute::Bool, D::Dtype{})), "bool");  // no operand at all
  // NumPy's angle of a real array, arctan2(0, z): a Python int 0 promotes bool to int64.
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfIntWithInt, t(kBool))), "float64");
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfIntWithInt, t(kUint8))), "float16");
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfIntWithInt, t(kInt16))), "float32");
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfIntWithInt, t(kInt32))), "float64");
  EXPECT_EQ(D::name(D::compute(D::Compute::FloatOfIntWithInt, t(kFloat32))), "float32");
}

TEST(Dtype, UpstreamProfileBillsTheWorkedExamples) {
  // Spec 2.4, N = 100 elementwise: multiply f32 100, f64 200, c64 600, c128 1200;
  // add 100 / 200 / 200 / 400; sin 1600 / 3200 / 5440 / 10880.
  const fs::Profile& p = fs::profile_by_name("flopscope-0.12");
  auto& reg = fs::OpRegistry::instance();
  auto bill = [&](const char* op, int type) {
    const fs::OpId id = reg.intern(op, fs::CostRule::Pointwise);
    const D::Dtype d[1] = {t(type)};
    return fs::cost::dtype_billed(p, id, fs::cost::detail::apply_weight(p, id, 100), d, {});
  };
  EXPECT_EQ(bill("multiply", kFloat32), 100);
  EXPECT_EQ(bill("multiply", kFloat64), 200);
  EXPECT_EQ(bill("multiply", kComplex64), 600);
  EXPECT_EQ(bill("multiply", kComplex128), 1200);
  EXPECT_EQ(bill("add", kComplex64), 200);
  EXPECT_EQ(bill("add", kComplex128), 400);
  EXPECT_EQ(bill("sin", kFloat32), 1600);
  EXPECT_EQ(bill("sin", kFloat64), 3200);
  EXPECT_EQ(bill("sin", kComplex64), 5440);
  EXPECT_EQ(bill("sin", kComplex128), 10880);
  EXPECT_EQ(bill("sin", kInt32), 3200);  // computed in float64
  // Upstream bills at least 1 per pointwise call (before the rate), the primer 0.
  EXPECT_EQ(fs::cost::dtype_billed(p, reg.intern("add", fs::CostRule::Pointwise),
                                   fs::cost::pointwise(p, reg.intern("add", fs::CostRule::Pointwise), 0),
                                   std::span<const D::Dtype>(), {}), 2);
  EXPECT_EQ(fs::cost::pointwise(fs::profile_by_name("primer"), reg.intern("add", fs::CostRule::Pointwise), 0), 0);
  EXPECT_EQ(fs::cost::reduction(p, reg.intern("sum", fs::CostRule::Reduction), 0, 1), 1);
  EXPECT_EQ(fs::cost::reduction(fs::profile_by_name("primer"), reg.intern("sum", fs::CostRule::Reduction), 0, 1), 0);
  // The primer is dtype-blind for real operands (its complex factors: below).
  const fs::Profile& primer = fs::profile_by_name("primer");
  const D::Dtype f[1] = {t(kFloat64)};
  EXPECT_EQ(fs::cost::dtype_billed(primer, reg.intern("multiply", fs::CostRule::Pointwise), 100, f, {}), 100);
}

TEST(Dtype, PrimerPricesComplexOperandsByTheirRealOperations) {
  // primer profile, "complex operands" (docs/cost-model.md): a call whose
  // operands promote to a complex dtype bills its count x the op's factor, at
  // no dtype rate; every real call keeps the primer's count.
  const fs::Profile& p = fs::profile_by_name("primer");
  auto& reg = fs::OpRegistry::instance();
  EXPECT_FALSE(p.dtype_aware());
  EXPECT_TRUE(p.prices_complex());
  auto bill = [&](const char* op, fs::CostRule rule, std::initializer_list<int> types,
                  std::initializer_list<D::Weak> weak = {}) {
    std::vector<D::Dtype> arrays;
    for (int ty : types) arrays.push_back(t(ty));
    std::vector<D::Weak> w(weak);
    return fs::cost::dtype_billed(p, reg.intern(op, rule), 100, arrays, w);
  };
  const auto P = fs::CostRule::Pointwise, R = fs::CostRule::Reduction;
  for (int real : {kFloat64, kFloat32, kInt64, kInt32}) {
    EXPECT_EQ(bill("multiply", P, {real}), 100);
    EXPECT_EQ(bill("divide", P, {real, real}), 100);
    EXPECT_EQ(bill("exp", P, {real}), 100);
    EXPECT_EQ(bill("prod", R, {real}), 100);
  }
  for (int c : {kComplex64, kComplex128}) {
    EXPECT_EQ(bill("multiply", P, {c, c}), 600);  // 4 multiplies, 2 adds
    EXPECT_EQ(bill("add", P, {c, c}), 200);       // the default: both parts
    EXPECT_EQ(bill("divide", P, {c, c}), 1100);   // 6 multiplies, 3 adds, 2 divides
    EXPECT_EQ(bill("absolute", P, {c}), 400);     // sqrt(a^2 + b^2)
    EXPECT_EQ(bill("exp", P, {c}), 500);
    EXPECT_EQ(bill("sum", R, {c}), 200);
    EXPECT_EQ(bill("prod", R, {c}), 600);
    EXPECT_EQ(bill("less", P, {c, c}), 100);      // comparisons unchanged
    EXPECT_EQ(bill("sort", fs::CostRule::Sort, {c}), 100);
    EXPECT_EQ(bill("linalg.inv", fs::CostRule::Linalg, {c}), 400);
    EXPECT_EQ(bill("linalg.trace", fs::CostRule::Linalg, {c}), 200);
    EXPECT_EQ(bill("fft.fft", fs::CostRule::Fourier, {c}), 100);  // already a complex transform's count
    // A ufunc's methods take its factor.
    EXPECT_EQ(bill("multiply.reduce", R, {c}), 600);
    EXPECT_EQ(bill("multiply.outer", P, {c, c}), 600);
    EXPECT_EQ(bill("exp.at", P, {c}), 500);
    EXPECT_EQ(bill("add.accumulate", R, {c}), 200);
  }
  // Mixed operands bill the complex type NumPy computes in: float32 with
  // complex64, float64 with a Python complex (NEP 50 weak scalar).
  EXPECT_EQ(bill("multiply", P, {kFloat32, kComplex64}), 600);
  EXPECT_EQ(bill("multiply", P, {kFloat64}, {D::Weak::Complex}), 600);
  EXPECT_EQ(bill("multiply", P, {kFloat64}, {D::Weak::Float}), 100);
  // The exact contraction count replaces the factor for a complex billed dtype only.
  const D::Dtype c128[1] = {t(kComplex128)}, f64[1] = {t(kFloat64)};
  const fs::OpId mm = reg.intern("matmul", fs::CostRule::Contraction);
  EXPECT_EQ(fs::cost::dtype_billed(p, mm, 100, c128, {}, 400), 400);
  EXPECT_EQ(fs::cost::dtype_billed(p, mm, 100, f64, {}, 400), 100);
  EXPECT_EQ(fs::cost::dtype_billed_exactly(p, mm, 100, t(kFloat64), 400), 100);  // dtype=float64
  // A profile with no complex keys stays dtype-blind.
  const fs::Profile plain = fs::parse_profile("plain-complex", "weight.default 1\n");
  EXPECT_FALSE(plain.prices_complex());
  EXPECT_EQ(fs::cost::dtype_billed(plain, reg.intern("multiply", P), 100, c128, {}), 100);
  // Without ufunc_methods.complex_factor a method takes the default factor.
  const fs::Profile own = fs::parse_profile("own-methods", "complex_factor.multiply 6\ncomplex_factor.default 2\n");
  EXPECT_EQ(fs::cost::dtype_billed(own, reg.intern("multiply.reduce", R), 100, c128, {}), 200);
  EXPECT_EQ(fs::cost::dtype_billed(own, reg.intern("multiply", P), 100, c128, {}), 600);
  EXPECT_THROW(fs::parse_profile("bad", "ufunc_methods.complex_factor bogus\n"), std::invalid_argument);
}
