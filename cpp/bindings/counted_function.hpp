// Counted wrappers around NumPy functions that are not ufuncs (fnp.sum,
// fnp.dot, fnp.einsum, fnp.reshape, ...). How each reads its operands is the
// `Marshal` kind; what it costs is the core's formula for the op's rule.
#pragma once

#include "numpy_api.hpp"

#include "flopscope/einsum.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace flopscope::py {

enum class Marshal : unsigned char {
  Free,        // no operand is priced
  Reduce,      // a, axis
  Pointwise,   // the first `arity` operands broadcast together
  Where,       // where(cond) or where(cond, x, y)
  Clip,        // clip(a, a_min, a_max)
  Equal,       // array_equal(a1, a2): free when the shapes differ
  Equiv,       // array_equiv(a1, a2): free when the shapes do not broadcast
  Dot, Inner, Outer, Vdot, Tensordot, Einsum,
  Sort,        // a, axis=-1
  Partition,   // a, kth, axis=-1
  Search,      // a (sorted), v
  Trace,       // a, offset=0, axis1=0, axis2=1
};

struct CountedFunction {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* impl;        // the numpy function
  PyObject* fast_reduce; // bound ufunc.reduce used for the plain sum/prod/max/min calls, or nullptr
  PyObject* name;
  const char* cname;
  OpId op;
  Marshal marshal;
  int arity;
};

extern PyTypeObject* counted_function_type;
extern PyTypeObject* counted_method_type;
bool init_counted_function_type(PyObject* module);

// Builds the counted wrapper of `impl` priced as the core op `op_name`
// (which must be in the op table). New reference, nullptr on error.
// `as_method`: a method for a Python class. Called as obj.name(...), it runs
// impl(obj._numpy, ...): flopscope.numpy.random.Generator keeps a plain NumPy
// Generator there (same bit generator), because NumPy's samplers call each
// other (choice -> integers) and on the subclass those calls would be metered twice.
PyObject* make_counted_function(const char* op_name, PyObject* impl, PyObject* numpy_module,
                                bool as_method = false);

PyObject* counted_function_call(CountedFunction* self, PyObject* const* args, Py_ssize_t nargs,
                                PyObject* kwnames);

// Reads einsum's optimize argument (absent/False: one step over all operands;
// True/'greedy'/'optimal': flopscope's search; ['einsum_path', (i, j), ...]: as
// given) into a path for `expr`. False (exception set, naming `op`) for a bad value.
bool einsum_path_from(const char* op, PyObject* optimize, const Profile& profile, OpId id,
                      const einsum::Expression& expr, einsum::Path* path, bool* use_path);

}  // namespace flopscope::py
