#include "flopscope/signature.hpp"

#include <algorithm>
#include <cmath>

namespace flopscope {

std::vector<Slot> parse_slots(std::string_view text) {
  std::vector<Slot> slots;
  bool keyword_only = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(pos, end - pos);
    pos = end;
    if (token.empty()) continue;
    if (token == "*") {
      keyword_only = true;
      continue;
    }
    Slot slot;
    slot.keyword_only = keyword_only;
    if (token.starts_with("&*")) {
      slot.kind = Slot::Kind::Operands;
      token.remove_prefix(2);
    } else if (token.starts_with("&+")) {
      slot.kind = Slot::Kind::Rest;
      token.remove_prefix(2);
    } else if (token.starts_with("%")) {
      slot.billed = true;
      token.remove_prefix(1);
    } else if (token.starts_with("#+")) {
      slot.kind = Slot::Kind::RestValues;
      token.remove_prefix(2);
    } else if (token.starts_with("#")) {
      slot.kind = Slot::Kind::IntTable;
      token.remove_prefix(1);
    } else if (token.starts_with("&")) {
      slot.kind = Slot::Kind::Operand;
      token.remove_prefix(1);
    } else if (token.starts_with("@")) {
      slot.kind = Slot::Kind::Path;
      token.remove_prefix(1);
    }
    if (token.empty()) throw std::invalid_argument("parse_slots: empty parameter name");
    if (slot.kind == Slot::Kind::Param && !slot.billed && token == "out") slot.kind = Slot::Kind::Out;
    if (slot.kind == Slot::Kind::Param && !slot.billed && token == "dtype") slot.kind = Slot::Kind::Dtype;
    for (const Slot& other : slots)
      if (other.name == token) throw std::invalid_argument("parse_slots: parameter '" + std::string(token) + "' named twice");
    slot.name = std::string(token);
    slots.push_back(std::move(slot));
  }
  return slots;
}

namespace {
std::string position(std::size_t i) { return "argument " + std::to_string(i + 1); }
}  // namespace

bool axis_in_range(std::int64_t axis, int ndim, int* out) {
  if (axis < -ndim || axis >= ndim) return false;
  *out = static_cast<int>(axis < 0 ? axis + ndim : axis);
  return true;
}

int normalize_axis(std::int64_t axis, int ndim) {
  int out;
  if (!axis_in_range(axis, ndim, &out))
    throw SignatureError("axis " + std::to_string(axis) + " is out of bounds for an array of dimension " +
                         std::to_string(ndim));
  return out;
}

std::span<const std::int64_t> Signature::scalar_shape(std::size_t i) const {
  switch ((*this)[i].kind) {
    case Arg::Kind::Int:
    case Arg::Kind::Float:
    case Arg::Kind::Bool: return {};
    default: throw SignatureError(position(i) + " must be an array");
  }
}

std::int64_t Signature::dim(std::size_t i, int axis) const {
  auto s = shape(i);
  return s[static_cast<std::size_t>(normalize_axis(axis, static_cast<int>(s.size())))];
}

std::int64_t Signature::int_or(std::size_t i, std::int64_t fallback) const {
  const Arg& a = (*this)[i];
  if (a.kind == Arg::Kind::Absent || a.kind == Arg::Kind::None) return fallback;
  if (a.kind == Arg::Kind::Int || a.kind == Arg::Kind::Bool) return a.i;
  throw SignatureError(position(i) + " must be an integer");
}

bool Signature::bool_or(std::size_t i, bool fallback) const {
  const Arg& a = (*this)[i];
  if (a.kind == Arg::Kind::Absent || a.kind == Arg::Kind::None) return fallback;
  if (a.kind == Arg::Kind::Bool || a.kind == Arg::Kind::Int) return a.i != 0;
  throw SignatureError(position(i) + " must be True or False");
}

std::string_view Signature::str_or(std::size_t i, std::string_view fallback) const {
  const Arg& a = (*this)[i];
  if (a.kind == Arg::Kind::Absent || a.kind == Arg::Kind::None) return fallback;
  if (a.kind == Arg::Kind::Str) return a.s;
  throw SignatureError(position(i) + " must be a string");
}

