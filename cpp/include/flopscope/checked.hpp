// Overflow-checked FLOP arithmetic: a cost never wraps around silently.
#pragma once

#include <cstdint>
#include <stdexcept>

namespace flopscope {

// FLOP counts are exact integers. int64 holds 9.2e18, far past any budget.
using Flops = std::int64_t;

class CostOverflowError : public std::overflow_error {
 public:
  CostOverflowError() : std::overflow_error("FLOP cost does not fit in a signed 64-bit integer") {}
};

inline Flops checked_mul(Flops a, Flops b) {
  Flops r;
  if (__builtin_mul_overflow(a, b, &r)) throw CostOverflowError();
  return r;
}

inline Flops checked_add(Flops a, Flops b) {
  Flops r;
  if (__builtin_add_overflow(a, b, &r)) throw CostOverflowError();
  return r;
}

// Non-throwing variants for the hot path: return false on overflow.
inline bool mul_overflows(Flops a, Flops b, Flops* out) { return __builtin_mul_overflow(a, b, out); }
inline bool add_overflows(Flops a, Flops b, Flops* out) { return __builtin_add_overflow(a, b, out); }

}  // namespace flopscope
