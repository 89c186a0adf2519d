#include "flopscope/clock.hpp"

#include <mutex>
#include <thread>

namespace flopscope::clock {

double seconds_per_tick() {
#ifdef FLOPSCOPE_TSC_CLOCK
  using steady = std::chrono::steady_clock;
  static const steady::time_point wall0 = steady::now();
  static const Ticks tick0 = now();
  static std::mutex mutex;
  static double rate = 0;       // last good estimate
  static double rate_span = 0;  // seconds it was measured over
  std::lock_guard<std::mutex> lock(mutex);
  double span = std::chrono::duration<double>(steady::now() - wall0).count();
  if (span < 2e-3) {  // too short to trust: wait out the calibration window
    std::this_thread::sleep_for(std::chrono::duration<double>(2e-3 - span));
    span = std::chrono::duration<double>(steady::now() - wall0).count();
  }
  // Refine at most when the span has doubled: keeps repeated reads cheap and stable.
  if (rate == 0 || span > 2 * rate_span) {
    Ticks ticks = now() - tick0;
    if (ticks > 0) {
      rate = span / static_cast<double>(ticks);
      rate_span = span;
    }
  }
  return rate;
#else
  return 1e-9;
#endif
}

}  // namespace flopscope::clock
