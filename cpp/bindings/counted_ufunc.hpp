// A counted wrapper around one NumPy ufunc: fnp.add, fnp.exp, ... and the
// target of our arrays' operators and of __array_ufunc__.
#pragma once

#include "numpy_api.hpp"

#include "flopscope/ops.hpp"

namespace flopscope::py {

struct CountedUfunc {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* ufunc;    // the numpy ufunc
  PyObject* name;     // exported name (str)
  const char* cname;  // same, UTF-8, owned by `name`
  int nin, nout;
  bool contraction;   // matmul / vecdot / matvec / vecmat (core dims)
  OpId op, op_reduce, op_accumulate, op_reduceat, op_outer, op_at;
};

extern PyTypeObject* counted_ufunc_type;
bool init_counted_ufunc_type(PyObject* module);

// Creates the counted wrapper of `ufunc` exported as `name` (new reference).
PyObject* make_counted_ufunc(PyObject* ufunc, const char* name);

// The call path: inputs (and positional outputs) in args[0:nargs], keywords after.
PyObject* counted_ufunc_call(CountedUfunc* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);
// ufunc methods: "reduce", "accumulate", "reduceat", "outer", "at".
PyObject* counted_ufunc_method(CountedUfunc* self, const char* method, PyObject* const* args,
                               Py_ssize_t nargs, PyObject* kwnames);

}  // namespace flopscope::py
