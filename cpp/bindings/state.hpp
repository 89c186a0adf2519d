// One home for the binding's state: the types and exception classes it needs
// (filled at module init), the exported ops, configure() switches, and the
// pricing-only mode of flopscope.accounting.
#pragma once

#include "numpy_api.hpp"

#include "flopscope/profile.hpp"

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
  PyObject* exported_ops = nullptr;       // dict: name -> counted object, for every exported op
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

}  // namespace flopscope::py
