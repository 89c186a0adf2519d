// The accounting around one NumPy call (Call): deadline and budget checks,
// the charge, the clocks, the refund rule, dtype billing facts and the writes'
// bill; and the errors it raises.
#pragma once

#include "numpy_api.hpp"

#include <string>

#include "flopscope/clock.hpp"
#include "flopscope/cost_model.hpp"
#include "flopscope/meter.hpp"
#include "hooks.hpp"
#include "operands.hpp"
#include "state.hpp"

namespace flopscope::py {

// Raises BudgetExhaustedError for `op` (nothing charged).
void raise_budget_exhausted(const char* op, Flops cost, const Meter& meter);
// Raises TimeExhaustedError for `op`.
void raise_time_exhausted(const char* op, const Meter& meter);
// Raises TimeExhaustedError for a call of `cost` FLOPs refused before running
// because it cannot end before the deadline (Meter::would_outrun_deadline).
void raise_time_outrun(const char* op, Flops cost, const Meter& meter);
// Raises OverflowError for a cost that does not fit in 64 bits.
void raise_cost_overflow(const char* op);

// The dtype NumPy's spellings of a dtype= argument name (a dtype, a type, a
// string) as a NumPy type number, read without running Python; -1 for
// anything else (left to NumPy).
int dtype_number(PyObject* o);

// The accounting around one NumPy call. Usage:
//   Call call(op_id, name); if (!call.admit(cost)) return nullptr;
//   call.backend_begin(); r = ...; call.backend_end(r != nullptr); restore; return call.finish(wrap_result(r));
class Call {
 public:
  Call(OpId op, const char* name)
      : t0_(clock::now()), meter_(&current_meter()), op_(op), name_(name),
        priced_call_(pricing_now() != nullptr && pricing_only->calls++ == 0) {
    // Holds the meter's owner for the whole call: a callback inside it (an
    // operand's __index__, an error handler) that drops the last reference to
    // the context or its meter must not free what this call still writes to.
    owner_ = static_cast<PyObject*>(meter_->owner());
    Py_XINCREF(owner_);
    // No automatic collection inside a counted call: gc.callbacks and the
    // finalizers of collected cycles are participant Python (hooks.hpp).
    gc_was_enabled_ = PyGC_Disable();
    hooks_at_entry_ = hooks::armed();
  }
  ~Call() {
    if (gc_was_enabled_) PyGC_Enable();
    Py_XDECREF(owner_);
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // What a call billed by its writes (Call::charge_writes) passes on: the
  // destination and the second operand NumPy was handed.
  struct Writes {
    PyObject* first;
    PyObject* second;
  };
  // The lifecycle after pricing, the same for every counted call: check and
  // charge (admit), run NumPy (`numpy()`: a new reference, nullptr on error),
  // refund what NumPy refused before doing the work (backend_end), drop a
  // result whose operands were reshaped meanwhile (charged), bill the writes
  // (`writes`: an op billed by what it writes), put the operands back, hand
  // back flopscope arrays and book the times (finish).
  // `tag`: applied to the wrapped result before the times are booked (a
  // symmetric result's tag, symmetric.hpp); it receives nullptr on failure.
  template <class NumPy, class Tag>
  PyObject* run(Flops cost, Operands& operands, NumPy&& numpy, const Writes* writes, Tag&& tag) {
    if (!admit(cost)) return nullptr;
    backend_begin();
    PyObject* result = numpy();
    backend_end(result != nullptr);
    if (result != nullptr && !operands.shapes_unchanged()) [[unlikely]] {
      Py_DECREF(result);
      result = operands.raise_shape_changed();
    }
    if (writes != nullptr && result != nullptr) [[unlikely]]
      result = charge_writes(result, writes->first, writes->second);
    operands.restore();
    return finish(tag(wrap_result(operands.unview(result))));
  }
  template <class NumPy>
  PyObject* run(Flops cost, Operands& operands, NumPy&& numpy, const Writes* writes = nullptr) {
    return run(cost, operands, numpy, writes, [](PyObject* wrapped) { return wrapped; });
  }

  // `cost` as billed for this call's dtypes. A dtype-aware profile bills
  // every call's dtype; a dtype-blind one (primer) only a call with a complex
  // operand (complex_, set while they were noted), so that a real call pays
  // one flag test here. False (OverflowError set) past 64 bits.
  bool billed(Flops* cost) const {
    if (const Profile& prof = profile(); prof.dtype_aware() || complex_) [[unlikely]]
      return bill_dtype(prof, cost);
    return true;
  }
  // Checks the deadline and the budget; charges `cost`. False (exception set) if refused.
  bool admit(Flops cost) {
    if (!billed(&cost)) return false;
    if (pricing_now() != nullptr) [[unlikely]] {
      if (!priced_call_) {  // e.g. from a foreign __index__ while the priced call reads its arguments
        PyErr_Format(PyExc_RuntimeError, "%s: counted calls cannot run while flopscope.accounting prices a call",
                     name_);
        return false;
      }
      pricing_only->cost = cost;
      PyErr_SetNone(priced_signal());
      return false;
    }
    if (meter_->refusal() != nullptr) [[unlikely]] {
      PyErr_Format(PyExc_RuntimeError, "%s: %s", name_, meter_->refusal());
      return false;
    }
    if (meter_->deadline_passed(t0_)) {
      raise_time_exhausted(name_, *meter_);
      return false;
    }
    if (meter_->would_outrun_deadline(t0_, cost)) [[unlikely]] {
      raise_time_outrun(name_, cost, *meter_);
      return false;
    }
    if (!meter_->can_afford(cost)) {
      raise_budget_exhausted(name_, cost, *meter_);
      return false;
    }
    meter_->charge(op_, cost);
    cost_ = cost;
    return true;
  }
  void backend_begin() {
    t1_ = clock::now();
    booked_before_ = meter_->backend_ticks() + meter_->overhead_ticks();
  }
  // A call with a foreign argument runs participant Python (conversions,
  // __index__, file objects' write, converters): none of its time is booked as
  // flopscope's, so all of it lands in the residual bucket. FLOPs still count.
  void book_time_as_residual() { residual_only_ = true; }
  // Takes the charge back if NumPy raised before doing the work; a failure
  // that may have come after it keeps the charge (failed_after_work).
  void backend_end(bool ok) {
    if (!ok && !failed_after_work()) meter_->refund(op_, cost_);
  }
  // Books the times and runs the post-call deadline check. Steals `result`.
  // Three clock reads per call: entry, before NumPy, and here. Handing the
  // result back (restore, re-type) is booked with NumPy's time, so no part of
  // a counted call leaks into the residual bucket that participants pay for.
  PyObject* finish(PyObject* result) {
    clock::Ticks t2 = clock::now();
    // Counted calls made from callbacks inside this one booked their own time
    // meanwhile; leave it out of ours so that nothing is booked twice.
    const clock::Ticks nested = meter_->backend_ticks() + meter_->overhead_ticks() - booked_before_;
    if (!residual_only_ && (hooks_at_entry_ || ran_long_with_hooks(t2))) [[unlikely]]
      residual_only_ = true;  // Python may have run inside the call: its time is the participant's
    if (!residual_only_) [[likely]]
      meter_->add_time(op_, std::max<clock::Ticks>(0, t2 - t1_ - nested), t1_ - t0_);
    if (meter_->recording() || state().result_check != nullptr) [[unlikely]]
      return finish_slow(result, t2);
    if (result != nullptr && meter_->deadline_passed(t2)) {
      Py_DECREF(result);
      raise_time_exhausted(name_, *meter_);
      return nullptr;
    }
    return result;
  }
  Meter& meter() { return *meter_; }
  // The profile prices are computed with: the meter's, or the one being queried.
  const Profile& profile() const {
    PricingOnly* p = pricing_now();
    return p != nullptr ? *p->profile : meter_->profile();
  }

  // Remembers an operand the price was computed from, for the op log (the
  // shape must stay valid until finish()). Beyond kMaxNoted they are dropped.
  void note_operand(const OperandShape& shape) {
    complex_ |= shape.complex();
    if (n_noted_ < kMaxNoted) [[likely]]
      noted_[n_noted_++] = &shape;
    else
      note_beyond(shape);
  }
  // How many of the noted operands are the op's inputs (a ufunc's out= and
  // where= are noted after them); all of them unless said.
  void note_inputs(int n) { n_inputs_ = n; }
  // An out= buffer's dtype: it takes part in the billed result type, so it can
  // raise the rate, never lower it (spec 2.3).
  void note_out_type(int type_num) {
    complex_ |= PyTypeNum_ISCOMPLEX(type_num);
    if (n_out_types_ < kMaxNoted) out_types_[n_out_types_++] = type_num;
  }
  // Whether a noted operand or out= buffer is complex (a Python complex included).
  bool complex_operand() const { return complex_; }
  // A dtype-blind profile (primer) reads dtype= only for a call with a complex
  // operand, where it can make NumPy compute in a real dtype (a reduction's
  // dtype=float64 keeps the real parts): real calls read nothing more.
  bool reads_dtype_argument(const Profile& prof) const { return prof.dtype_aware() || complex_; }
  // A contraction's exact complex count (cost::Arithmetic::Complex): billed,
  // at the rate alone, instead of the admitted cost when the billed dtype is complex.
  void bill_complex_exactly(Flops complex_cost) { complex_cost_ = complex_cost; }
  // The call named an estimator for a histogram's bins (writes ... searched).
  void note_estimator_bins() { estimator_bins_ = true; }
  // The call asked a histogram for densities (writes ... density); `counts`: the
  // dtype of the counts it normalises (int64, or the weights').
  void note_density(int counts_type_num) { density_counts_ = counts_type_num; }
  // The histogram was given its edges: nothing of them to bill but the density's normalisation.
  void note_edges_given() { edges_given_ = true; }
  // A dtype= argument (NumPy's type number), billed as the profile's
  // dtype_argument.<op> says (spec 2.3); read by a dtype-blind profile only
  // for a call with a complex operand (reads_dtype_argument).
  void bill_as_requested(int type_num);
  // The same from the argument itself (NumPy's spellings, dtype_number); nullptr / None: none.
  void read_dtype_argument(PyObject* dtype) {
    if (dtype == nullptr || dtype == Py_None) return;
    if (const int type_num = dtype_number(dtype); type_num >= 0) bill_as_requested(type_num);
  }
  // A dtype-aware profile's rate and complex factor (spec 2.1) applied to
  // `cost`, from the result type of the noted operands and out= buffers, or
  // the explicit dtype=. False (OverflowError set) when the billed cost does
  // not fit 64 bits.
  bool bill_dtype(const Profile& prof, Flops* cost) const;
  // For an op the profile bills by what it writes (writes.<op>), after NumPy
  // ran: prices the elements the rule counts (of `result`; of `first`, the
  // destination, when the op works in place and returns None) at the heavier
  // rate of their dtype and `first`'s, and adds it to this call's charge.
  // Over the budget, the result is dropped and BudgetExhaustedError raised
  // with nothing charged (upstream's deferred ops, spec 4.2). Steals `result`.
  PyObject* charge_writes(PyObject* result, PyObject* first, PyObject* second);

 private:
  // The rest of finish() when the meter records calls (op_log) or a result
  // check is configured (check_nan_inf): records the call, runs the check and
  // books its time as overhead, checks the deadline. Out of line to keep the
  // common path short. Steals `result`.
  PyObject* finish_slow(PyObject* result, clock::Ticks t2);

  // Whether a failure may have come after NumPy wrote results: a
  // FloatingPointError or a warning turned into an error (both raised from the
  // FP flags after the inner loop ran), or any exception while a Python hook
  // that runs after the work (np.seterrcall handler, warning display, profile
  // or trace function) is armed. Such failures keep the charge.
  bool failed_after_work() const;
  // A call that ran longer than hooks::kSlowCheckAfterSeconds with a hook
  // armed at its end (any kind). A short call is looked at on entry only:
  // Python that arms a hook inside a call is itself a hook armed on entry, a
  // foreign argument (residual already), or a hook of the slow kind, which
  // can hide no more than kSlowCheckAfterSeconds.
  bool ran_long_with_hooks(clock::Ticks t2) const;

  static constexpr int kMaxNoted = 8;
  const OperandShape* noted_[kMaxNoted];
  int n_noted_ = 0;
  // Operands past kMaxNoted (an einsum of 9+ operands, a long join) still take
  // part in the billed dtype: their arrays' dtypes promoted together, and the
  // strongest of their Python scalars' kinds (what NEP 50 makes of them alike).
  void note_beyond(const OperandShape& shape);
  dtype::Dtype beyond_;
  dtype::Weak beyond_weak_ = dtype::Weak::None;
  int out_types_[kMaxNoted];
  int n_out_types_ = 0;
  dtype::Dtype requested_;  // dtype= (bill_as_requested); kind 0: none
  Flops complex_cost_ = -1;  // -1: none (the complex factor applies)
  bool complex_ = false;     // a noted operand or out= buffer is complex (or a Python complex)
  int n_inputs_ = kMaxNoted;
  bool estimator_bins_ = false;
  int density_counts_ = -1;  // NumPy type number, -1: no density=True
  bool edges_given_ = false;

  clock::Ticks t0_, t1_ = 0;
  clock::Ticks booked_before_ = 0;
  bool residual_only_ = false;
  bool hooks_at_entry_ = false;  // hooks::armed() when the call began
  int gc_was_enabled_ = 0;
  Meter* meter_;
  PyObject* owner_;  // strong reference to the meter's Python owner, or nullptr (the default meter)
  OpId op_;
  const char* name_;
  Flops cost_ = 0;
  bool priced_call_;  // the call flopscope.accounting is pricing (see PricingOnly)
};

}  // namespace flopscope::py
