#include "flopscope/meter.hpp"

#include <cmath>
#include <cstdlib>
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace flopscope {
namespace detail {
thread_local Meter* tls_active __attribute__((tls_model("initial-exec"))) = nullptr;
}
using detail::tls_active;

namespace {
std::unique_ptr<Meter> g_default;
const Profile* g_default_profile = nullptr;

// The explicit meter of every thread that has one (contexts do not nest, so
// at most one per thread).
std::mutex g_explicit_mu;
std::vector<std::pair<std::thread::id, Meter*>> g_explicit;
std::atomic<int> g_n_explicit{0};
std::unique_ptr<Meter> g_ambiguous;

void forget_explicit(Meter* meter, std::thread::id thread, bool any_thread) {
  std::erase_if(g_explicit, [&](const auto& e) { return any_thread ? e.second == meter : e.first == thread; });
  g_n_explicit.store(static_cast<int>(g_explicit.size()), std::memory_order_relaxed);
}

}  // namespace

Meter::Meter(Flops flop_budget, const Profile& profile, double wall_time_limit_s)
    : profile_(&profile), budget_(flop_budget), wall_time_limit_s_(wall_time_limit_s) {
  if (flop_budget <= 0)
    throw std::invalid_argument("flop_budget must be > 0, got " + std::to_string(flop_budget));
  if (!(wall_time_limit_s >= 0) || std::isinf(wall_time_limit_s))
    throw std::invalid_argument("wall_time_limit_s must be a finite number >= 0");
  namespaces_.push_back({"", {}, {}});
  namespaces_[0].ops.resize(OpRegistry::instance().size() + 16);
  namespace_lookup_[""] = 0;
}

OpStats& Meter::first_use(NamespaceStats& ns, OpId op) {
  auto i = static_cast<std::size_t>(op);
  if (i >= ns.ops.size()) ns.ops.resize(OpRegistry::instance().size() + 16);
  OpStats& s = ns.ops[i];
  if (!s.seen) {
    s.seen = true;
    ns.used.push_back(op);
  }
  return s;
}

Meter::~Meter() {
  if (tls_active == this) tls_active = nullptr;
  std::lock_guard<std::mutex> lock(g_explicit_mu);
  forget_explicit(this, {}, /*any_thread=*/true);
}

void set_active_meter(Meter* meter) {
  tls_active = meter;
  std::lock_guard<std::mutex> lock(g_explicit_mu);
  forget_explicit(nullptr, std::this_thread::get_id(), /*any_thread=*/false);
  if (meter != nullptr) g_explicit.emplace_back(std::this_thread::get_id(), meter);
  g_n_explicit.store(static_cast<int>(g_explicit.size()), std::memory_order_relaxed);
}

bool explicitly_active(const Meter* meter) {
  std::lock_guard<std::mutex> lock(g_explicit_mu);
  return std::any_of(g_explicit.begin(), g_explicit.end(), [&](const auto& e) { return e.second == meter; });
}

Meter& meter_for_thread_without_context() {
  if (g_n_explicit.load(std::memory_order_relaxed) == 0) [[likely]]
    return default_meter();
  std::lock_guard<std::mutex> lock(g_explicit_mu);
  Meter* only = nullptr;
  for (const auto& e : g_explicit) {
    if (only != nullptr && e.second != only) {
      if (!g_ambiguous) {
        g_ambiguous = std::make_unique<Meter>(1, default_profile());
        g_ambiguous->set_refusal(
            "a counted call on a thread without a BudgetContext of its own, while BudgetContexts are active "
            "on several other threads: it cannot be told whose budget it belongs to. Enter a BudgetContext "
            "on this thread, or do the work on the thread whose context should pay for it.");
      }
      return *g_ambiguous;
    }
    only = e.second;
  }
  if (only == nullptr) return default_meter();
  only->count_foreign_thread_call();
  return *only;
}

void Meter::start() {
  if (running_) return;
  start_ = clock::now();
  if (!started_once_) {
    started_once_ = true;
    origin_ = start_;
  }
  running_ = true;
  if (wall_time_limit_s_ > 0) deadline_ = start_ + clock::from_seconds(wall_time_limit_s_);
}

void Meter::stop() {
  if (!running_) return;
  wall_before_ += clock::now() - start_;
  running_ = false;
}

void Meter::rebase() {
  used_ = 0;
  backend_ticks_ = overhead_ticks_ = 0;
  for (auto& ns : namespaces_) {
    ns.ops.assign(ns.ops.size(), OpStats{});
    ns.used.clear();
  }
  wall_before_ = 0;
  records_.clear();
  if (running_) start_ = clock::now();
}

clock::Ticks Meter::wall_ticks() const {
  return wall_before_ + (running_ ? clock::now() - start_ : 0);
}

clock::Ticks Meter::residual_ticks() const {
  clock::Ticks r = wall_ticks() - backend_ticks_ - overhead_ticks_;
  return r > 0 ? r : 0;
}

double Meter::elapsed_s() const { return clock::to_seconds(wall_ticks()); }

std::size_t Meter::namespace_index(const std::string& path) {
  if (auto it = namespace_lookup_.find(path); it != namespace_lookup_.end()) return it->second;
  namespaces_.push_back({path, {}, {}});
  namespaces_.back().ops.resize(OpRegistry::instance().size() + 16);
  namespace_lookup_[path] = namespaces_.size() - 1;
  return namespaces_.size() - 1;
}

void Meter::push_namespace(std::string_view segment) {
  if (segment.empty() || segment.find('.') != std::string_view::npos)
    throw std::invalid_argument("namespace segment must be a non-empty string without '.', got '" +
                                std::string(segment) + "'");
  segments_.emplace_back(segment);
  current_ = namespace_index(current_namespace());
}

void Meter::pop_namespace() {
  if (segments_.empty()) throw std::logic_error("namespace stack corrupted: pop without push");
  segments_.pop_back();
  current_ = namespace_index(current_namespace());
}

std::string Meter::current_namespace() const {
  std::string path;
  for (const auto& s : segments_) path += (path.empty() ? "" : ".") + s;
  return path;
}

bool Meter::deduct(OpId op, Flops cost) {
  if (cost < 0) throw std::invalid_argument("flop_cost must be >= 0");
  if (!can_afford(cost)) return false;
  charge(op, cost);
  if (recording_) record(op, cost, clock::now(), 0, 0, {});
  return true;
}

void Meter::record(OpId op, Flops cost, clock::Ticks start, clock::Ticks backend, clock::Ticks overhead,
                   std::vector<std::vector<std::int64_t>> shapes) {
  records_.push_back({op, cost, used_, current_, start - origin_, backend, overhead, std::move(shapes)});
}


Flops default_budget_from_env() {
  const char* env = std::getenv("FLOPSCOPE_DEFAULT_BUDGET");
  if (env == nullptr || *env == '\0') return 1'000'000'000'000'000;  // 1e15 (spec section 4.4)
  char* end = nullptr;
  double v = std::strtod(env, &end);
  if (end == env || *end != '\0' || !std::isfinite(v) || v < 1 || v >= 9.2e18)
    throw std::invalid_argument("FLOPSCOPE_DEFAULT_BUDGET must be a positive finite number, got '" +
                                std::string(env) + "'");
  return static_cast<Flops>(v);
}

const Profile& default_profile() {
  if (g_default_profile == nullptr) g_default_profile = &profile_by_name("primer");
  return *g_default_profile;
}

void set_default_profile(const Profile& profile) { g_default_profile = &profile; }

Meter& default_meter() {
  if (!g_default) {
    g_default = std::make_unique<Meter>(default_budget_from_env(), default_profile());
    g_default->start();
  }
  return *g_default;
}

bool default_meter_exists() { return static_cast<bool>(g_default); }

}  // namespace flopscope
