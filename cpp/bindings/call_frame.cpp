#include "call_frame.hpp"

#include <algorithm>

#include "symmetric.hpp"

namespace flopscope::py {
namespace {

using A = Arg::Kind;

Arg array_arg(const OperandShape& shape) {
  Arg a;
  a.kind = A::Array;
  a.ints = {reinterpret_cast<const std::int64_t*>(shape.dims), static_cast<std::size_t>(shape.ndim)};
  a.dtype = shape.type_num == NPY_NOTYPE ? -1 : shape.type_num;
  a.weak = shape.weak;
  a.symmetry = shape.symmetry;
  return a;
}

// One operand: converted and watched (Operands::inspect), noted for dtype
// billing when `call` is given; NumPy then sees the converted object.
bool read_operand(PyObject** slot, Operands& operands, Call* call, CallFrame& frame, Arg* out) {
  OperandShape& shape = frame.shape();
  PyObject* converted = operands.inspect(*slot, &shape);
  if (converted == nullptr) return false;
  *slot = converted;
  if (call != nullptr) call->note_operand(shape);
  *out = array_arg(shape);
  return true;
}

// A list or tuple of operands (each converted and watched) into an Arrays
// argument; NumPy then sees a list of the converted items.
bool read_operands(PyObject** slot, Operands& operands, Call* call, CallFrame& frame, Arg* out) {
  PyObject* seq = *slot;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject* copy = PyList_New(n);
  if (copy == nullptr) return false;
  operands.keep(copy);
  std::span<Arg> items = frame.items(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq, i);
    if (!read_operand(&item, operands, call, frame, &items[static_cast<std::size_t>(i)])) return false;
    Py_INCREF(item);
    PyList_SET_ITEM(copy, i, item);
  }
  *slot = copy;
  out->kind = A::Arrays;
  out->items = items;
  return true;
}

// A tuple or list whose items are all exact ints (no participant code runs to read them).
bool all_exact_integers(PyObject* o) {
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  for (Py_ssize_t i = 0; i < n; ++i)
    if (!is_exact_integer(PySequence_Fast_GET_ITEM(o, i))) return false;
  return true;
}

// Reads a parameter by value. Numbers, strings, None and tuples/lists of ints
// are read as they are; arrays and other lists as operands (converted and
// watched like every operand); an object with __index__ is resolved once and
// the resolved int is what NumPy then sees. Anything else (callables, ...)
// is Other to the formula.
bool read_param(PyObject** slot, Operands& operands, CallFrame& frame, Arg* out) {
  PyObject* o = *slot;
  if (o == Py_None) {
    out->kind = A::None;
  } else if (PyBool_Check(o)) {
    out->kind = A::Bool;
    out->i = o == Py_True;
  } else if (PyFloat_Check(o) || PyArray_IsScalar(o, Floating)) {
    out->kind = A::Float;
    out->f = PyFloat_AsDouble(o);
    if (out->f == -1.0 && PyErr_Occurred()) return false;
  } else if (PyUnicode_Check(o)) {
    out->kind = A::Str;
    Py_ssize_t n;
    const char* text = PyUnicode_AsUTF8AndSize(o, &n);
    if (text == nullptr) return false;  // not encodable (a lone surrogate): UnicodeEncodeError
    out->s = {text, static_cast<std::size_t>(n)};
  } else if (PyLong_CheckExact(o) || PyArray_IsScalar(o, Integer) || (!PyArray_Check(o) && PyIndex_Check(o))) {
    PyObject* index = PyNumber_Index(o);  // user code only for a foreign __index__
    if (index == nullptr) return false;
    out->kind = A::Int;
    out->i = PyLong_AsLongLong(index);
    if (out->i == -1 && PyErr_Occurred()) {
      Py_DECREF(index);
      return false;
    }
    if (!is_exact_integer(o)) {  // its __index__ is participant code: NumPy sees the int we priced
      operands.keep(index);
      *slot = index;
    } else {
      Py_DECREF(index);
    }
  } else if ((PyTuple_Check(o) || PyList_Check(o)) && all_exact_integers(o)) {
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    std::span<std::int64_t> values = frame.ints(static_cast<std::size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      long long v = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(o, i));
      if (v == -1 && PyErr_Occurred()) return false;
      values[static_cast<std::size_t>(i)] = v;
    }
    out->kind = A::Ints;
    out->ints = values;
  } else if (PyArray_Check(o) || PyTuple_Check(o) || PyList_Check(o)) {
    OperandShape& shape = frame.shape();
    PyObject* converted = operands.inspect(o, &shape);
    if (converted == nullptr) {
      // A ragged sequence (histogram2d's bins=[xedges, yedges] of two lengths)
      // is read as a sequence of operands, each converted.
      if (PyArray_Check(o) || !PyErr_ExceptionMatches(PyExc_ValueError)) return false;
      PyErr_Clear();
      return read_operands(slot, operands, nullptr, frame, out);
    }
    *slot = converted;
    *out = array_arg(shape);
  } else {
    out->kind = A::Other;  // a callable, ...: the formula decides
  }
  return true;
}

