// Counted wrappers around NumPy functions that are not ufuncs (fnp.sum,
// fnp.dot, fnp.einsum, fnp.reshape, ...). A call is read once into the core's
// Signature (call_frame.hpp) by the op table's slots and priced by the core
// (pricing.hpp); then metered, run by NumPy and recorded.
#pragma once

#include "numpy_api.hpp"

#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace flopscope::py {


struct CountedFunction {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* impl;        // the numpy function
  PyObject* fast_reduce; // bound ufunc.reduce used for the plain sum/prod/max/min calls, or nullptr
  PyObject* name;
  const char* cname;
  OpId op;
  bool where_alone;  // where: a call with only the condition is nonzero's
  bool contraction;  // priced again by the symmetric engine for symmetric or repeated operands (symmetric.hpp)
  bool reduction;    // a reduction (a symmetric input may lose its symmetry: SymmetryLossWarning)
  bool writes_argument;  // writes into an argument (symmetry::Role, or an in-place method): voids a tag
  bool in_place;  // an ndarray method that sorts or partitions its array (refused when immutable)
};

extern PyTypeObject* counted_function_type;
extern PyTypeObject* counted_method_type;
extern PyTypeObject* array_method_type;

// How a counted wrapper is called.
enum class Binding : unsigned char {
  Function,        // fnp.name(...)
  ReceiverMethod,  // obj.name(...) runs impl(obj._numpy, ...) (see below)
  ArrayMethod,     // a method of flopscope.numpy.ndarray: x.name(...) runs impl(x, ...)
};
bool init_counted_function_type(PyObject* module);

// Builds the counted wrapper of `impl` priced as the core op `op_name`
// (which must be in the op table). New reference, nullptr on error.
// Binding::ReceiverMethod: a method for a Python class. Called as obj.name(...), it runs
// impl(obj._numpy, ...): flopscope.numpy.random.Generator keeps a plain NumPy
// Generator there (same bit generator), because NumPy's samplers call each
// other (choice -> integers) and on the subclass those calls would be metered twice.
PyObject* make_counted_function(const char* op_name, PyObject* impl, PyObject* numpy_module,
                                Binding binding = Binding::Function);

PyObject* counted_function_call(CountedFunction* self, PyObject* const* args, Py_ssize_t nargs,
                                PyObject* kwnames);

// An in-place array method (x.sort(), x.partition()) under immutable arrays:
// raises the immutability error and answers true.
bool refuses_in_place(CountedFunction* self);

// What the call would be charged under the profile being queried
// (flopscope.accounting; a PricingOnly must be installed): read and priced as
// the call itself is, and nothing more: NumPy does not run, no meter is
// touched. False with the call's own refusal set.
bool price_function_call(CountedFunction* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                         Flops* cost);

}  // namespace flopscope::py
