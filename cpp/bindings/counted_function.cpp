#include "counted_function.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "dispatch.hpp"
#include "symmetric.hpp"
#include "flopscope/einsum.hpp"

namespace flopscope::py {

PyTypeObject* counted_function_type = nullptr;
PyTypeObject* counted_method_type = nullptr;
PyTypeObject* array_method_type = nullptr;

namespace {

constexpr int kMaxArgs = 64;

// Reads tensordot's axes argument into the contracted axes of a and b.
bool tensordot_axes(const char* op, PyObject* axes, const OperandShape& a, const OperandShape& b,
                    std::vector<int>* ax, std::vector<int>* bx) {
  if (axes == nullptr || PyLong_Check(axes)) {
    long n = axes ? PyLong_AsLong(axes) : 2;
    if (n < 0 || n > a.ndim || n > b.ndim) {
      PyErr_Format(PyExc_ValueError, "%s: axes=%ld does not fit operands of %d and %d dimensions", op, n,
                   a.ndim, b.ndim);
      return false;
    }
    for (long i = 0; i < n; ++i) {
      ax->push_back(static_cast<int>(a.ndim - n + i));
      bx->push_back(static_cast<int>(i));
    }
    return true;
  }
  PyObject* seq = PySequence_Fast(axes, "tensordot: axes must be an int or a pair of axis sequences");
  if (seq == nullptr) return false;
  bool ok = PySequence_Fast_GET_SIZE(seq) == 2;
  for (int side = 0; ok && side < 2; ++side) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq, side);
    const OperandShape& s = side == 0 ? a : b;
    std::vector<int>* out = side == 0 ? ax : bx;
    if (PyLong_Check(item)) {
      long v = PyLong_AsLong(item);
      out->push_back(static_cast<int>(v < 0 ? v + s.ndim : v));
    } else {
      PyObject* inner = PySequence_Fast(item, "tensordot: axes must be an int or a pair of axis sequences");
      if (inner == nullptr) {
        Py_DECREF(seq);
        return false;
      }
      for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(inner); ++i) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(inner, i));
        out->push_back(static_cast<int>(v < 0 ? v + s.ndim : v));
      }
      Py_DECREF(inner);
    }
    for (int v : *out)
      if (v < 0 || v >= s.ndim) ok = false;
  }
  Py_DECREF(seq);
  if (PyErr_Occurred()) return false;
  if (!ok || ax->size() != bx->size()) {
    PyErr_Format(PyExc_ValueError, "%s: invalid axes argument for the operand shapes", op);
    return false;
  }
  return true;
}

PyObject* path_to_list(const einsum::Path& path) {
  PyObject* list = PyList_New(0);
  PyObject* tag = PyUnicode_FromString("einsum_path");
  PyList_Append(list, tag);
  Py_DECREF(tag);
  for (const auto& step : path) {
    PyObject* t = PyTuple_New(static_cast<Py_ssize_t>(step.size()));
    for (std::size_t i = 0; i < step.size(); ++i) PyTuple_SET_ITEM(t, i, PyLong_FromLong(step[i]));
    PyList_Append(list, t);
    Py_DECREF(t);
  }
  return list;
}


// Storage behind the Args of one Signature call (spans point into it).
struct SignatureFrame {
  std::deque<OperandShape> shapes;
  std::deque<std::vector<std::int64_t>> ints;
  std::deque<std::vector<Arg>> items;
  std::vector<Arg> args;
};

Arg array_arg(const OperandShape& shape) {
  Arg a;
  a.kind = Arg::Kind::Array;
  a.ints = {reinterpret_cast<const std::int64_t*>(shape.dims), static_cast<std::size_t>(shape.ndim)};
  a.dtype = shape.type_num == NPY_NOTYPE ? -1 : shape.type_num;
  a.symmetry = shape.symmetry;
  return a;
}

// Reads a list or tuple of operands (each converted and watched) into an
// Arrays argument; NumPy then sees a list of the converted items.
// `call`: where the operands are noted for dtype billing (nullptr: a parameter's arrays are not).
bool read_operands(PyObject** slot, Operands& operands, Call* call, SignatureFrame& frame, Arg* out) {
  PyObject* seq = *slot;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject* copy = PyList_New(n);
  if (copy == nullptr) return false;
  operands.keep(copy);
  auto& items = frame.items.emplace_back();
  for (Py_ssize_t i = 0; i < n; ++i) {
    OperandShape& shape = frame.shapes.emplace_back();
    PyObject* converted = operands.inspect(PySequence_Fast_GET_ITEM(seq, i), &shape);
    if (converted == nullptr) return false;
    Py_INCREF(converted);
    PyList_SET_ITEM(copy, i, converted);
    if (call != nullptr) call->note_operand(shape);
    items.push_back(array_arg(shape));
  }
  *slot = copy;
  out->kind = Arg::Kind::Arrays;
  out->items = items;
  return true;
}

// Reads a parameter by value. Numbers, strings, None and tuples/lists of ints
// are read as they are; arrays and other lists as operands (converted and
// watched like every operand); an object with __index__ is resolved once and
// the resolved int is what NumPy then sees. Anything else (dtypes, callables)
// is Absent to the formula. False with an exception set on error.
bool read_param(PyObject** slot, Operands& operands, SignatureFrame& frame, Arg* out) {
  PyObject* o = *slot;
  if (o == Py_None) {
    out->kind = Arg::Kind::None;
  } else if (PyBool_Check(o)) {
    out->kind = Arg::Kind::Bool;
    out->i = o == Py_True;
  } else if (PyFloat_Check(o) || PyArray_IsScalar(o, Floating)) {
    out->kind = Arg::Kind::Float;
    out->f = PyFloat_AsDouble(o);
    if (out->f == -1.0 && PyErr_Occurred()) return false;
  } else if (PyUnicode_Check(o)) {
    out->kind = Arg::Kind::Str;
    Py_ssize_t n;
    const char* text = PyUnicode_AsUTF8AndSize(o, &n);
    if (text == nullptr) return false;
    out->s = {text, static_cast<std::size_t>(n)};
  } else if (PyLong_CheckExact(o) || PyArray_IsScalar(o, Integer) || (!PyArray_Check(o) && PyIndex_Check(o))) {
    PyObject* index = PyNumber_Index(o);  // user code only for a foreign __index__
    if (index == nullptr) return false;
    out->kind = Arg::Kind::Int;
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
  } else if ((PyTuple_Check(o) || PyList_Check(o)) && [&] {
               const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
               for (Py_ssize_t i = 0; i < n; ++i)
                 if (!is_exact_integer(PySequence_Fast_GET_ITEM(o, i))) return false;  // no user code below
               return true;
             }()) {
    auto& values = frame.ints.emplace_back();
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    for (Py_ssize_t i = 0; i < n; ++i) {
      long long v = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(o, i));
      if (v == -1 && PyErr_Occurred()) return false;
      values.push_back(v);
    }
    out->kind = Arg::Kind::Ints;
    out->ints = values;
  } else if (PyArray_Check(o) || PyTuple_Check(o) || PyList_Check(o)) {
    OperandShape& shape = frame.shapes.emplace_back();
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
    out->kind = Arg::Kind::Other;  // a callable, a dtype, ...: the formula decides
  }
  return true;
}