// An int of NumPy's own types: read by NumPy's __index__, no participant code.
bool exact_int(PyObject* item) {
  return is_exact_integer(item) ||
         ((Py_TYPE(item) == &PyArray_Type || Py_TYPE(item) == state().array_type) &&
          PyArray_NDIM(reinterpret_cast<PyArrayObject*>(item)) == 0 &&
          PyArray_ISINTEGER(reinterpret_cast<PyArrayObject*>(item)));
}

bool int_value(PyObject* item, std::int64_t* out) {
  PyObject* index = PyNumber_Index(item);  // NumPy's own __index__ for its integers
  if (index == nullptr) return false;
  long long v = PyLong_AsLongLong(index);
  Py_DECREF(index);
  if (v == -1 && PyErr_Occurred()) return false;
  *out = v;
  return true;
}

// A "#" slot: an int, a sequence of ints, a sequence of equal-length
// sequences of ints, or an integer array of at most 2 dimensions, by value
// (pad widths, kth, tensordot's axes). Anything else is Other, which the
// formula refuses. Only exact ints are read: nothing here runs Python code.
bool read_int_table(PyObject* o, CallFrame& frame, Arg* out) {
  out->kind = A::Other;
  if (exact_int(o)) {
    out->kind = A::Int;
    return int_value(o, &out->i);
  }
  if (PyArray_Check(o)) {
    auto* a = reinterpret_cast<PyArrayObject*>(o);
    if (!PyArray_ISINTEGER(a) || PyArray_NDIM(a) > 2) return true;
    PyObject* flat = PyArray_FROMANY(o, NPY_INT64, 0, 2, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_FORCECAST);
    if (flat == nullptr) return false;
    auto* f = reinterpret_cast<PyArrayObject*>(flat);
    const auto* data = static_cast<const std::int64_t*>(PyArray_DATA(f));
    std::span<std::int64_t> values = frame.ints(static_cast<std::size_t>(PyArray_SIZE(f)));
    std::copy(data, data + values.size(), values.begin());
    const int nd = PyArray_NDIM(f);
    out->rows = nd == 2 ? PyArray_DIM(f, 0) : -1;
    Py_DECREF(flat);
    if (nd == 0) {
      out->kind = A::Int;
      out->i = values[0];
    } else {
      out->kind = A::Ints;
      out->ints = values;
    }
    return true;
  }
  if (!PyTuple_Check(o) && !PyList_Check(o)) return true;
  // Shape check first (types only), then the values.
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  Py_ssize_t width = -1;  // items per row; -1: the items are ints
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(o, i);
    if (exact_int(item)) {
      if (width >= 0) return true;
      continue;
    }
    if (!(PyTuple_Check(item) || PyList_Check(item)) || (i > 0 && width < 0)) return true;
    const Py_ssize_t m = PySequence_Fast_GET_SIZE(item);
    if (width >= 0 && m != width) return true;
    width = m;
    for (Py_ssize_t j = 0; j < m; ++j)
      if (!exact_int(PySequence_Fast_GET_ITEM(item, j))) return true;
  }
  std::span<std::int64_t> values = frame.ints(static_cast<std::size_t>(width >= 0 ? n * width : n));
  std::size_t k = 0;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(o, i);
    if (width < 0) {
      if (!int_value(item, &values[k++])) return false;
      continue;
    }
    for (Py_ssize_t j = 0; j < width; ++j)
      if (!int_value(PySequence_Fast_GET_ITEM(item, j), &values[k++])) return false;
  }
  out->kind = A::Ints;
  out->ints = values;
  out->rows = width >= 0 ? n : -1;
  return true;
}

