// The hot path shared by counted ufuncs, counted functions and the array
// type: read operands from the NumPy structs, refuse bad input before anything
// is charged, check and charge the meter, run NumPy on plain ndarrays, and hand
// the result back as a flopscope array. CPython C API only: no Python frames,
// no lookups by op name per call.
#pragma once

#include "numpy_api.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "flopscope/clock.hpp"
#include "flopscope/cost_model.hpp"
#include "flopscope/dtype.hpp"
#include "flopscope/meter.hpp"
#include "hooks.hpp"

namespace flopscope::py {

// Types and exception classes the binding needs; filled at module init.
struct State {
  PyTypeObject* array_type = nullptr;     // flopscope.numpy.ndarray
  PyObject* budget_error = nullptr;       // BudgetExhaustedError
  PyObject* time_error = nullptr;         // TimeExhaustedError
  PyObject* dtype_error = nullptr;        // UnsupportedDtypeError
  PyObject* ufunc_table = nullptr;        // dict: numpy ufunc -> counted ufunc
  PyObject* function_table = nullptr;     // dict: numpy function -> counted function
  PyObject* passthrough = nullptr;        // set: free numpy functions allowed on our arrays
  PyTypeObject* numpy_ufunc_type = nullptr;  // numpy.ufunc
  PyObject* str_out = nullptr;
  PyObject* str_axis = nullptr;
  PyObject* str_where = nullptr;
  PyObject* result_check = nullptr;       // callable(op, result) run after each call, or nullptr
  PyObject* registered_result_check = nullptr;  // the one callable result_check may be (set at import)
  bool immutable = false;                 // configure(immutable=True): our arrays refuse in-place updates
};

// Under configure(immutable=True): raises TypeError (ValueError for the
// in-place methods) naming `what` and the functional form to use instead.
PyObject* raise_immutable(PyObject* type, const char* what, const char* instead);
inline State g_state;
inline State& state() { return g_state; }

inline bool is_flopscope_array(PyObject* o) { return PyObject_TypeCheck(o, state().array_type); }

// Numeric dtypes: bool, the integers, the floats (incl. half) and the complexes.
inline bool is_numeric_type(int type_num) { return type_num <= NPY_CLONGDOUBLE || type_num == NPY_HALF; }

// Plain data: values whose conversion and use run no participant Python
// (numbers, strings, NumPy scalars, dtypes and scalar types, exact ndarrays
// and ours, slices, and lists/tuples of these). Everything else is foreign:
// its __array__, __index__, __len__, ... methods are user code.
bool is_plain_slow(PyObject* o, int depth);
inline bool is_plain(PyObject* o) {
  PyTypeObject* tp = Py_TYPE(o);
  if (tp == &PyArray_Type || tp == state().array_type || tp == &PyFloat_Type || tp == &PyLong_Type ||
      o == Py_None || tp == &PyBool_Type || tp == &PyUnicode_Type) [[likely]]
    return true;
  return is_plain_slow(o, 0);
}
// An int whose value is read without running participant Python: an exact
// Python int or an instance of one of NumPy's own integer scalar types. A
// Python subclass of np.int64 (a heap type) may override __index__ with code
// that mutates the list being read, so it is not one.
inline bool is_exact_integer(PyObject* o) {
  return PyLong_CheckExact(o) ||
         (PyArray_IsScalar(o, Integer) && !PyType_HasFeature(Py_TYPE(o), Py_TPFLAGS_HEAPTYPE));
}
// `o` as NumPy may safely read it when it is foreign: lists (at any depth, also
// inside tuples) replaced by copies that no participant code holds, so that an
// item's __index__/__float__ that empties the list cannot shrink it under
// NumPy's sequence readers, which keep borrowed items (NumPy 2.x segfaults).
// New reference; nullptr with an exception set on failure.
PyObject* snapshot_lists(PyObject* o);
// Whether any of the n arguments is foreign.
inline bool any_foreign(PyObject* const* args, Py_ssize_t n) {
  for (Py_ssize_t i = 0; i < n; ++i)
    if (!is_plain(args[i])) [[unlikely]]
      return true;
  return false;
}

// Largest array that is re-typed in place to plain ndarray for the NumPy call.
// NumPy releases the GIL for loops over more than 500 elements; below that no
// other thread can observe the temporary type, above it a view is made instead.
constexpr npy_intp kRetypeLimit = 500;

// What the price of one operand may depend on: its shape (copied when read, so
// a callback that reshapes or frees the array cannot change it under us), its
// dtype, and a symmetry tag (0 = none; a SymmetricTensor's group, which
// symmetry.orbits profiles price by its distinct elements).
// Trivially constructible: call frames hold arrays of these uninitialised.
struct OperandShape {
  int ndim;
  const npy_intp* dims;  // ndim extents, owned by the Operands that read them
  int type_num;          // NumPy dtype number (NPY_DOUBLE, ...); NPY_NOTYPE for Python scalars
  std::uint32_t symmetry;  // symmetry::Id of a SymmetricTensor's valid tag (symmetric.hpp), else 0
  dtype::Weak weak;      // a Python scalar's kind (NEP 50 weak operand); None for arrays
  cost::Shape span() const { return {reinterpret_cast<const cost::Extent*>(dims), static_cast<std::size_t>(ndim)}; }
  Flops numel() const { return cost::numel(span()); }
  bool complex() const { return PyTypeNum_ISCOMPLEX(type_num) || weak == dtype::Weak::Complex; }
};
static_assert(sizeof(npy_intp) == sizeof(cost::Extent));

// Converts the operands of one call into something NumPy runs without
// re-entering flopscope, and undoes it afterwards.
class Operands {
 public:
  explicit Operands(const char* op_name) : op_name_(op_name) {}
  ~Operands() {
    restore();
    if (n_owned_ != 0) release_owned();
  }
  Operands(const Operands&) = delete;
  Operands& operator=(const Operands&) = delete;