// Reads a "#" slot: an int, a sequence of ints, a sequence of equal-length
// sequences of ints, or an integer array of at most 2 dimensions, by value
// (NumPy's pad widths). Anything else is Other, which the formula refuses.
// Only exact ints are read: nothing here runs Python code. False with an
// exception set on error.
bool read_int_table(PyObject* o, SignatureFrame& frame, Arg* out) {
  auto exact_int = [](PyObject* item) {  // NumPy's own types only: their __index__ is NumPy's
    return is_exact_integer(item) ||
           ((Py_TYPE(item) == &PyArray_Type || Py_TYPE(item) == state().array_type) &&
            PyArray_NDIM(reinterpret_cast<PyArrayObject*>(item)) == 0 &&
            PyArray_ISINTEGER(reinterpret_cast<PyArrayObject*>(item)));
  };
  auto& values = frame.ints.emplace_back();
  auto push = [&](PyObject* item) {
    PyObject* index = PyNumber_Index(item);  // NumPy's own __index__ for its integers
    if (index == nullptr) return false;
    long long v = PyLong_AsLongLong(index);
    Py_DECREF(index);
    if (v == -1 && PyErr_Occurred()) return false;
    values.push_back(v);
    return true;
  };
  out->kind = Arg::Kind::Other;
  if (exact_int(o)) {
    if (!push(o)) return false;
    out->kind = Arg::Kind::Int;
    out->i = values[0];
    return true;
  }
  if (PyArray_Check(o)) {
    auto* a = reinterpret_cast<PyArrayObject*>(o);
    if (!PyArray_ISINTEGER(a) || PyArray_NDIM(a) > 2) return true;
    PyObject* flat = PyArray_FROMANY(o, NPY_INT64, 0, 2, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_FORCECAST);
    if (flat == nullptr) return false;
    auto* f = reinterpret_cast<PyArrayObject*>(flat);
    const auto* data = static_cast<const std::int64_t*>(PyArray_DATA(f));
    values.assign(data, data + PyArray_SIZE(f));
    out->rows = PyArray_NDIM(f) == 2 ? PyArray_DIM(f, 0) : -1;
    const int nd = PyArray_NDIM(f);
    Py_DECREF(flat);
    if (nd == 0) {
      out->kind = Arg::Kind::Int;
      out->i = values[0];
      return true;
    }
    out->kind = Arg::Kind::Ints;
    out->ints = values;
    return true;
  }
  if (!PyTuple_Check(o) && !PyList_Check(o)) return true;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
  Py_ssize_t width = -1;  // items per row; -1: the items are ints
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(o, i);
    if (exact_int(item)) {
      if (width >= 0 || !push(item)) return !PyErr_Occurred();
      continue;
    }
    if (!(PyTuple_Check(item) || PyList_Check(item)) || (i > 0 && width < 0)) return true;
    const Py_ssize_t m = PySequence_Fast_GET_SIZE(item);
    if (width >= 0 && m != width) return true;
    width = m;
    for (Py_ssize_t j = 0; j < m; ++j) {
      PyObject* v = PySequence_Fast_GET_ITEM(item, j);
      if (!exact_int(v)) return true;
      if (!push(v)) return false;
    }
  }
  out->kind = Arg::Kind::Ints;
  out->ints = values;
  out->rows = width >= 0 ? n : -1;
  return true;
}

// Reads a call into the Args of the row's slots (OperandReading::Signature).
bool read_signature(const char* name, const OpInfo& info, PyObject** stack, Py_ssize_t nargs, PyObject* kwnames,
                    Operands& operands, Call& call, SignatureFrame& frame) {
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  frame.args.assign(info.slots.size(), Arg{});
  Py_ssize_t position = 0;
  for (std::size_t k = 0; k < info.slots.size(); ++k) {
    const Slot& slot = info.slots[k];
    PyObject** where = nullptr;
    if (slot.kind == Slot::Kind::Rest) {  // NumPy's *name: positions [position, nargs)
      auto& items = frame.items.emplace_back();
      for (; position < nargs; ++position) {
        OperandShape& shape = frame.shapes.emplace_back();
        PyObject* converted = operands.inspect(stack[position], &shape);
        if (converted == nullptr) return false;
        stack[position] = converted;
        call.note_operand(shape);
        items.push_back(array_arg(shape));
      }
      frame.args[k].kind = Arg::Kind::Arrays;
      frame.args[k].items = items;
      continue;
    }
    if (slot.kind == Slot::Kind::RestValues) {  // NumPy's *name, each by value (ints, shapes)
      auto& items = frame.items.emplace_back();
      for (; position < nargs; ++position) {
        Arg& item = items.emplace_back();
        if (!read_int_table(stack[position], frame, &item)) return false;
        PyObject* o = stack[position];
        if (item.kind == Arg::Kind::Other && (PyTuple_Check(o) || PyList_Check(o))) {
          // Extents NumPy reads later with __index__: their number is known, their values are not (-1).
          auto& unknown = frame.ints.emplace_back(static_cast<std::size_t>(PySequence_Fast_GET_SIZE(o)), -1);
          item.kind = Arg::Kind::Ints;
          item.ints = unknown;
        } else if (item.kind == Arg::Kind::Other && PyIndex_Check(o)) {
          item.kind = Arg::Kind::Int;  // one extent, read with __index__ by NumPy
          item.i = -1;
        }
      }
      frame.args[k].kind = Arg::Kind::Arrays;
      frame.args[k].items = items;
      continue;
    }
    if (!slot.keyword_only && position < nargs) where = &stack[position];
    if (!slot.keyword_only) ++position;
    for (Py_ssize_t j = 0; where == nullptr && j < nkw; ++j)
      if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, j), slot.name.c_str()) == 0)
        where = &stack[nargs + j];
    if (where == nullptr) continue;  // Absent
    Arg& arg = frame.args[k];
    if (*where == Py_None) {
      arg.kind = Arg::Kind::None;
      continue;
    }
    switch (slot.kind) {
      case Slot::Kind::Param:
        if (!read_param(where, operands, frame, &arg)) return false;
        if (slot.billed && arg.kind == Arg::Kind::Array) call.note_operand(frame.shapes.back());
        if (slot.billed && arg.kind == Arg::Kind::Ints) {  // a list of ints: the int64 array NumPy makes of it
          auto& dims = frame.ints.emplace_back(1, static_cast<std::int64_t>(arg.ints.size()));
          call.note_operand(frame.shapes.emplace_back(
              OperandShape{1, reinterpret_cast<const npy_intp*>(dims.data()), NPY_INT64, 0, dtype::Weak::None}));
        }
        break;
      case Slot::Kind::IntTable:
        if (!read_int_table(*where, frame, &arg)) return false;
        break;
      case Slot::Kind::Rest:
      case Slot::Kind::RestValues: break;  // read above
      case Slot::Kind::Operand: {
        OperandShape& shape = frame.shapes.emplace_back();
        PyObject* converted = operands.inspect(*where, &shape);
        if (converted == nullptr) return false;
        *where = converted;
        call.note_operand(shape);
        arg = array_arg(shape);
        break;
      }
      case Slot::Kind::Operands: {
        PyObject* seq = *where;
        if (PyArray_Check(seq) || !(PyList_Check(seq) || PyTuple_Check(seq))) {
          PyErr_Format(PyExc_TypeError, "%s: %s must be a list or tuple of arrays", name, slot.name.c_str());
          return false;
        }
        if (!read_operands(where, operands, &call, frame, &arg)) return false;
        break;
      }
    }
  }
  (void)name;
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

