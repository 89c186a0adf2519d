// Reading single arguments of a vectorcall (for the ufunc paths, which read
// their few arguments directly; table rows are read by call_frame.hpp).
#pragma once

#include "numpy_api.hpp"

#include <string>

#include "operands.hpp"

namespace flopscope::py {

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
// Flags the axes of an `ndim`-d operand that the axis argument reduces
// (None or absent: all; an int; a tuple of ints) in reduced[0:ndim]. False
// (exception set, naming `op`) for a bad axis.
bool read_reduced_axes(const char* op, int ndim, PyObject* axis, bool* reduced);

// Shared error helpers.
PyObject* raise_value_error(const char* op, const std::string& what);

}  // namespace flopscope::py
