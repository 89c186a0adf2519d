// Python that the interpreter or NumPy can run inside a counted call without
// being one of its arguments: profile and trace functions, audit hooks,
// sys.monitoring callbacks, NumPy's error callback (np.seterrcall), warning
// display hooks, signal handlers, gc callbacks and finalizers.
//
// Policy (docs/cost-model.md, "Time that is not flopscope's"): a counted call
// during which such a hook is armed books all of its time as residual, as a
// call with a foreign argument does; its FLOPs still count. Automatic garbage
// collection is paused for the length of a counted call, so gc callbacks and
// the finalizers of collected cycles never run inside one.
#pragma once

#include "numpy_api.hpp"

namespace flopscope::py::hooks {

// Module init: installs flopscope's audit hook (it sees sys.addaudithook and
// sys.monitoring registrations) and finds NumPy's error-state context variable.
bool install();

// Hooks the binding can see in a few nanoseconds, checked at the entry of
// every counted call (and at the exit of a long one): a profile or trace function on this thread, an
// audit hook or sys.monitoring callback added since flopscope was imported
// (sticky), NumPy's error handling in 'call' or 'log' mode.
bool armed();

// Calls longer than this are also checked for the hooks that cost a few
// microseconds to find (armed_slow), so a hook can hide at most this much per call.
constexpr double kSlowCheckAfterSeconds = 50e-6;
// Python signal handlers (main thread), a replaced warnings.showwarning or
// warnings._showwarnmsg.
bool armed_slow();

// Registers a signal handler function of flopscope's own tools (whestbench's
// watchdogs and Ctrl-C watch), which armed_slow() does not count: their bodies
// are the grader's. None seals the list; whestbench seals it before it loads
// any estimator code. 1: registered; 0: sealed (or None given); -1: error set.
int trust_signal_handler(PyObject* fn);

// Adds an audit hook of flopscope's own tools (whestbench's integrity hook)
// without arming the check above. Allowed once per process.
bool add_trusted_audit_hook(PyObject* hook);

}  // namespace flopscope::py::hooks