// True when slot i of a signature holds a complex array.
bool complex_operand(const Signature& s, std::size_t i) {
  return s.size() > i && s[i].kind == Arg::Kind::Array && PyTypeNum_ISCOMPLEX(s[i].dtype);
}

// True when a histogram's `bins` argument is its edges (a sequence or an array
// of them); a count, an estimator name or nothing makes NumPy compute them.
// Reads types only: no user code runs.
bool edges_given(PyObject* bins) {
  if (bins == nullptr || bins == Py_None || PyUnicode_Check(bins)) return false;
  if (PyArray_Check(bins)) return PyArray_NDIM(reinterpret_cast<PyArrayObject*>(bins)) > 0;
  return PySequence_Check(bins) != 0;
}

}  // namespace

bool einsum_path_from(const char* op, PyObject* optimize, const Profile& profile, OpId id,
                      const einsum::Expression& expr, einsum::Path* path, bool* use_path) {
  *use_path = false;
  if (optimize == nullptr || optimize == Py_False) return true;
  if (PyList_Check(optimize) || PyTuple_Check(optimize)) {
    Py_ssize_t n = PySequence_Size(optimize);
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* step = PySequence_GetItem(optimize, i);
      if (step == nullptr) return false;
      if (PyUnicode_Check(step)) {
        Py_DECREF(step);
        continue;
      }
      PyObject* fast = PySequence_Fast(step, "einsum: each path step must be a tuple of operand positions");
      Py_DECREF(step);
      if (fast == nullptr) return false;
      std::vector<int> positions;
      for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(fast); ++j)
        positions.push_back(static_cast<int>(PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, j))));
      Py_DECREF(fast);
      if (PyErr_Occurred()) return false;
      path->push_back(std::move(positions));
    }
    *use_path = true;
    return true;
  }
  std::string strategy = "greedy";
  if (PyUnicode_Check(optimize)) {
    const char* text = PyUnicode_AsUTF8(optimize);
    if (text == nullptr) return false;  // not encodable (a lone surrogate): UnicodeEncodeError
    strategy = text;
    if (strategy != "greedy" && strategy != "optimal") {
      PyErr_Format(PyExc_ValueError, "%s: optimize must be False, True, 'greedy', 'optimal' or a path, got '%s'",
                   op, strategy.c_str());
      return false;
    }
  } else if (optimize != Py_True) {
    PyErr_Format(PyExc_TypeError, "%s: optimize must be False, True, 'greedy', 'optimal' or a path", op);
    return false;
  }
  *path = einsum::find_path(profile, id, expr, strategy);
  *use_path = true;
  return true;
}

// ("out",): the keyword of a fast reduce called with out=... .
PyObject* out_ellipsis_kwnames() {
  static PyObject* const names = Py_BuildValue("(s)", "out");
  return names;
}

// Whether this NumPy's ufunc.reduce takes out=... (added in NumPy 2.3); asked
// once, of `reduce` (a bound ufunc.reduce), with no exception pending.
bool reduce_returns_arrays(PyObject* reduce) {
  static const bool yes = [reduce] {
    npy_intp one = 1;
    PyObject* zero = PyArray_ZEROS(1, &one, NPY_DOUBLE, 0);
    PyObject* stack[] = {zero, Py_None, Py_Ellipsis};
    PyObject* r = zero ? PyObject_Vectorcall(reduce, stack, 2, out_ellipsis_kwnames()) : nullptr;
    const bool ok = r != nullptr && PyArray_CheckExact(r);
    Py_XDECREF(r);
    Py_XDECREF(zero);
    PyErr_Clear();
    return ok;
  }();
  return yes;
}

extern PyObject* exported_ops;  // array_type.cpp: name -> counted object

