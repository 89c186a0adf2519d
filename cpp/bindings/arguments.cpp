#include "arguments.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace flopscope::py {

PyObject* find_kwarg(PyObject* kwnames, PyObject* const* args, Py_ssize_t nargs, const char* name) {
  if (kwnames == nullptr) return nullptr;
  Py_ssize_t n = PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), name) == 0) return args[nargs + i];
  }
  return nullptr;
}

PyObject* argument(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, int i, const char* kw) {
  if (i < nargs) return args[i];
  return kw ? find_kwarg(kwnames, args, nargs, kw) : nullptr;
}

bool read_axis(const char* op, int ndim, PyObject* axis, long fallback, int* out) {
  long v = axis != nullptr ? PyLong_AsLong(axis) : fallback;
  if (v == -1 && PyErr_Occurred()) return false;
  if (!axis_in_range(v, ndim, out)) {
    PyErr_Format(PyExc_ValueError, "%s: axis %ld is out of bounds for an array of dimension %d", op, v, ndim);
    return false;
  }
  return true;
}

bool read_reduced_axes(const char* op, int ndim, PyObject* axis, bool* reduced) {
  const bool all = axis == nullptr || axis == Py_None;
  std::fill(reduced, reduced + ndim, all);
  if (all || ndim == 0) return true;
  auto add = [&](PyObject* item) {
    int a;
    if (!read_axis(op, ndim, item, 0, &a)) return false;
    reduced[a] = true;
    return true;
  };
  if (!PyTuple_Check(axis)) return add(axis);
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(axis); ++i)
    if (!add(PyTuple_GET_ITEM(axis, i))) return false;
  return true;
}

bool reduced_numel(const char* op, const OperandShape& shape, PyObject* axis, Flops* out) {
  // A 0-d operand reduces to one element whatever the axis; NumPy accepts
  // axis 0 / -1 there and refuses the rest itself (the charge is then refunded).
  bool reduced[64];  // NumPy arrays have at most 64 dimensions
  if (!read_reduced_axes(op, shape.ndim, axis, reduced)) return false;
  Flops n = 1;
  for (int d = 0; d < shape.ndim; ++d)
    if (!reduced[d]) n = checked_mul(n, shape.dims[d]);
  *out = n;
  return true;
}

PyObject* raise_value_error(const char* op, const std::string& what) {
  // Core messages may already start with the op's name ("einsum: ...").
  const std::size_t n = std::strlen(op);
  if (what.compare(0, n, op) == 0 && what.compare(n, 2, ": ") == 0) {
    PyErr_SetString(PyExc_ValueError, what.c_str());
  } else {
    PyErr_Format(PyExc_ValueError, "%s: %s", op, what.c_str());
  }
  return nullptr;
}

}  // namespace flopscope::py