// "#+": NumPy's *name, each by value (broadcast_shapes' shapes).
bool read_rest_values(PyObject** rest, Py_ssize_t n, CallFrame& frame, Arg* out) {
  std::span<Arg> items = frame.items(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    Arg& item = items[static_cast<std::size_t>(i)];
    if (!read_int_table(rest[i], frame, &item)) return false;
    PyObject* o = rest[i];
    if (item.kind == A::Other && (PyTuple_Check(o) || PyList_Check(o))) {
      // Extents NumPy reads later with __index__: their number is known, their values are not (-1).
      std::span<std::int64_t> unknown = frame.ints(static_cast<std::size_t>(PySequence_Fast_GET_SIZE(o)));
      std::fill(unknown.begin(), unknown.end(), -1);
      item.kind = A::Ints;
      item.ints = unknown;
    } else if (item.kind == A::Other && PyIndex_Check(o)) {
      item.kind = A::Int;  // one extent, read with __index__ by NumPy
      item.i = -1;
    }
  }
  out->kind = A::Arrays;
  out->items = items;
  return true;
}

// "&+": NumPy's *name, each an operand.
bool read_rest(PyObject** rest, Py_ssize_t n, Operands& operands, Call& call, CallFrame& frame, Arg* out) {
  std::span<Arg> items = frame.items(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i)
    if (!read_operand(&rest[i], operands, &call, frame, &items[static_cast<std::size_t>(i)])) return false;
  out->kind = A::Arrays;
  out->items = items;
  return true;
}

// out=: output buffers must be numeric like every operand (NumPy would
// otherwise cast a numeric result into a str/object array); their dtypes take
// part in the billed dtype (spec 2.3). The buffers themselves are what NumPy
// writes into: never replaced. Anything but arrays is left to NumPy to refuse.
bool read_out(PyObject* o, Operands& operands, Call& call, CallFrame& frame, Arg* out) {
  if (o == Py_None) {
    out->kind = A::None;
    return true;
  }
  sym::void_outputs(o);  // a SymmetricTensor written into loses its tag
  out->kind = A::Other;
  const Py_ssize_t n = PyTuple_Check(o) ? PyTuple_GET_SIZE(o) : 1;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* buffer = PyTuple_Check(o) ? PyTuple_GET_ITEM(o, i) : o;
    if (!PyArray_Check(buffer)) continue;
    OperandShape& shape = frame.shape();
    if (operands.inspect(buffer, &shape) == nullptr) return false;
    call.note_out_type(PyArray_TYPE(reinterpret_cast<PyArrayObject*>(buffer)));
    if (i == 0) *out = array_arg(shape);
  }
  return true;
}

// A dtype, or a type that names one (np.float32, float, int, complex, bool).
// Reads types only: no user code runs.
bool is_dtype_object(PyObject* o) {
  if (PyArray_DescrCheck(o)) return true;
  if (!PyType_Check(o)) return false;
  auto* t = reinterpret_cast<PyTypeObject*>(o);
  return PyType_IsSubtype(t, &PyGenericArrType_Type) || t == &PyFloat_Type || t == &PyLong_Type ||
         t == &PyComplex_Type || t == &PyBool_Type;
}

// dtype=: the dtype NumPy's spellings name (dtype_number); anything else is
// Other, left to NumPy.
void read_dtype(PyObject* o, CallFrame& frame, Arg* out) {
  if (o == Py_None) {
    out->kind = A::None;
    return;
  }
  const int type_num = dtype_number(o);
  out->kind = type_num >= 0 ? A::Dtype : A::Other;
  out->dtype = type_num;
  if (type_num >= 0) frame.dtype_argument = type_num;
}

// "@": einsum's optimize=, a strategy or a path ['einsum_path', (0, 1), ...];
// each step's positions read by value (exact ints only).
bool read_path(PyObject** slot, Operands& operands, CallFrame& frame, Arg* out) {
  PyObject* o = *slot;
  if (!PyList_Check(o) && !PyTuple_Check(o)) return read_param(slot, operands, frame, out);
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  const Py_ssize_t first = n > 0 && PyUnicode_Check(PySequence_Fast_GET_ITEM(o, 0)) ? 1 : 0;
  std::span<Arg> steps = frame.items(static_cast<std::size_t>(n - first));
  out->kind = A::Other;
  for (Py_ssize_t i = first; i < n; ++i) {
    Arg& step = steps[static_cast<std::size_t>(i - first)];
    if (!read_int_table(PySequence_Fast_GET_ITEM(o, i), frame, &step)) return false;
    if (step.kind == A::Int) {  // (i,) read as a one-item step
      std::span<std::int64_t> one = frame.ints(1);
      one[0] = step.i;
      step.kind = A::Ints;
      step.ints = one;
    }
    if (step.kind != A::Ints || step.rows >= 0) return true;  // not a step: Other, refused by the pricer
  }
  out->kind = A::Arrays;
  out->items = steps;
  return true;
}

}  // namespace

bool read_value(Slot::Kind kind, PyObject** slot, Operands& operands, CallFrame& frame, Arg* out) {
  switch (kind) {
    case Slot::Kind::Path: return read_path(slot, operands, frame, out);
    case Slot::Kind::IntTable: return read_int_table(*slot, frame, out);
    default: return read_param(slot, operands, frame, out);
  }
}