PyObject* counted_function_call(CountedFunction* self, PyObject* const* args, Py_ssize_t nargs,
                                PyObject* kwnames) {
  if (self->reading == OperandReading::Where && nargs == 1 && kwnames == nullptr) {
    // where(condition) is NumPy's asarray(condition).nonzero(): the counted
    // nonzero prices and records it (as upstream does), not where's pointwise rule.
    if (PyObject* nonzero = exported_ops ? PyDict_GetItemString(exported_ops, "nonzero") : nullptr)
      return PyObject_Vectorcall(nonzero, args, 1, nullptr);
  }
  const char* name = self->cname;
  Call call(self->op, name);
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  // A counted method's receiver (args[0]) is our own object (e.g. the NumPy Generator).
  const Py_ssize_t first = Py_TYPE(self) == counted_method_type ? 1 : 0;
  const bool foreign = any_foreign(args + first, nargs + nkw - first);
  if (foreign) call.book_time_as_residual();
  if (nargs + nkw > kMaxArgs) {
    PyErr_Format(PyExc_TypeError, "%s(): too many arguments", name);
    return nullptr;
  }
  Operands operands(name);
  if (foreign) operands.copy_lists();
  PyObject* stack[kMaxArgs + 1];
  std::copy(args, args + nargs + nkw, stack);
  const Profile& profile = call.profile();

  // Reads (and converts) operand i: positional i or keyword kw.
  OperandShape shapes[kMaxArgs];
  auto operand = [&](int i, const char* kw, OperandShape* shape) -> bool {
    PyObject** slot = nullptr;
    if (i < nargs) {
      slot = &stack[i];
    } else if (kw != nullptr && kwnames != nullptr) {
      for (Py_ssize_t j = 0; j < nkw; ++j)
        if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, j), kw) == 0) slot = &stack[nargs + j];
    }
    if (slot == nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (pos %d)", name, kw ? kw : "?", i + 1);
      return false;
    }
    PyObject* converted = operands.inspect(*slot, shape);
    if (converted == nullptr) return false;
    *slot = converted;
    call.note_operand(*shape);
    return true;
  };

  // out= must be numeric like every operand: NumPy would otherwise try to
  // cast a numeric result into a str/bytes/object array (and einsum fails
  // with an exception left set). Refused before anything is charged.
  if (nargs > 0 && Py_TYPE(args[0]) != state().array_type && sym::tensor_type != nullptr) [[unlikely]]
    sym::void_written(self->op, args, nargs, self->in_place);  // fill_diagonal(S, ...), S.sort(), shuffle(S), ...
  if (PyObject* out = find_kwarg(kwnames, args, nargs, "out"); out != nullptr && out != Py_None) {
    sym::void_outputs(out);  // a SymmetricTensor written into loses its tag
    const Py_ssize_t n_out = PyTuple_Check(out) ? PyTuple_GET_SIZE(out) : 1;
    for (Py_ssize_t i = 0; i < n_out; ++i) {
      PyObject* o = PyTuple_Check(out) ? PyTuple_GET_ITEM(out, i) : out;
      OperandShape ignored;
      if (PyArray_Check(o) && operands.inspect(o, &ignored) == nullptr) return nullptr;
      if (PyArray_Check(o)) call.note_out_type(PyArray_TYPE(reinterpret_cast<PyArrayObject*>(o)));
    }
  }
  if (profile.dtype_aware()) [[unlikely]] {
    PyObject* dtype = nkw != 0 ? find_kwarg(kwnames, args, nargs, "dtype") : nullptr;
    // A free op's dtype given by position (array(x, np.float32), ones_like(x, float)):
    // the one positional argument that is a dtype or a scalar type.
    if (dtype == nullptr && self->reading == OperandReading::None)
      for (Py_ssize_t i = 1; i < nargs && dtype == nullptr; ++i)
        if (is_dtype_object(args[i])) dtype = args[i];
    call.read_dtype_argument(dtype);
  }
  Flops cost = 0;
  sym::Id sym_out = 0;  // the result's symmetry group (symmetric.hpp)
  std::optional<SignatureFrame> frame;  // only for the Signature reading (its deques allocate)
  bool priced = true;     // false: the formula refused the call (see below)
  std::string refusal;
  PyObject* einsum_optimize = nullptr;  // replaces optimize= when we chose the path
  bool add_optimize = false;             // ... or is added as optimize= (the call gave none)
  try {
    switch (self->reading) {
      case OperandReading::None:
        break;
      case OperandReading::Reduce: {
        if (!operand(0, "a", &shapes[0])) return nullptr;
        Flops numel_out;
        if (!reduced_numel(name, shapes[0], argument(args, nargs, kwnames, 1, "axis"), &numel_out)) return nullptr;
        const OpInfo& info = OpRegistry::instance().info(self->op);
        // A Python int or bool reduces as the integer array NumPy makes of it.
        const dtype::Weak weak = shapes[0].weak;
        const bool integral = dtype::from_type_num(shapes[0].type_num).integral() || weak == dtype::Weak::Int ||
                              weak == dtype::Weak::Bool;
        Flops numel_in = shapes[0].numel();
        if (operands.tagged()) [[unlikely]] {  // a SymmetricTensor: its orbits under symmetry.orbits
          if (!sym::reduction_counts(name, profile, shapes[0], argument(args, nargs, kwnames, 1, "axis"),
                                     find_kwarg(kwnames, args, nargs, "keepdims"), &numel_in, &numel_out, &sym_out))
            return nullptr;
        }
        cost = info.rule == CostRule::Deviation
                   ? cost::deviation(profile, self->op, numel_in, numel_out, integral)
                   : cost::reduction(profile, self->op, numel_in, numel_out, integral);
        break;
      }
      case OperandReading::Pointwise:
      case OperandReading::Clip:
      case OperandReading::Where: {
        static const char* const kNames[][3] = {{"a", "b", nullptr}, {"a", "a_min", "a_max"}, {"condition", "x", "y"}};
        int which = self->reading == OperandReading::Pointwise ? 0 : self->reading == OperandReading::Clip ? 1 : 2;
        int n = self->arity;
        if (self->reading == OperandReading::Where && nargs == 1 && nkw == 0) n = 1;
        cost::Shape spans[3];
        OperandShape used_shapes[3];  // for a SymmetricTensor operand (symmetric.hpp)
        int used = 0;
        for (int i = 0; i < n; ++i) {
          const char* kw = kNames[which][i];
          // NumPy >= 2.1 also takes the bounds as min= / max= (ndarray.clip only those).
          if (self->reading == OperandReading::Clip && i > 0 && i >= nargs && find_kwarg(kwnames, args, nargs, kw) == nullptr)
            kw = i == 1 ? "min" : "max";
          if (i >= nargs && (kw == nullptr || find_kwarg(kwnames, args, nargs, kw) == nullptr)) {
            if (self->reading == OperandReading::Clip && i > 0) continue;  // a bound may be omitted
            if (self->reading == OperandReading::Where) {
              PyErr_Format(PyExc_ValueError, "%s: either both or neither of x and y should be given", name);
              return nullptr;
            }
            if (i > 0) continue;
          }
          if (self->reading == OperandReading::Clip && i > 0 && argument(args, nargs, kwnames, i, kw) == Py_None)
            continue;  // a one-sided clip: None takes no part in the output shape
          if (!operand(i, kw, &shapes[i])) return nullptr;
          used_shapes[used] = shapes[i];
          spans[used++] = shapes[i].span();
        }
        std::vector<cost::Extent> out;
        if (!cost::broadcast_shapes({spans, static_cast<std::size_t>(used)}, &out))
          return raise_value_error(name, "operands could not be broadcast together");
        const int per_element = self->reading == OperandReading::Clip && profile.clip_per_bound ? std::max(used - 1, 1) : 1;
        cost = cost::pointwise(profile, self->op, checked_mul(cost::numel(out), per_element));
        if (operands.tagged() && self->reading != OperandReading::Where) [[unlikely]]
          sym::price_pointwise(profile, self->op, used_shapes, used, per_element, &cost, &sym_out);
        break;
      }
      case OperandReading::Equal:
      case OperandReading::Equiv: {
        // array_equal / array_equiv: one comparison per element of the broadcast
        // pair; NumPy answers False without comparing when the shapes do not
        // match (array_equal) or do not broadcast (array_equiv), which is free.
        if (!operand(0, "a1", &shapes[0]) || !operand(1, "a2", &shapes[1])) return nullptr;
        cost::Shape spans[2] = {shapes[0].span(), shapes[1].span()};
        std::vector<cost::Extent> out;
        const bool same = std::equal(spans[0].begin(), spans[0].end(), spans[1].begin(), spans[1].end());
        if ((self->reading == OperandReading::Equal && !same) || !cost::broadcast_shapes(spans, &out)) {
          cost = profile.equality_bills_mismatched_shapes
                     ? cost::pointwise(profile, self->op, std::max(shapes[0].numel(), shapes[1].numel()))
                     : 0;
        } else {
          cost = cost::pointwise(profile, self->op, cost::numel(out));
        }
        break;
      }
      case OperandReading::Dot:
      case OperandReading::Inner:
      case OperandReading::Outer:
      case OperandReading::Vdot:
      case OperandReading::Tensordot: {
        if (!operand(0, "a", &shapes[0]) || !operand(1, "b", &shapes[1])) return nullptr;
        const OperandShape &a = shapes[0], &b = shapes[1];
        std::vector<int> ax, bx;
        if (self->reading == OperandReading::Tensordot &&
            !tensordot_axes(name, argument(args, nargs, kwnames, 2, "axes"), a, b, &ax, &bx))
          return nullptr;
        using P = cost::Product;
        const P kind = self->reading == OperandReading::Dot     ? P::Dot
                       : self->reading == OperandReading::Inner ? P::Inner
                       : self->reading == OperandReading::Outer ? P::Outer
                       : self->reading == OperandReading::Vdot  ? P::Vdot
                                                                : P::Tensordot;
        Flops contracted;
        bool summed;
        if (!cost::product_contraction(kind, a.span(), b.span(), ax, bx, &contracted, &summed))
          return raise_value_error(name, "shapes are not aligned for this contraction");
        const Flops na = a.numel(), nb = b.numel();
        cost = cost::binary_contraction(profile, self->op, na, nb, contracted, summed);
        if (profile.complex_contractions_exact() && (a.complex() || b.complex()))
          call.bill_complex_exactly(
              cost::binary_contraction(profile, self->op, na, nb, contracted, summed, cost::Arithmetic::Complex));
        if (self->reading != OperandReading::Vdot) {  // a tagged operand, or one array twice (outer(g, g))
          PyObject* given[2] = {argument(args, nargs, kwnames, 0, "a"), argument(args, nargs, kwnames, 1, "b")};
          if (sym::contraction_needs(profile, given, 2, operands.tagged())) [[unlikely]]
            sym::price_product(profile, self->op, "dio t"[static_cast<int>(kind)], given, shapes, ax, bx, &cost,
                               &sym_out);
        }
        break;
      }
      case OperandReading::Einsum: {
        if (nargs < 1 || !PyUnicode_Check(args[0])) {
          PyErr_Format(PyExc_TypeError, "%s: pass the subscripts string first, e.g. einsum('ij,jk->ik', a, b)",
                       name);
          return nullptr;
        }
        cost::Shape operand_shapes[kMaxArgs];
        for (Py_ssize_t i = 1; i < nargs; ++i) {
          if (!operand(static_cast<int>(i), nullptr, &shapes[i])) return nullptr;
          operand_shapes[i - 1] = shapes[i].span();
        }
        const char* subscripts = PyUnicode_AsUTF8(args[0]);
        if (subscripts == nullptr) return nullptr;  // not encodable (a lone surrogate): UnicodeEncodeError
        einsum::Expression expr;
        try {
          expr = einsum::parse(subscripts, {operand_shapes, static_cast<std::size_t>(nargs - 1)});
        } catch (const std::invalid_argument& e) {
          return raise_value_error(name, e.what());
        }
        einsum::Path path;
        bool use_path = false;
        PyObject* optimize = find_kwarg(kwnames, args, nargs, "optimize");
        if (!einsum_path_from(name, optimize, profile, self->op, expr, &path, &use_path)) return nullptr;
        try {
          if (!use_path) path = einsum::unoptimized_pricing_path(profile, self->op, expr);
          cost = einsum::path_cost(profile, self->op, expr, path);
          if (sym::contraction_needs(profile, args + 1, static_cast<int>(nargs - 1), operands.tagged())) [[unlikely]]
            sym::price_einsum(profile, self->op, expr, path, args + 1, shapes + 1, static_cast<int>(nargs - 1), &cost,
                              &sym_out);
          if (profile.complex_contractions_exact() &&
              std::any_of(shapes + 1, shapes + nargs, [](const OperandShape& s) { return s.complex(); }))
            call.bill_complex_exactly(einsum::path_cost(profile, self->op, expr, path, nullptr, cost::Arithmetic::Complex));
          PyObject* out = find_kwarg(kwnames, args, nargs, "out");
          if (out != nullptr && PyArray_Check(out))
            cost = checked_add(cost, einsum::out_copy_cost(profile, PyArray_SIZE(reinterpret_cast<PyArrayObject*>(out))));
        } catch (const std::invalid_argument& e) {
          return raise_value_error(name, e.what());
        }
        // NumPy runs the contraction along the path the core priced (its
        // pairwise steps through matmul/BLAS where they apply), so that the
        // work done is the work billed: a searched path replaces optimize=,
        // and so does the path a profile prices a call without one by
        // (einsum.path_summed; optimize= is then False or absent, NumPy's
        // default, and is set). An empty path is the one step NumPy's own
        // loop runs (optimize=False under the primer): NumPy is left alone.
        // An explicit list is NumPy's own path already.
        if ((use_path && optimize != nullptr && !PyList_Check(optimize)) || (!use_path && !path.empty())) {
          einsum_optimize = path_to_list(path);
          if (einsum_optimize == nullptr) return nullptr;
          add_optimize = optimize == nullptr;
        }
        break;
      }
      case OperandReading::Sort:
      case OperandReading::Partition: {
        if (!operand(0, "a", &shapes[0])) return nullptr;
        const bool sort = self->reading == OperandReading::Sort;
        // sort(a, axis=-1) / partition(a, kth, axis=-1): the slice runs along the axis.
        PyObject* axis = argument(args, nargs, kwnames, sort ? 1 : 2, "axis");
        Flops n = shapes[0].numel(), len;
        if (axis == Py_None) {
          len = n;
        } else if (shapes[0].ndim == 0) {
          len = 1;
        } else {
          int ax;
          if (!read_axis(name, shapes[0].ndim, axis, -1, &ax)) return nullptr;
          len = shapes[0].dims[ax];
        }
        const Flops slices = len == 0 ? 0 : n / len;
        if (sort) {
          cost = cost::sort(profile, self->op, len, slices);
          break;
        }
        PyObject* kth = argument(args, nargs, kwnames, 1, "kth");
        if (kth == nullptr) {
          PyErr_Format(PyExc_TypeError, "%s() missing required argument 'kth' (pos 2)", name);
          return nullptr;
        }
        Flops n_kth = 1;  // an int, or a sequence / array of ints
        if (PyArray_Check(kth)) {
          n_kth = PyArray_SIZE(reinterpret_cast<PyArrayObject*>(kth));
        } else if (PySequence_Check(kth)) {
          Py_ssize_t k = PySequence_Size(kth);
          if (k < 0) return nullptr;
          n_kth = k;
        }
        cost = cost::partition(profile, self->op, len, slices, n_kth);
        break;
      }
      case OperandReading::Trace: {
        // trace(a, offset=0, axis1=0, axis2=1): sums the (offset) diagonal of each
        // 2-D slice; a reduction over the diagonal's elements.
        if (!operand(0, "a", &shapes[0])) return nullptr;
        const OperandShape& a = shapes[0];
        PyObject* offset_arg = argument(args, nargs, kwnames, 1, "offset");
        const long offset = offset_arg ? PyLong_AsLong(offset_arg) : 0;
        if (offset == -1 && PyErr_Occurred()) return nullptr;
        if (a.ndim < 2) return raise_value_error(name, "the array must have at least two dimensions");
        int ax1, ax2;
        if (!read_axis(name, a.ndim, argument(args, nargs, kwnames, 2, "axis1"), 0, &ax1) ||
            !read_axis(name, a.ndim, argument(args, nargs, kwnames, 3, "axis2"), 1, &ax2))
          return nullptr;
        if (ax1 == ax2) return raise_value_error(name, "axis1 and axis2 must be two different axes of the array");
        Flops elements, batch;
        cost::trace_elements(a.span(), ax1, ax2, offset, &elements, &batch);
        cost = cost::reduction(profile, self->op, elements, batch);
        break;
      }
      case OperandReading::Signature: {
        const OpInfo& info = OpRegistry::instance().info(self->op);
        if (!read_signature(name, info, stack, nargs, kwnames, operands, call, frame.emplace())) return nullptr;
        try {
          const Signature signature(frame->args);
          if (info.dims != nullptr) {  // a matmul-like contraction: the engine prices it, as the ufunc
            const cost::GufuncDims d = info.dims(signature);
            cost = cost::matmul(profile, self->op, d.batch, d.m, d.k, d.n);
            if (profile.complex_contractions_exact() && (complex_operand(signature, 0) || complex_operand(signature, 1)))
              call.bill_complex_exactly(cost::matmul(profile, self->op, d.batch, d.m, d.k, d.n, cost::Arithmetic::Complex));
          } else {
            cost = cost::formula_call(profile, self->op, profile.formula(self->op, info.formula)(signature));
          }
        } catch (const SignatureError& e) {
          priced = false;
          refusal = e.what();
        }
        break;
      }
      case OperandReading::Search: {
        // searchsorted(a, v): one binary search in the n values of a per value of v.
        if (!operand(0, "a", &shapes[0]) || !operand(1, "v", &shapes[1])) return nullptr;
        cost = cost::search(profile, self->op, shapes[1].numel(), shapes[0].numel());
        break;
      }
    }
  } catch (const CostOverflowError&) {
    raise_cost_overflow(name);
    return nullptr;
  }
  struct Holder {
    PyObject* o;
    ~Holder() { Py_XDECREF(o); }
  } hold_optimize{einsum_optimize};
  if (einsum_optimize != nullptr) {
    for (Py_ssize_t j = 0; j < nkw; ++j)
      if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, j), "optimize") == 0)
        stack[nargs + j] = einsum_optimize;
  }
  for (Py_ssize_t i = 0; i < nargs + nkw; ++i)
    if ((stack[i] = operands.plain(stack[i])) == nullptr) return nullptr;

  // Bare sum/prod/max/min(a[, axis]) go straight to ufunc.reduce: the same
  // NumPy call np.sum makes, without its Python-level wrapper. With out=...
  // (NumPy >= 2.3) a whole reduction comes back as a 0-d array, which we
  // adopt, instead of a NumPy scalar that we would turn back into one.
  PyObject* target = self->impl;
  PyObject* reduce_stack[3];
  PyObject* const* call_args = stack;
  Py_ssize_t call_nargs = nargs;
  PyObject* call_kwnames = kwnames;
  if (self->fast_reduce != nullptr && nkw == 0 && nargs <= 2 && PyArray_CheckExact(stack[0])) {
    reduce_stack[0] = stack[0];
    reduce_stack[1] = nargs == 2 ? stack[1] : Py_None;
    reduce_stack[2] = Py_Ellipsis;
    call_args = reduce_stack;
    call_nargs = 2;
    target = self->fast_reduce;
    if (reduce_returns_arrays(target)) call_kwnames = out_ellipsis_kwnames();
  }
  PyObject* kwnames_with_optimize = nullptr;  // kwnames + ("optimize",) for an added path
  if (add_optimize) {
    static PyObject* const kOptimize = PyUnicode_InternFromString("optimize");
    kwnames_with_optimize = PyTuple_New(nkw + 1);
    if (kwnames_with_optimize == nullptr) return nullptr;
    for (Py_ssize_t j = 0; j < nkw; ++j) {
      PyObject* kw = PyTuple_GET_ITEM(kwnames, j);
      Py_INCREF(kw);
      PyTuple_SET_ITEM(kwnames_with_optimize, j, kw);
    }
    Py_INCREF(kOptimize);
    PyTuple_SET_ITEM(kwnames_with_optimize, nkw, kOptimize);
    stack[nargs + nkw] = einsum_optimize;  // room: nargs + nkw <= kMaxArgs (checked above)
    call_kwnames = kwnames_with_optimize;
  }
  Holder hold_kwnames{kwnames_with_optimize};
  if (!operands.shapes_unchanged()) return operands.raise_shape_changed();
  if (operands.refuses_object_arithmetic(args, nargs)) return nullptr;  // positional operands (not out=)
  if (!priced && pricing_now() != nullptr) return raise_value_error(name, refusal);  // NumPy never runs
  if (!priced) {
    // The formula found no price for this call: NumPy gives its own refusal
    // (its exception type, nothing charged); if NumPy would run it, the
    // result is dropped and the call refused, so that no work is free.
    PyObject* r = PyObject_Vectorcall(target, call_args, call_nargs, call_kwnames);
    if (r == nullptr) return nullptr;
    Py_DECREF(r);
    return raise_value_error(name, refusal);
  }
  // An op the profile meters by what it writes (writes.<op>: a free op's
  // result, compress's elements kept, the edges a histogram computes but not
  // those it was given) is billed for it once NumPy has run
  // (Call::charge_writes); a price query cannot know it.
  const Profile::WriteRule& write_rule = call.profile().write_rule(self->op);
  const bool histogram = write_rule.counted == Profile::Written::Edges;
  PyObject* bins = histogram ? argument(args, nargs, kwnames, 1, "bins") : nullptr;
  const bool density = histogram && write_rule.density && argument(args, nargs, kwnames, 3, "density") == Py_True;
  const bool bills_writes = write_rule.factor > 0 && (!histogram || !edges_given(bins) || density);
  if (histogram && bills_writes) {
    if (bins != nullptr && PyUnicode_Check(bins)) call.note_estimator_bins();
    if (edges_given(bins)) call.note_edges_given();
    if (density) {
      PyObject* weights = argument(args, nargs, kwnames, 4, "weights");
      call.note_density(weights != nullptr && PyArray_Check(weights) ? PyArray_TYPE(reinterpret_cast<PyArrayObject*>(weights))
                                                                     : NPY_INT64);
    }
  }
  if (nkw != 0 && call.complex_operand() && !call.profile().dtype_aware()) [[unlikely]]
    call.read_dtype_argument(find_kwarg(kwnames, args, nargs, "dtype"));  // primer: sum(z, dtype=float)
  if (bills_writes && pricing_now() != nullptr) [[unlikely]]
    return raise_value_error(name, "under cost model '" + call.profile().name +
                                       "' it is billed by the elements it writes, known once it has run; "
                                       "run it inside a BudgetContext to see its charge");
  if (!call.admit(cost)) return nullptr;
  call.backend_begin();
  PyObject* result = PyObject_Vectorcall(target, call_args, call_nargs, call_kwnames);
  call.backend_end(result != nullptr);
  if (result != nullptr && !operands.shapes_unchanged()) {  // reshaped while NumPy ran: charged, result dropped
    Py_DECREF(result);
    result = operands.raise_shape_changed();
  }
  if (bills_writes && result != nullptr) [[unlikely]]
    result = call.charge_writes(result, call_nargs > 0 ? call_args[0] : nullptr, call_nargs > 1 ? call_args[1] : nullptr);
  operands.restore();
  PyObject* wrapped = wrap_result(operands.unview(result));
  if (sym_out == 0 && operands.tagged() && self->reading == OperandReading::Signature) [[unlikely]]
    sym_out = sym::formula_result_group(call.profile(), self->op, args, nargs);  // inv(S), as upstream
  if (sym_out != 0) [[unlikely]]
    wrapped = sym::tag_result(wrapped, sym_out);
  else if (call.profile().symmetry_creation || (nargs > 0 && sym::is_tensor(args[0]))) [[unlikely]]
    wrapped = sym::after_free_op(call.profile(), self->op, wrapped, args, nargs, kwnames);  // eye(n), transpose(S)
  wrapped = call.finish(wrapped);
  if (operands.tagged() && sym_out == 0 && self->reading == OperandReading::Reduce) [[unlikely]]
    return sym::warn_lost(wrapped, shapes, 1, name, true);
  return wrapped;
}

