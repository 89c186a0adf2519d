// A cheap monotonic clock for the per-call timing buckets. On x86-64 with an
// invariant TSC a tick read costs ~10 ns against ~24 ns for steady_clock, and
// each counted call reads the clock three times, so the difference is a visible
// share of a 260 ns NumPy call. Ticks convert to seconds with a rate measured
// against steady_clock over the life of the process.
#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64)
#include <x86intrin.h>
#define FLOPSCOPE_TSC_CLOCK 1
#endif

namespace flopscope::clock {

using Ticks = std::int64_t;

inline Ticks now() {
#ifdef FLOPSCOPE_TSC_CLOCK
  return static_cast<Ticks>(__rdtsc());
#else
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
#endif
}

// Seconds per tick, measured since the process first asked (at least 2 ms of
// calibration). Exact 1e-9 when the tick is steady_clock's nanosecond.
double seconds_per_tick();

inline double to_seconds(Ticks t) { return static_cast<double>(t) * seconds_per_tick(); }
inline Ticks from_seconds(double s) { return static_cast<Ticks>(s / seconds_per_tick()); }

}  // namespace flopscope::clock
