// Builds Signatures for formula tests: one call's arguments, in slot order.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "flopscope/signature.hpp"

namespace flopscope::testing {

class SigBuilder {
 public:
  SigBuilder& array(std::vector<std::int64_t> shape, int dtype = 12 /* NPY_DOUBLE */) {
    Arg a;
    a.kind = Arg::Kind::Array;
    a.ints = store_.emplace_back(std::move(shape));
    a.dtype = dtype;
    args_.push_back(a);
    return *this;
  }
  SigBuilder& arrays(const std::vector<std::vector<std::int64_t>>& shapes) {
    auto& items = items_.emplace_back();
    for (const auto& s : shapes) {
      Arg a;
      a.kind = Arg::Kind::Array;
      a.ints = store_.emplace_back(s);
      a.dtype = 12;
      items.push_back(a);
    }
    Arg a;
    a.kind = Arg::Kind::Arrays;
    a.items = items;
    args_.push_back(a);
    return *this;
  }
  SigBuilder& integer(std::int64_t v) { return push(Arg::Kind::Int, v); }
  SigBuilder& boolean(bool v) { return push(Arg::Kind::Bool, v); }
  SigBuilder& number(double v) {
    Arg a;
    a.kind = Arg::Kind::Float;
    a.f = v;
    args_.push_back(a);
    return *this;
  }
  SigBuilder& str(std::string v) {
    Arg a;
    a.kind = Arg::Kind::Str;
    a.s = strings_.emplace_back(std::move(v));
    args_.push_back(a);
    return *this;
  }
  SigBuilder& ints(std::vector<std::int64_t> v) {
    Arg a;
    a.kind = Arg::Kind::Ints;
    a.ints = store_.emplace_back(std::move(v));
    args_.push_back(a);
    return *this;
  }
  // A "#" slot's 2-level nesting: `rows` rows of the flattened values.
  SigBuilder& table(std::vector<std::int64_t> v, std::int64_t rows) {
    ints(std::move(v));
    args_.back().rows = rows;
    return *this;
  }
  // The last argument carries a symmetry tag (a SymmetricTensor operand).
  SigBuilder& tagged(std::uint32_t symmetry) {
    args_.back().symmetry = symmetry;
    return *this;
  }
  SigBuilder& other() { return push(Arg::Kind::Other, 0); }
  SigBuilder& none() { return push(Arg::Kind::None, 0); }
  SigBuilder& absent() { return push(Arg::Kind::Absent, 0); }
  Signature sig() const { return Signature(args_); }

 private:
  SigBuilder& push(Arg::Kind kind, std::int64_t v) {
    Arg a;
    a.kind = kind;
    a.i = v;
    args_.push_back(a);
    return *this;
  }
  std::deque<std::vector<std::int64_t>> store_;
  std::deque<std::vector<Arg>> items_;
  std::deque<std::string> strings_;
  std::vector<Arg> args_;
};

}  // namespace flopscope::testing