namespace {

PyObject* function_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  if (reinterpret_cast<CountedFunction*>(self)->in_place && state().immutable) [[unlikely]] {
    const char* name = reinterpret_cast<CountedFunction*>(self)->cname;
    const std::string what = std::string("in-place ") + name;
    const std::string instead = std::string("use flopscope.numpy.") + name + "(a, ...) for a new array";
    return raise_immutable(PyExc_ValueError, what.c_str(), instead.c_str());
  }
  return counted_function_call(reinterpret_cast<CountedFunction*>(self), args, PyVectorcall_NARGS(nargsf),
                               kwnames);
}

void function_dealloc(PyObject* self) {
  auto* f = reinterpret_cast<CountedFunction*>(self);
  PyTypeObject* tp = Py_TYPE(self);
  Py_XDECREF(f->impl);
  Py_XDECREF(f->fast_reduce);
  Py_XDECREF(f->name);
  tp->tp_free(self);
  Py_DECREF(tp);
}

PyObject* function_repr(PyObject* self) {
  return PyUnicode_FromFormat("<flopscope counted function '%U'>", reinterpret_cast<CountedFunction*>(self)->name);
}

PyObject* function_getattro(PyObject* self, PyObject* name) {
  PyObject* r = PyObject_GenericGetAttr(self, name);
  if (r != nullptr || !PyErr_ExceptionMatches(PyExc_AttributeError)) return r;
  PyErr_Clear();
  auto* f = reinterpret_cast<CountedFunction*>(self);
  if (PyUnicode_CompareWithASCIIString(name, "__name__") == 0) {
    Py_INCREF(f->name);
    return f->name;
  }
  if (PyUnicode_CompareWithASCIIString(name, "__doc__") == 0) return PyObject_GetAttr(f->impl, name);
  PyErr_Format(PyExc_AttributeError, "flopscope counted function '%U' has no attribute '%U'", f->name, name);
  return nullptr;
}

