// The meter: one FLOP budget, its per-op aggregates (per namespace) and the
// four timing buckets. O(1) work per counted call; a summary walks only the
// ops that were used, never the history.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flopscope/checked.hpp"
#include "flopscope/clock.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace flopscope {

struct OpStats {
  Flops flops = 0;
  std::int64_t calls = 0;
  clock::Ticks backend_ticks = 0;
  clock::Ticks overhead_ticks = 0;
  bool seen = false;  // listed in NamespaceStats::used
};

// One counted call, kept only when a meter records (set_recording): the
// per-call log behind BudgetContext.op_log. Aggregates never need it.
struct OpRecord {
  OpId op;
  Flops flops;                 // charged for this call
  Flops cumulative;            // flops_used right after it
  std::size_t ns;              // index into Meter::namespaces()
  clock::Ticks start;          // when the call began, from the meter's origin
  clock::Ticks backend, overhead;
  std::vector<std::vector<std::int64_t>> shapes;  // the priced operands' shapes
};

// Aggregates of one namespace ("" = unlabeled), indexed by OpId.
struct NamespaceStats {
  std::string name;
  std::vector<OpStats> ops;
  std::vector<OpId> used;  // ops with at least one call, in first-use order
};

class Meter {
 public:
  // Throws std::invalid_argument for a budget <= 0 or a negative/non-finite limit.
  Meter(Flops flop_budget, const Profile& profile, double wall_time_limit_s = 0.0);
  ~Meter();
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  const Profile& profile() const { return *profile_; }
  void set_profile(const Profile& profile) { profile_ = &profile; }
  Flops flop_budget() const { return budget_; }
  Flops flops_used() const { return used_; }
  Flops flops_remaining() const { return budget_ - used_; }
  bool can_afford(Flops cost) const { return cost <= budget_ - used_; }

  // Books a call that is about to run. Callers check can_afford first.
  void charge(OpId op, Flops cost) {
    used_ += cost;
    OpStats& s = slot(op);
    s.flops += cost;
    s.calls += 1;
  }
  // Adds FLOPs to a call booked by charge() whose cost is known only once it
  // has run (a profile's writes.<op>). Callers check can_afford first.
  void charge_more(OpId op, Flops cost) {
    used_ += cost;
    slot(op).flops += cost;
  }
  // Takes back a charge for a call that did not run (it raised).
  void refund(OpId op, Flops cost) {
    used_ -= cost;
    OpStats& s = slot(op);
    s.flops -= cost;
    s.calls -= 1;
  }
  void add_time(OpId op, clock::Ticks backend, clock::Ticks overhead) {
    OpStats& s = slot(op);
    s.backend_ticks += backend;
    s.overhead_ticks += overhead;
    backend_ticks_ += backend;
    overhead_ticks_ += overhead;
  }
  void add_overhead(clock::Ticks overhead) { overhead_ticks_ += overhead; }

  // Timing. start() marks context entry, stop() its exit; wall time is live while
  // open and accumulates over repeated entries (a decorator re-enters its context).
  void start();
  void stop();
  void rebase();  // clears usage and timings (budget_reset), keeps the budget
  bool running() const { return running_; }
  clock::Ticks wall_ticks() const;
  clock::Ticks backend_ticks() const { return backend_ticks_; }
  clock::Ticks overhead_ticks() const { return overhead_ticks_; }
  // wall - backend - overhead, so that the four buckets add up exactly.
  clock::Ticks residual_ticks() const;

  // Cooperative wall-time limit (0 = none). deadline_passed is checked before and after each call.
  double wall_time_limit_s() const { return wall_time_limit_s_; }
  bool deadline_passed(clock::Ticks t) const { return t > deadline_; }
  // Whether a call of `cost` FLOPs starting at `t` cannot end before the
  // deadline even at kMaxFlopsPerSecond: refused before it runs, so that a
  // limit can stop a call that would far outrun it (NumPy cannot be stopped
  // once it has started).
  bool would_outrun_deadline(clock::Ticks t, Flops cost) const {
    if (deadline_ == std::numeric_limits<clock::Ticks>::max()) [[likely]]
      return false;
    return static_cast<double>(cost) / kMaxFlopsPerSecond > clock::to_seconds(deadline_ - t);
  }
  // An upper bound on any machine's arithmetic rate for one call (100 TFLOP/s:
  // above the peak of any CPU socket pair today), so the check above never
  // refuses a call that could finish in time.
  static constexpr double kMaxFlopsPerSecond = 1e14;
  double elapsed_s() const;

  // Namespaces: a dotted path of segments; ops are attributed to the current one.
  void push_namespace(std::string_view segment);
  void pop_namespace();
  std::string current_namespace() const;
  const std::vector<NamespaceStats>& namespaces() const { return namespaces_; }