  // Reads an operand's shape; converts non-array inputs (lists, ...) to arrays.
  // Refuses non-numeric dtypes with UnsupportedDtypeError. Returns the object
  // to use in place of `o` (borrowed; owned by this Operands), or nullptr on error.
  // Inline for exact ndarrays and flopscope arrays; everything else out of line.
  PyObject* inspect(PyObject* o, OperandShape* shape) {
    PyTypeObject* tp = Py_TYPE(o);
    if (tp == &PyArray_Type || tp == state().array_type) {
      auto* a = reinterpret_cast<PyArrayObject*>(o);
      if (is_numeric_type(PyArray_TYPE(a))) [[likely]] {
        read_array(a, shape);
        return o;
      }
    }
    return inspect_other(o, shape);
  }

  // Makes `o` safe to hand to NumPy: flopscope arrays become plain ndarrays
  // (re-typed in place when small, a view otherwise), also inside tuples and
  // lists at any depth. Returns a borrowed reference or nullptr on error.
  PyObject* plain(PyObject* o) {
    PyTypeObject* tp = Py_TYPE(o);
    if (tp == &PyArray_Type || tp == &PyFloat_Type || tp == &PyLong_Type) return o;
    if (tp == state().array_type && PyArray_SIZE(reinterpret_cast<PyArrayObject*>(o)) <= kRetypeLimit &&
        n_retyped_ < kInline) {
      // Same layout, so only the type pointer changes; restored before we
      // return. We hold a reference meanwhile: a callback inside NumPy may drop
      // the caller's last one (e.g. by emptying the list that held it).
      Py_INCREF(o);
      retyped_[n_retyped_++] = o;
      Py_SET_TYPE(o, &PyArray_Type);
      return o;
    }
    return plain_other(o);
  }

  // True when every array operand still has the shape it was priced with. A
  // callback (an argument's __index__, ...) may reshape one in place
  // (a.shape = ..., a.resize(..., refcheck=False)) after we read it.
  bool shapes_unchanged() const {
    for (int i = 0; i < n_watched_; ++i)
      if (!same_shape(watched_[i])) [[unlikely]]
        return false;
    for (const Watched& w : watched_overflow_)
      if (!same_shape(w)) return false;
    return true;
  }
  // Raises the error for a changed operand (RuntimeError; returns nullptr).
  PyObject* raise_shape_changed() const;
  // A Python int beyond 64 bits among the operands, with no array or float
  // beside it (args: the positional arguments), makes NumPy compute with Python
  // objects: uncountable, and unbounded (power of two such ints never ends).
  // Raises OverflowError naming the op and returns true then.
  bool refuses_object_arithmetic(PyObject* const* args, Py_ssize_t n) const;