PyObject* function_get(PyObject* self, PyObject* obj, PyObject*) {
  // Not a method descriptor: stored on a class it stays a plain function.
  (void)obj;
  Py_INCREF(self);
  return self;
}

PyMemberDef function_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(CountedFunction, vectorcall), READONLY, nullptr},
    {"numpy_function", T_OBJECT, offsetof(CountedFunction, impl), READONLY, "The wrapped numpy function."},
    {nullptr, 0, 0, 0, nullptr},
};

// Counted methods: called as instance.method(...), they run NumPy's method on
// the instance's `_numpy` attribute instead of on the instance itself.
PyObject* method_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  auto* f = reinterpret_cast<CountedFunction*>(self);
  if (nargs < 1 || nargs + nkw > kMaxArgs) {
    PyErr_Format(PyExc_TypeError, "%s: call it as a method of its object, with at most %d arguments", f->cname,
                 kMaxArgs - 1);
    return nullptr;
  }
  static PyObject* const kReceiver = PyUnicode_InternFromString("_numpy");
  PyObject* receiver = PyObject_GetAttr(args[0], kReceiver);
  if (receiver == nullptr) return nullptr;
  PyObject* stack[kMaxArgs];
  stack[0] = receiver;
  std::copy(args + 1, args + nargs + nkw, stack + 1);
  PyObject* result = counted_function_call(f, stack, nargs, kwnames);
  Py_DECREF(receiver);
  return result;
}