double Signature::number_or(std::size_t i, double fallback) const {
  const Arg& a = (*this)[i];
  if (a.kind == Arg::Kind::Absent || a.kind == Arg::Kind::None) return fallback;
  if (a.kind == Arg::Kind::Int || a.kind == Arg::Kind::Bool) return static_cast<double>(a.i);
  if (a.kind == Arg::Kind::Float) return a.f;
  throw SignatureError(position(i) + " must be a number");
}

int Signature::axis_or(std::size_t i, int ndim, int fallback) const {
  return normalize_axis(int_or(i, fallback), ndim);
}

std::vector<int> Signature::axes_or_all(std::size_t i, int ndim) const {
  std::vector<int> axes;
  const Arg& a = (*this)[i];
  if (a.kind == Arg::Kind::Absent || a.kind == Arg::Kind::None) {
    for (int d = 0; d < ndim; ++d) axes.push_back(d);
    return axes;
  }
  std::vector<std::int64_t> raw;
  if (a.kind == Arg::Kind::Int) {
    raw.push_back(a.i);
  } else if (a.kind == Arg::Kind::Ints) {
    raw.assign(a.ints.begin(), a.ints.end());
  } else {
    throw SignatureError(position(i) + " (axis) must be None, an int or a tuple of ints");
  }
  for (std::int64_t v : raw) {
    const int ax = normalize_axis(v, ndim);
    if (std::find(axes.begin(), axes.end(), ax) != axes.end()) throw SignatureError("repeated axis");
    axes.push_back(ax);
  }
  return axes;
}

void Signature::reduced_axes(std::size_t array, std::size_t axis, bool* reduced) const {
  const int nd = ndim(array);
  const Arg& a = (*this)[axis];
  const bool all = a.kind == Arg::Kind::Absent || a.kind == Arg::Kind::None;
  std::fill(reduced, reduced + nd, all);
  if (all || nd == 0) return;
  std::span<const std::int64_t> raw;
  if (a.kind == Arg::Kind::Int) {
    raw = {&a.i, 1};
  } else if (a.kind == Arg::Kind::Ints && a.rows < 0) {
    raw = a.ints;
  } else {
    throw SignatureError(position(axis) + " (axis) must be None, an int or a tuple of ints");
  }
  for (std::int64_t v : raw) {
    const int ax = normalize_axis(v, nd);
    if (reduced[ax]) throw SignatureError("repeated axis");
    reduced[ax] = true;
  }
}

Flops Signature::reduced_numel(std::size_t array, std::size_t axis) const {
  const auto s = shape(array);
  bool reduced[64];  // NumPy arrays have at most 64 dimensions
  reduced_axes(array, axis, reduced);
  Flops n = 1;
  for (std::size_t d = 0; d < s.size(); ++d)
    if (!reduced[d]) n = checked_mul(n, s[d]);
  return n;
}

void Signature::slices_along(std::size_t array, std::size_t axis, int fallback, Flops* length, Flops* slices) const {
  const Flops n = numel(array);
  const Arg& a = (*this)[axis];
  if (a.kind == Arg::Kind::None) {
    *length = n;  // the flattened array
  } else if (ndim(array) == 0) {
    *length = 1;
  } else {
    *length = shape(array)[static_cast<std::size_t>(axis_or(axis, ndim(array), fallback))];
  }
  *slices = *length == 0 ? 0 : n / *length;
}

std::vector<std::int64_t> Signature::ints_or_empty(std::size_t i) const {
  const Arg& a = (*this)[i];
  if (a.kind == Arg::Kind::Absent || a.kind == Arg::Kind::None) return {};
  if (a.kind == Arg::Kind::Int) return {a.i};
  if (a.kind == Arg::Kind::Ints) return {a.ints.begin(), a.ints.end()};
  throw SignatureError(position(i) + " must be an int or a sequence of ints");
}

namespace formula_util {

int ceil_log2(std::int64_t n) {
  int bits = 0;
  for (std::int64_t v = 1; v < n; v <<= 1) ++bits;
  return bits;
}

Flops batch(std::span<const std::int64_t> shape, int core) {
  Flops b = 1;
  for (std::size_t d = 0; d + static_cast<std::size_t>(core) < shape.size(); ++d) b = checked_mul(b, shape[d]);
  return b;
}

Flops sort_comparisons(Flops n) { return n <= 0 ? 0 : checked_mul(n, std::max(1, ceil_log2(n))); }

}  // namespace formula_util
}  // namespace flopscope