  // For a call with a foreign argument: plain() hands NumPy its own copy of
  // every list (nested ones too), so that participant code run while NumPy
  // reads one (an item's __index__ that empties the list) cannot shrink it
  // under NumPy's reader, which holds borrowed items (NumPy 2.x segfaults on
  // np.reshape(x, lst) whose item runs `del lst[:]`).
  void copy_lists() { copy_lists_ = true; }

  // Whether a tagged SymmetricTensor was read (its call takes symmetric.hpp's hooks).
  bool tagged() const { return tagged_; }

  // Keeps a new reference alive until the call ends (steals it).
  void keep(PyObject* o) { own(o); }

  // Puts the re-typed arrays back (idempotent).
  void restore() {
    const int n = n_retyped_;
    n_retyped_ = 0;
    for (int i = 0; i < n; ++i) Py_SET_TYPE(retyped_[i], state().array_type);
    for (int i = 0; i < n; ++i) Py_DECREF(retyped_[i]);
  }

  // NumPy hands back out= itself; when out was one of our arrays passed as a
  // plain view (too large to re-type), hands back our array instead of that
  // view (also inside a result tuple). Steals and returns a new reference.
  PyObject* unview(PyObject* result) {
    if (n_viewed_ == 0 || result == nullptr) [[likely]] return result;
    return unview_slow(result);
  }

 private:
  // Small fixed buffers: a counted call must not allocate beyond its result.
  static constexpr int kInline = 16;
  static constexpr int kDimPool = 64;
  void read_array(PyArrayObject* a, OperandShape* shape) {
    const int nd = PyArray_NDIM(a);
    shape->ndim = nd;
    shape->type_num = PyArray_TYPE(a);
    shape->symmetry = 0;
    shape->weak = dtype::Weak::None;
    if (n_dims_ + nd <= kDimPool) [[likely]] {
      npy_intp* d = dim_pool_ + n_dims_;
      std::copy(PyArray_DIMS(a), PyArray_DIMS(a) + nd, d);
      n_dims_ += nd;
      shape->dims = d;
    } else {
      shape->dims = copy_dims_slow(PyArray_DIMS(a), nd);
    }
    if (n_watched_ < kInline) [[likely]]
      watched_[n_watched_++] = {a, shape->dims, nd};
    else
      watched_overflow_.push_back({a, shape->dims, nd});
  }
  struct Watched {
    PyArrayObject* array;
    const npy_intp* dims;  // the copy the price was computed from
    int ndim;
  };
  static bool same_shape(const Watched& w) {
    return PyArray_NDIM(w.array) == w.ndim && std::equal(w.dims, w.dims + w.ndim, PyArray_DIMS(w.array));
  }
  const npy_intp* copy_dims_slow(const npy_intp* dims, int nd);
  PyObject* inspect_other(PyObject* o, OperandShape* shape);
  PyObject* plain_other(PyObject* o);
  PyObject* unview_slow(PyObject* result);
  PyObject* own(PyObject* o);
  void release_owned();
  const char* op_name_;
  PyObject* retyped_[kInline];
  int n_retyped_ = 0;
  PyObject* owned_[kInline];
  int n_owned_ = 0;
  PyObject* viewed_[kInline][2];  // (our array, the plain view of it handed to NumPy), borrowed
  int n_viewed_ = 0;
  std::vector<PyObject*> owned_overflow_;  // past kInline; only filled with n_owned_ == kInline
  Watched watched_[kInline];               // array operands and the shapes they were priced with
  int n_watched_ = 0;
  bool copy_lists_ = false;  // see copy_lists()
  bool big_int_ = false;  // a Python int beyond 64 bits was read (see refuses_object_arithmetic)
  bool tagged_ = false;   // see tagged()
  std::vector<Watched> watched_overflow_;
  npy_intp dim_pool_[kDimPool];            // operand shapes, copied
  int n_dims_ = 0;
  std::vector<std::vector<npy_intp>> dims_overflow_;  // past kDimPool
};

// Result of a NumPy call as flopscope arrays (steals `result`): plain ndarrays
// are re-typed (fresh) or viewed (shared), numeric scalars become 0-d arrays,
// tuples and lists are handled element-wise. nullptr passes through.
PyObject* wrap_result(PyObject* result);

// Raises BudgetExhaustedError for `op` (nothing charged).
void raise_budget_exhausted(const char* op, Flops cost, const Meter& meter);
// Raises TimeExhaustedError for `op`.
void raise_time_exhausted(const char* op, const Meter& meter);
// Raises TimeExhaustedError for a call of `cost` FLOPs refused before running
// because it cannot end before the deadline (Meter::would_outrun_deadline).
void raise_time_outrun(const char* op, Flops cost, const Meter& meter);
// Raises OverflowError for a cost that does not fit in 64 bits.
void raise_cost_overflow(const char* op);

// Pricing without running (flopscope.accounting): while a PricingOnly is
// installed on this thread, a counted call prices itself with `profile`,
// records the price here and stops at admit() with PricedSignal set, so that
// NumPy never runs and no meter is touched. See price_call in module.cpp.
struct PricingOnly {
  const Profile* profile;
  Flops cost = 0;
  int calls = 0;  // counted calls entered; only the first (the priced call) records
};
inline thread_local PricingOnly* pricing_only = nullptr;
// Threads pricing now (changed under the GIL). Counted calls read this plain
// global first: a thread_local read in an extension module costs a call to
// __tls_get_addr, too much for every counted call.
inline int pricing_threads = 0;
inline PricingOnly* pricing_now() { return pricing_threads == 0 ? nullptr : pricing_only; }
PyObject* priced_signal();  // the exception type admit() stops with

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