// Bound like a function defined in the class; Py_TPFLAGS_METHOD_DESCRIPTOR
// lets CPython call it with the instance first, without a bound-method object.
PyObject* method_get(PyObject* self, PyObject* obj, PyObject*) {
  if (obj == nullptr || obj == Py_None) {
    Py_INCREF(self);
    return self;
  }
  return PyMethod_New(self, obj);
}

// The function and method types share everything but how they bind on a class.
PyTypeObject* make_type(const char* name, descrgetfunc get, unsigned long extra_flags, const char* doc) {
  PyType_Slot slots[] = {
      {Py_tp_dealloc, reinterpret_cast<void*>(function_dealloc)},
      {Py_tp_repr, reinterpret_cast<void*>(function_repr)},
      {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
      {Py_tp_getattro, reinterpret_cast<void*>(function_getattro)},
      {Py_tp_descr_get, reinterpret_cast<void*>(get)},
      {Py_tp_members, function_members},
      {Py_tp_doc, const_cast<char*>(doc)},
      {0, nullptr},
  };
  PyType_Spec spec = {name, sizeof(CountedFunction), 0,
                      static_cast<unsigned>(Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | extra_flags), slots};
  return reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&spec));  // copies what it needs from spec
}

}  // namespace

bool init_counted_function_type(PyObject* module) {
  counted_function_type = make_type("flopscope._core.function", function_get, 0,
                                    "A NumPy function whose calls are FLOP-counted by flopscope.");
  if (counted_function_type == nullptr) return false;
  Py_INCREF(counted_function_type);
  if (PyModule_AddObject(module, "function", reinterpret_cast<PyObject*>(counted_function_type)) != 0) return false;
  counted_method_type = make_type("flopscope._core.method", method_get, Py_TPFLAGS_METHOD_DESCRIPTOR,
                                  "A NumPy method whose calls are metered by flopscope.");
  if (counted_method_type == nullptr) return false;
  Py_INCREF(counted_method_type);
  if (PyModule_AddObject(module, "method", reinterpret_cast<PyObject*>(counted_method_type)) != 0) return false;
  array_method_type = make_type("flopscope._core.array_method", method_get, Py_TPFLAGS_METHOD_DESCRIPTOR,
                                "A counted method of flopscope arrays (x.sum(), x.sort(), ...).");
  if (array_method_type == nullptr) return false;
  Py_INCREF(array_method_type);
  return PyModule_AddObject(module, "array_method", reinterpret_cast<PyObject*>(array_method_type)) == 0;
}

