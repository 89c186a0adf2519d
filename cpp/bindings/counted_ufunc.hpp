// A counted wrapper around one NumPy ufunc: fnp.add, fnp.exp, ... and the
// target of our arrays' operators and of __array_ufunc__.
#pragma once

#include "numpy_api.hpp"

#include "direct_loop.hpp"

#include "flopscope/ops.hpp"

namespace flopscope::py {

// The ufunc methods, in the order of the core's table (flopscope::ufunc_methods(),
// op_table/ufuncs.inc; checked at module init).
enum class UfuncMethod : unsigned char { Reduce, Accumulate, Reduceat, Outer, At };
constexpr int kUfuncMethods = 5;
// The method named `name`, or -1.
int find_ufunc_method(const char* name);

struct CountedUfunc {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* ufunc;    // the numpy ufunc
  PyObject* name;     // exported name (str)
  const char* cname;  // same, UTF-8, owned by `name`
  int nin, nout;
  UfuncCore core;
  OpId op;
  OpId method_op[kUfuncMethods];           // "add.reduce", ... by UfuncMethod
  PyObject* method_bound[kUfuncMethods];   // numpy's bound ufunc.reduce, ... (owned)
  bool numpy_own;                          // one of NumPy's ufuncs: its inner loops may be called directly
  bool positional_out_warns;               // NumPy warns on f(a, b, out) (maximum, minimum)
  DirectLoops* direct;                     // those loops, resolved per dtype combination (owned)
};

extern PyTypeObject* counted_ufunc_type;
bool init_counted_ufunc_type(PyObject* module);

// Creates the counted wrapper of `ufunc` exported as `name` (new reference).
// `numpy_own`: a ufunc of NumPy's namespace, whose loops call_direct_loop may
// run; other ufuncs (scipy.special, frompyfunc) always take the full call,
// since their loops may warn through their own channels.
PyObject* make_counted_ufunc(PyObject* ufunc, const char* name, bool numpy_own);

// The call path: inputs (and positional outputs) in args[0:nargs], keywords after.
PyObject* counted_ufunc_call(CountedUfunc* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);
// The ufunc methods (reduce, accumulate, reduceat, outer, at).
PyObject* counted_ufunc_method(CountedUfunc* self, UfuncMethod method, PyObject* const* args,
                               Py_ssize_t nargs, PyObject* kwnames);

// Forgets every counted ufunc's resolved inner loops (tests use it to run each
// dtype combination through a fresh cache).
void reset_direct_loops();

}  // namespace flopscope::py