  // Checks the deadline and the budget; charges `cost`. False (exception set) if refused.
  bool admit(Flops cost) {
    // A dtype-aware profile bills every call's dtype; a dtype-blind one (primer)
    // only a call with a complex operand (complex_, set while they were noted),
    // so that a real call pays one flag test here.
    if (const Profile& prof = profile(); prof.dtype_aware() || complex_) [[unlikely]] {
      if (!bill_dtype(prof, &cost)) return false;
    }
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
  // An explicit dtype= argument: billed exactly as requested (spec 2.3), not
  // from the operands or the op's compute rule.
  void bill_as(dtype::Dtype d) { billed_as_ = d; }
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
  // Reads a dtype= argument (NumPy's spellings) for bill_as; anything NumPy
  // cannot read is left to NumPy to refuse.
  void read_dtype_argument(PyObject* dtype);
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
  dtype::Dtype billed_as_;
  Flops complex_cost_ = -1;  // -1: none (the complex factor applies)
  bool complex_ = false;     // a noted operand or out= buffer is complex (or a Python complex)
  int n_inputs_ = kMaxNoted;
  bool estimator_bins_ = false;
  int density_counts_ = -1;  // NumPy type number, -1: no density=True
  bool edges_given_ = false;
  bool dtype_ignored_ = false;  // a dtype= the profile does not bill (dtype_argument.<op> ignored)

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

// Finds a keyword argument in a vectorcall; nullptr if absent.
PyObject* find_kwarg(PyObject* kwnames, PyObject* const* args, Py_ssize_t nargs, const char* name);

// Positional argument i, else keyword `kw`; nullptr if absent.
PyObject* argument(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, int i, const char* kw);

// Reads one axis (an int; `fallback` when absent) as an index into `ndim` axes.
// False (exception set, naming `op`) when it is not an int or out of bounds.
bool read_axis(const char* op, int ndim, PyObject* axis, long fallback, int* out);

// Reads an axis argument (None or absent = all axes, int, tuple of ints) and
// returns the output size of reducing `shape` over it. False (exception set)
// for a bad axis.
bool reduced_numel(const char* op, const OperandShape& shape, PyObject* axis, Flops* out);

// Shared error helpers.
PyObject* raise_value_error(const char* op, const std::string& what);

}  // namespace flopscope::py