bool read_call(const char* name, const OpInfo& info, PyObject** stack, Py_ssize_t nargs, PyObject* kwnames,
               Operands& operands, Call& call, CallFrame& frame) {
  const std::vector<Slot>& slots = info.slots;
  frame.start(slots.size());
  // Reads the value at `where` into slot k.
  auto read_slot = [&](std::size_t k, PyObject** where) -> bool {
    const Slot& slot = slots[k];
    Arg& arg = frame.slot(k);
    if (*where == Py_None && slot.kind != Slot::Kind::Out && slot.kind != Slot::Kind::Dtype) {
      arg.kind = A::None;
      return true;
    }
    switch (slot.kind) {
      case Slot::Kind::Param:
        if (!read_param(where, operands, frame, &arg)) return false;
        if (slot.billed && arg.kind == A::Array) call.note_operand(frame.last_shape());
        if (slot.billed && arg.kind == A::Ints) {  // a list of ints: the int64 array NumPy makes of it
          std::span<std::int64_t> dims = frame.ints(1);
          dims[0] = static_cast<std::int64_t>(arg.ints.size());
          OperandShape& shape = frame.shape();
          shape = OperandShape{1, reinterpret_cast<const npy_intp*>(dims.data()), NPY_INT64, 0, dtype::Weak::None};
          call.note_operand(shape);
        }
        return true;
      case Slot::Kind::Operand: return read_operand(where, operands, &call, frame, &arg);
      case Slot::Kind::Operands:
        if (PyArray_Check(*where) || !(PyList_Check(*where) || PyTuple_Check(*where))) {
          PyErr_Format(PyExc_TypeError, "%s: %s must be a list or tuple of arrays", name, slot.name.c_str());
          return false;
        }
        return read_operands(where, operands, &call, frame, &arg);
      case Slot::Kind::Out: return read_out(*where, operands, call, frame, &arg);
      case Slot::Kind::Dtype: read_dtype(*where, frame, &arg); return true;
      case Slot::Kind::IntTable:
      case Slot::Kind::Path: return read_value(slot.kind, where, operands, frame, &arg);
      case Slot::Kind::Rest:
      case Slot::Kind::RestValues: break;  // positional only: read below
    }
    return true;
  };

  // Positional arguments, in slot order.
  std::size_t k = 0;
  for (Py_ssize_t i = 0; i < nargs; ++i, ++k) {
    if (k >= slots.size() || slots[k].keyword_only) {
      // Past the row's parameters. A free row (no slots) reads a positional
      // dtype: array(x, np.float32), ones_like(x, float).
      if (slots.empty() && i >= 1 && frame.dtype_argument < 0 && is_dtype_object(stack[i])) {
        Arg ignored;
        read_dtype(stack[i], frame, &ignored);
      }
      continue;
    }
    if (slots[k].kind == Slot::Kind::Rest) {
      if (!read_rest(stack + i, nargs - i, operands, call, frame, &frame.slot(k))) return false;
      frame.rest_objects = {stack + i, static_cast<std::size_t>(nargs - i)};
      break;
    }
    if (slots[k].kind == Slot::Kind::RestValues) {
      if (!read_rest_values(stack + i, nargs - i, frame, &frame.slot(k))) return false;
      break;
    }
    if (!read_slot(k, &stack[i])) return false;
    frame.set_object(k, stack[i]);
  }
  // Keywords, each into its slot by name; out= and dtype= also where the row has no such slot.
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t j = 0; j < nkw; ++j) {
    PyObject* keyword = PyTuple_GET_ITEM(kwnames, j);
    PyObject** where = &stack[nargs + j];
    std::size_t slot = 0;
    while (slot < slots.size() && (slots[slot].kind == Slot::Kind::Rest || slots[slot].kind == Slot::Kind::RestValues ||
                                   PyUnicode_CompareWithASCIIString(keyword, slots[slot].name.c_str()) != 0))
      ++slot;
    if (slot < slots.size()) {
      if (!read_slot(slot, where)) return false;
      frame.set_object(slot, *where);
    } else if (PyUnicode_CompareWithASCIIString(keyword, "out") == 0) {
      Arg ignored;
      if (!read_out(*where, operands, call, frame, &ignored)) return false;
    } else if (PyUnicode_CompareWithASCIIString(keyword, "dtype") == 0) {
      Arg ignored;
      read_dtype(*where, frame, &ignored);
    }
  }
  return true;
}

}  // namespace flopscope::py
