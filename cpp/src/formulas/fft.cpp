// Source: the radix-2 Cooley-Tukey operation count, 5 n log2 n real FLOPs per
// complex transform of length n (Van Loan, Computational Frameworks for the
// Fast Fourier Transform, 1.4; spec section 2.10), half of it for real signals.
#include "flopscope/formulas/fft.hpp"

#include <algorithm>
#include <string>

namespace flopscope::formulas::fft {
namespace {

enum class Kind { Complex, RealForward, RealInverse };
enum class Default { AllAxes, LastTwo };

// NumPy's refusal of a transform length below 1.
std::int64_t points(std::int64_t n) {
  if (n < 1) throw SignatureError("Invalid number of FFT data points (" + std::to_string(n) + ") specified.");
  return n;
}

void check_norm(const Signature& s, std::size_t i) {
  if (!s.given(i)) return;
  const std::string_view v = s.str_or(i, "");
  if (v != "backward" && v != "ortho" && v != "forward")
    throw SignatureError("Invalid norm value; should be \"backward\", \"ortho\" or \"forward\".");
}


// A signal of n points transformed `transforms` times: 5 n ceil(log2 n) for a complex
// signal, 5 (n//2) ceil(log2 n) for a real one, with log_sum = ceil(log2 n)
// (the sum over the axes for an n-d transform, n the product of the lengths).
Flops priced(Kind kind, Flops transforms, Flops n, Flops log_sum) {
  const Flops per = kind == Kind::Complex ? n : n / 2;
  return checked_mul(transforms, checked_mul(checked_mul(5, per), log_sum));
}

// fft(a, n=None, axis=-1, norm=None): one transform of length n per 1-d
// slice along the axis; n is the real signal's length for the real kinds.
Flops one_axis(const Signature& s, Kind kind) {
  const auto shape = s.shape(0);
  const int axis = s.axis_or(2, static_cast<int>(shape.size()), -1);
  const std::int64_t m = shape[static_cast<std::size_t>(axis)];
  const std::int64_t n = points(s.int_or(1, kind == Kind::RealInverse ? 2 * (m - 1) : m));
  check_norm(s, 3);
  Flops transforms = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (static_cast<int>(d) != axis) transforms = checked_mul(transforms, shape[d]);
  return priced(kind, transforms, n, formula_util::ceil_log2(n));
}

// fftn(a, s=None, axes=None, norm=None), read as NumPy's _cook_nd_args does:
// s defaults to the input's extents (the last one 2(m-1) for the inverse real
// transform), an s without axes names the last len(s) axes, s[i] = -1 keeps
// the input's extent. `full` is the full-length (complex, or for the real
// kinds real) signal's shape; no axes: nothing is transformed.
struct Plan {
  std::vector<int> axes;           // as listed; NumPy transforms the last first
  std::vector<std::int64_t> full;  // the signal's shape
};

Plan plan_of(const Signature& s, Kind kind, Default fallback) {
  const auto shape = s.shape(0);
  const int nd = static_cast<int>(shape.size());
  const bool shapeless = !s.given(1);
  std::vector<std::int64_t> lengths = s.ints_or_empty(1);
  std::vector<std::int64_t> raw;
  if (s.given(2)) {
    raw = s.ints_or_empty(2);
  } else if (fallback == Default::LastTwo && s[2].kind == Arg::Kind::Absent) {
    raw = {-2, -1};
  } else {
    const std::int64_t k = shapeless ? nd : static_cast<std::int64_t>(lengths.size());
    for (std::int64_t i = 0; i < k; ++i) raw.push_back(shapeless ? i : i - k);
  }
  Plan plan;
  for (std::int64_t a : raw) plan.axes.push_back(normalize_axis(a, nd));
  if (shapeless)
    for (int a : plan.axes) lengths.push_back(shape[static_cast<std::size_t>(a)]);
  if (lengths.size() != plan.axes.size()) throw SignatureError("Shape and axes have different lengths.");
  if (plan.axes.empty()) {
    if (kind != Kind::Complex) throw SignatureError("a real transform needs at least one axis");
    return plan;  // no axis transformed: NumPy returns the input
  }
  if (kind == Kind::RealInverse && shapeless)
    lengths.back() = 2 * (shape[static_cast<std::size_t>(plan.axes.back())] - 1);
  for (std::size_t i = 0; i < plan.axes.size(); ++i)
    if (lengths[i] == -1) lengths[i] = shape[static_cast<std::size_t>(plan.axes[i])];
  check_norm(s, 3);
  // The first listing of a repeated axis sets its final length.
  plan.full.assign(shape.begin(), shape.end());
  for (std::size_t i = plan.axes.size(); i-- > 0;) plan.full[static_cast<std::size_t>(plan.axes[i])] = points(lengths[i]);
  return plan;
}

// The primer's count: the lengths' log2 summed over the axes, N the product
// of the transformed lengths.
Flops many_axes(const Signature& s, Kind kind, Default fallback) {
  const Plan plan = plan_of(s, kind, fallback);
  if (plan.axes.empty()) return 0;
  Flops log_sum = 0;
  for (std::size_t i = plan.axes.size(); i-- > 0;)
    log_sum += formula_util::ceil_log2(plan.full[static_cast<std::size_t>(plan.axes[i])]);
  Flops transforms = 1, n = 1;
  for (int d = 0; d < static_cast<int>(plan.full.size()); ++d) {
    Flops& factor = std::find(plan.axes.begin(), plan.axes.end(), d) != plan.axes.end() ? n : transforms;
    factor = checked_mul(factor, plan.full[static_cast<std::size_t>(d)]);
  }
  return priced(kind, transforms, n, log_sum);
}

// 1-d transforms of `shape` along `axis` (length shape[axis]), one per other index.
Flops stage(Kind kind, const std::vector<std::int64_t>& shape, int axis) {
  const std::int64_t n = shape[static_cast<std::size_t>(axis)];
  Flops transforms = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (static_cast<int>(d) != axis) transforms = checked_mul(transforms, shape[d]);
  return priced(kind, transforms, n, formula_util::ceil_log2(n));
}

// Upstream 0.12.4's real n-d transforms (spec 2.10, "newest"): the real 1-d
// stage on the last axis, complex stages on the half spectrum for the others
// (the inverse: the complex stages first, then the real one).
Flops staged_real(const Signature& s, Kind kind, Default fallback) {
  const Plan plan = plan_of(s, kind, fallback);
  const int last = plan.axes.back();
  std::vector<std::int64_t> half = plan.full;
  half[static_cast<std::size_t>(last)] = plan.full[static_cast<std::size_t>(last)] / 2 + 1;
  Flops total = stage(kind, plan.full, last);
  for (std::size_t i = plan.axes.size() - 1; i-- > 0;)
    if (plan.axes[i] != last) total = checked_add(total, stage(Kind::Complex, half, plan.axes[i]));
  return total;
}

// fftfreq(n, d=1.0): n must be an int; n = 0 divides by zero (n d).
std::int64_t frequencies(const Signature& s) {
  const std::int64_t n = s.int_or(0, 0);
  if (n == 0) throw SignatureError("n must not be 0");
  return n;
}

}  // namespace

Flops fft(const Signature& s) { return one_axis(s, Kind::Complex); }
Flops rfft(const Signature& s) { return one_axis(s, Kind::RealForward); }
Flops irfft(const Signature& s) { return one_axis(s, Kind::RealInverse); }
Flops fftn(const Signature& s) { return many_axes(s, Kind::Complex, Default::AllAxes); }
Flops fft2(const Signature& s) { return many_axes(s, Kind::Complex, Default::LastTwo); }
Flops rfftn(const Signature& s) { return many_axes(s, Kind::RealForward, Default::AllAxes); }
Flops rfft2(const Signature& s) { return many_axes(s, Kind::RealForward, Default::LastTwo); }
Flops irfftn(const Signature& s) { return many_axes(s, Kind::RealInverse, Default::AllAxes); }
Flops irfft2(const Signature& s) { return many_axes(s, Kind::RealInverse, Default::LastTwo); }

// One multiply by 1/(n d) per frequency: n of them, n//2 + 1 for rfftfreq.
// fftfreq refuses n < 0 (an array of negative size); rfftfreq returns no
// frequency for it (arange(0, n//2 + 1) is empty).
Flops fftfreq(const Signature& s) {
  const std::int64_t n = frequencies(s);
  if (n < 0) throw SignatureError("negative dimensions are not allowed");
  return n;
}
Flops rfftfreq(const Signature& s) {
  const std::int64_t n = frequencies(s);
  return n < 0 ? 0 : n / 2 + 1;
}

namespace flopscope012 {
Flops rfftn(const Signature& s) { return staged_real(s, Kind::RealForward, Default::AllAxes); }
Flops rfft2(const Signature& s) { return staged_real(s, Kind::RealForward, Default::LastTwo); }
Flops irfftn(const Signature& s) { return staged_real(s, Kind::RealInverse, Default::AllAxes); }
Flops irfft2(const Signature& s) { return staged_real(s, Kind::RealInverse, Default::LastTwo); }
}  // namespace flopscope012

}  // namespace flopscope::formulas::fft