PyObject* make_counted_function(const char* name, PyObject* impl, PyObject* numpy_module, Binding binding) {
  OpId op = OpRegistry::instance().find(name);
  if (op < 0) {
    PyErr_Format(PyExc_KeyError, "%s is not in the op table", name);
    return nullptr;
  }
  const OpInfo& info = OpRegistry::instance().info(op);
  if (info.rule != CostRule::Free && info.reading == OperandReading::None) {
    PyErr_Format(PyExc_RuntimeError, "flopscope: %s has cost rule %s but no operand reading", name,
                 std::string(cost_rule_name(info.rule)).c_str());
    return nullptr;
  }
  Py_INCREF(impl);
  PyTypeObject* type = binding == Binding::Function         ? counted_function_type
                       : binding == Binding::ReceiverMethod ? counted_method_type
                                                            : array_method_type;
  auto* f = PyObject_New(CountedFunction, type);
  if (f == nullptr) {
    Py_DECREF(impl);
    return nullptr;
  }
  f->vectorcall = binding == Binding::ReceiverMethod ? method_vectorcall : function_vectorcall;
  f->impl = impl;
  f->fast_reduce = nullptr;
  f->name = PyUnicode_FromString(name);
  f->cname = PyUnicode_AsUTF8(f->name);
  f->op = op;
  f->reading = info.reading;
  f->arity = info.arity;
  f->in_place = binding == Binding::ArrayMethod && (info.name == "sort" || info.name == "partition");
  if (info.reduce_ufunc != nullptr) {
    PyObject* ufunc = PyObject_GetAttrString(numpy_module, info.reduce_ufunc);
    if (ufunc) {
      f->fast_reduce = PyObject_GetAttrString(ufunc, "reduce");
      Py_DECREF(ufunc);
    }
    if (f->fast_reduce == nullptr) {
      Py_DECREF(f);
      return nullptr;
    }
  }
  return reinterpret_cast<PyObject*>(f);
}

}  // namespace flopscope::py