  // Charges an externally priced cost (e.g. the sampler's closed form).
  // Returns false, charging nothing, when it does not fit the budget.
  bool deduct(OpId op, Flops cost);

  // Counted calls charged here from threads that had no context of their own.
  std::int64_t foreign_thread_calls() const { return foreign_thread_calls_; }
  void count_foreign_thread_call() { ++foreign_thread_calls_; }
  // How many times this meter was made a thread's explicit meter (a context
  // entry). A grader that sees it change during a window knows the meter was
  // switched off and on again in between.
  std::int64_t activations() const { return activations_; }
  void count_activation() { ++activations_; }
  // The object that owns this meter in the embedding language (the binding's
  // Python wrapper; opaque to the core). A counted call holds a reference to it
  // while it runs, so that a callback dropping the last reference cannot free
  // the meter under the call.
  void* owner() const { return owner_; }
  void set_owner(void* owner) { owner_ = owner; }
  // Non-null for a meter that refuses every call, with the reason.
  const char* refusal() const { return refusal_; }
  void set_refusal(const char* why) { refusal_ = why; }

  // Per-call records (off by default: they grow with every call).
  bool recording() const { return recording_; }
  void set_recording(bool on) { recording_ = on; }
  // Appends the record of a call that ran; `start` is an absolute tick.
  void record(OpId op, Flops cost, clock::Ticks start, clock::Ticks backend, clock::Ticks overhead,
              std::vector<std::vector<std::int64_t>> shapes);
  const std::vector<OpRecord>& records() const { return records_; }
  // The tick that record start offsets count from: the first start(), else construction.
  clock::Ticks origin() const { return origin_; }

 private:
  // The aggregate of `op` in the current namespace. Inline for the common case
  // (an op seen before); the first call of an op in a namespace goes out of line.
  OpStats& slot(OpId op) {
    NamespaceStats& ns = namespaces_[current_];
    auto i = static_cast<std::size_t>(op);
    if (i < ns.ops.size() && ns.ops[i].seen) [[likely]]
      return ns.ops[i];
    return first_use(ns, op);
  }
  OpStats& first_use(NamespaceStats& ns, OpId op);
  std::size_t namespace_index(const std::string& path);

  const Profile* profile_;
  Flops budget_;
  Flops used_ = 0;
  double wall_time_limit_s_;
  clock::Ticks deadline_ = std::numeric_limits<clock::Ticks>::max();
  clock::Ticks start_ = 0;
  clock::Ticks wall_before_ = 0;  // wall time of earlier entries
  bool running_ = false;
  clock::Ticks backend_ticks_ = 0;
  clock::Ticks overhead_ticks_ = 0;
  std::vector<NamespaceStats> namespaces_;
  std::unordered_map<std::string, std::size_t> namespace_lookup_;
  std::vector<std::string> segments_;
  std::size_t current_ = 0;
  bool recording_ = false;
  bool started_once_ = false;
  std::int64_t foreign_thread_calls_ = 0;
  std::int64_t activations_ = 0;
  void* owner_ = nullptr;
  const char* refusal_ = nullptr;
  clock::Ticks origin_ = clock::now();
  std::vector<OpRecord> records_;
};

// The meter counted calls go to in this thread: the active explicit context,
// else the process-wide default meter (created on first use).
// Initial-exec TLS: one pointer, read on every counted call without a
// __tls_get_addr call (the core is linked into one extension module).
namespace detail {
extern thread_local Meter* tls_active __attribute__((tls_model("initial-exec")));
}
inline Meter* active_meter_or_null() { return detail::tls_active; }  // the explicit one, or nullptr
// Makes `meter` this thread's explicit meter (nullptr = none) and records it
// in the process-wide list that threads without a meter of their own use.
void set_active_meter(Meter* meter);
// For a thread with no explicit meter: the one explicit meter active on
// another thread (its foreign_thread_calls() counts the call), else the
// default meter; when several are active, a meter that refuses every call
// (refusal() says why), since there is no telling whose work it is.
Meter& meter_for_thread_without_context();
// Whether `meter` is the explicit meter of some thread right now.
bool explicitly_active(const Meter* meter);
Meter& default_meter();
bool default_meter_exists();
void set_default_profile(const Profile& profile);
const Profile& default_profile();

inline Meter& current_meter() {
  Meter* m = active_meter_or_null();
  return m ? *m : meter_for_thread_without_context();
}

// FLOPSCOPE_DEFAULT_BUDGET if set (parsed as a float, truncated), else 1e15.
Flops default_budget_from_env();

}  // namespace flopscope
