#include "counted_ufunc.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "call.hpp"
#include "symmetric.hpp"

namespace flopscope::py {

PyTypeObject* counted_ufunc_type = nullptr;

namespace {

constexpr int kMaxArgs = 16;

cost::CoreLayout layout_of(const CountedUfunc* self) {
  switch (self->core) {
    case UfuncCore::Vecdot: return cost::CoreLayout::Vecdot;
    case UfuncCore::Matvec: return cost::CoreLayout::Matvec;
    case UfuncCore::Vecmat: return cost::CoreLayout::Vecmat;
    default: return cost::CoreLayout::Matmul;
  }
}

// Prices a contraction gufunc from its operand shapes (the core's gufunc_dims).
// `call`: where an exact complex count goes (Profile::complex_contractions_exact).
bool price_contraction(const CountedUfunc* self, const Profile& profile, const OperandShape& a,
                       const OperandShape& b, Flops* cost, Call* call) {
  cost::GufuncDims d;
  if (!cost::gufunc_dims(layout_of(self), a.span(), b.span(), &d)) return false;
  *cost = cost::matmul(profile, self->op, d.batch, d.m, d.k, d.n);
  if (call != nullptr && profile.complex_contractions_exact() && (a.complex() || b.complex()))
    call->bill_complex_exactly(cost::matmul(profile, self->op, d.batch, d.m, d.k, d.n, cost::Arithmetic::Complex));
  return true;
}

int core_dims(const CountedUfunc* self, int i, const OperandShape& s) {
  return cost::core_dims(layout_of(self), i, s.ndim);
}

// Reads one entry of axes= (an int, or a tuple of ints) into `out`.
bool read_axes_entry(PyObject* entry, std::vector<int>* out) {
  out->clear();
  if (PyLong_Check(entry)) {
    out->push_back(static_cast<int>(PyLong_AsLong(entry)));
    return !PyErr_Occurred();
  }
  if (!PyTuple_Check(entry) && !PyList_Check(entry)) return false;
  PyObject* fast = PySequence_Fast(entry, "");
  if (fast == nullptr) return false;
  for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(fast); ++j) {
    PyObject* v = PySequence_Fast_GET_ITEM(fast, j);
    if (!PyLong_Check(v)) {
      Py_DECREF(fast);
      return false;
    }
    out->push_back(static_cast<int>(PyLong_AsLong(v)));
  }
  Py_DECREF(fast);
  return !PyErr_Occurred();
}

// The axes= / axis= argument of a contraction gufunc: the two inputs' shapes
// with their core axes moved last (stored in `moved`), so that they price like
// the default layout. False (exception set) for a malformed argument.
bool apply_core_axes(const CountedUfunc* self, PyObject* axes, PyObject* axis, OperandShape* shapes,
                     std::vector<cost::Extent> moved[2]) {
  std::vector<int> entry;
  for (int i = 0; i < 2; ++i) {
    const int n_core = core_dims(self, i, shapes[i]);
    if (axes != nullptr) {
      PyObject* item = PySequence_Check(axes) ? PySequence_GetItem(axes, i) : nullptr;
      const bool ok = item != nullptr && read_axes_entry(item, &entry);
      Py_XDECREF(item);
      if (!ok) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: axes= must be a list of one tuple of core axes per operand", self->cname);
        return false;
      }
    } else {
      entry.assign(1, static_cast<int>(PyLong_AsLong(axis)));
      if (PyErr_Occurred()) return false;
    }
    if (static_cast<int>(entry.size()) != n_core ||
        !cost::move_axes_last(shapes[i].span(), entry, &moved[i])) {
      PyErr_Format(PyExc_ValueError, "%s: axes= does not name %d distinct core axes of operand %d", self->cname,
                   n_core, i);
      return false;
    }
    shapes[i].dims = reinterpret_cast<const npy_intp*>(moved[i].data());
  }
  return true;
}

PyObject* shape_error(const CountedUfunc* self, const char* what) {
  PyErr_Format(PyExc_ValueError, "%s: %s", self->cname, what);
  return nullptr;
}

}  // namespace

namespace {
// NumPy's call for a counted ufunc: its own inner loop for a plain call, or
// one whose only extra is an out array (by keyword, as the in-place operators
// pass it, or positional), and for a plain matmul; else the ufunc itself.
// np.maximum / np.minimum warn about a positional out (DeprecationWarning
// since NumPy 2.x): those take the full call, which warns.
PyObject* run_numpy(CountedUfunc* self, PyObject** stack, Py_ssize_t nargs, PyObject* kwnames) {
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  PyObject* result = nullptr;
  if (self->numpy_own && self->nout == 1 && self->core == UfuncCore::Elementwise) {
    PyObject* out = nullptr;
    bool plain_call = nkw == 0 && (nargs == self->nin || (nargs == self->nin + 1 && !self->positional_out_warns));
    if (plain_call && nargs == self->nin + 1) out = stack[self->nin];
    if (nkw == 1 && nargs == self->nin && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "out") == 0) {
      out = stack[nargs];
      if (PyTuple_Check(out)) out = PyTuple_GET_SIZE(out) == 1 ? PyTuple_GET_ITEM(out, 0) : nullptr;
      plain_call = out != nullptr;
    }
    if (out == Py_None) out = nullptr;
    if (plain_call) result = call_direct_loop(&self->direct, self->ufunc, stack, self->nin, out);
  } else if (self->numpy_own && self->core == UfuncCore::Matmul && nargs == 2 && nkw == 0) {
    result = call_direct_matmul(&self->direct, self->ufunc, stack[0], stack[1]);
  }
  if (result == nullptr) result = PyObject_Vectorcall(self->ufunc, stack, nargs, kwnames);
  return result;
}

}  // namespace

PyObject* counted_ufunc_call(CountedUfunc* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Call call(self->op, self->cname);
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  const bool foreign = any_foreign(args, nargs + nkw);
  if (foreign) call.book_time_as_residual();
  if (nargs < self->nin) {
    PyErr_Format(PyExc_TypeError, "%s() takes %d input arguments, got %zd", self->cname, self->nin, nargs);
    return nullptr;
  }
  if (nargs + nkw > kMaxArgs) {
    PyErr_Format(PyExc_TypeError, "%s(): too many arguments", self->cname);
    return nullptr;
  }
  Operands operands(self->cname);
  PyObject* stack[kMaxArgs];
  OperandShape shapes[kMaxArgs];
  int nshapes = 0;
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    PyObject* a = args[i];
    if (i >= self->nin && a == Py_None) {  // a positional out=None
      stack[i] = a;
      continue;
    }
    if (i >= self->nin) [[unlikely]]
      sym::void_outputs(a);  // a positional out= SymmetricTensor is written into
    a = operands.inspect(a, &shapes[nshapes++]);
    if (a == nullptr || (stack[i] = operands.plain(a)) == nullptr) return nullptr;
  }
  for (Py_ssize_t j = 0; j < nkw; ++j) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, j);
    PyObject* value = args[nargs + j];
    bool is_out = PyUnicode_CompareWithASCIIString(key, "out") == 0;
    bool is_where = !is_out && PyUnicode_CompareWithASCIIString(key, "where") == 0;
    if (is_out) sym::void_outputs(value);  // a SymmetricTensor written into loses its tag
    if ((is_out || is_where) && value != Py_None && value != Py_Ellipsis && self->core == UfuncCore::Elementwise) {
      // out= and where= take part in broadcasting, so in the output size.
      if (is_out && PyTuple_Check(value) && PyTuple_GET_SIZE(value) != self->nout) {
        PyErr_Format(PyExc_ValueError, "%s: the 'out' tuple must have exactly one entry per ufunc output (%d), got %zd",
                     self->cname, self->nout, PyTuple_GET_SIZE(value));
        return nullptr;
      }
      const Py_ssize_t n_items = PyTuple_Check(value) ? PyTuple_GET_SIZE(value) : 1;
      if (nshapes + n_items > kMaxArgs) {
        PyErr_Format(PyExc_TypeError, "%s(): too many operands", self->cname);
        return nullptr;
      }
      if (PyTuple_Check(value)) {
        for (Py_ssize_t t = 0; t < n_items; ++t) {
          PyObject* item = PyTuple_GET_ITEM(value, t);
          if (item != Py_None && operands.inspect(item, &shapes[nshapes++]) == nullptr) return nullptr;
        }
      } else if (operands.inspect(value, &shapes[nshapes++]) == nullptr) {
        return nullptr;
      }
    }
    if ((stack[nargs + j] = operands.plain(value)) == nullptr) return nullptr;
  }
  Flops cost;
  sym::Id sym_out = 0;  // the result's symmetry group (symmetric.hpp)
  std::vector<cost::Extent> moved[2];  // operand shapes with axes= applied (outlive the pricing)
  try {
    if (self->core != UfuncCore::Elementwise) {
      PyObject* axes = find_kwarg(kwnames, args, nargs, "axes");
      PyObject* axis = find_kwarg(kwnames, args, nargs, "axis");
      if (axes == Py_None) axes = nullptr;
      if (axis == Py_None) axis = nullptr;
      if ((axes != nullptr || axis != nullptr) && nshapes >= 2 &&
          !apply_core_axes(self, axes, axis, shapes, moved))
        return nullptr;
      if (!price_contraction(self, call.profile(), shapes[0], shapes[1], &cost, &call))
        return shape_error(self, "operand shapes do not match for this contraction");
      if (self->core == UfuncCore::Matmul && axes == nullptr && axis == nullptr && nshapes == 2 &&
          sym::contraction_needs(call.profile(), args, 2, operands.tagged())) [[unlikely]]
        sym::price_product(call.profile(), self->op, 'm', args, shapes, {}, {}, &cost, &sym_out);
    } else {
      Flops numel_out;
      auto same_shape = [&](const OperandShape& o) {
        return o.ndim == shapes[0].ndim && std::equal(o.dims, o.dims + o.ndim, shapes[0].dims);
      };
      if (std::all_of(shapes + 1, shapes + nshapes, same_shape)) {
        numel_out = shapes[0].numel();  // the common case: equal shapes (out= included)
      } else {
        cost::Shape spans[kMaxArgs];
        for (int i = 0; i < nshapes; ++i) spans[i] = shapes[i].span();
        std::vector<cost::Extent> out;
        if (!cost::broadcast_shapes({spans, static_cast<std::size_t>(nshapes)}, &out))
          return shape_error(self, "operands could not be broadcast together");
        numel_out = cost::numel(out);
      }
      cost = cost::pointwise(call.profile(), self->op, numel_out, self->nout);
      if (operands.tagged() && nshapes == self->nin) [[unlikely]]  // no out= / where=
        sym::price_pointwise(call.profile(), self->op, shapes, nshapes, self->nout, &cost, &sym_out);
    }
  } catch (const CostOverflowError&) {
    raise_cost_overflow(self->cname);
    return nullptr;
  }
  // The inputs, and out= buffers (and a where= mask, bool: it never raises the type).
  for (int i = 0; i < nshapes; ++i) call.note_operand(shapes[i]);
  call.note_inputs(self->nin);
  if (nkw != 0 && call.reads_dtype_argument(call.profile())) [[unlikely]]
    call.read_dtype_argument(find_kwarg(kwnames, args, nargs, "dtype"));
  if (!operands.shapes_unchanged()) return operands.raise_shape_changed();
  if (operands.refuses_object_arithmetic(args, nargs)) return nullptr;  // positional operands (not out=)
  PyObject* result = call.run(cost, operands, [&] { return run_numpy(self, stack, nargs, kwnames); }, nullptr,
                              [&](PyObject* wrapped) {
                                return wrapped != nullptr && sym_out != 0 ? sym::tag_result(wrapped, sym_out) : wrapped;
                              });
  if (operands.tagged() && sym_out == 0 && nshapes == self->nin && self->core == UfuncCore::Elementwise) [[unlikely]]
    return sym::warn_lost(result, shapes, nshapes, self->cname, false);
  return result;
}

int find_ufunc_method(const char* name) {
  for (int i = 0; i < kUfuncMethods; ++i)
    if (std::strcmp(name, flopscope::ufunc_methods()[static_cast<std::size_t>(i)].name) == 0) return i;
  return -1;
}

PyObject* counted_ufunc_method(CountedUfunc* self, UfuncMethod method, PyObject* const* args,
                               Py_ssize_t nargs, PyObject* kwnames) {
  const int m = static_cast<int>(method);
  const OpId op = self->method_op[m];
  const char* name = OpRegistry::instance().info(op).name.c_str();  // e.g. "add.reduce"
  if (self->method_bound[m] == nullptr) {
    PyErr_Format(PyExc_TypeError, "%s: numpy's ufunc has no method %s", name,
                 flopscope::ufunc_methods()[static_cast<std::size_t>(m)].name);
    return nullptr;
  }
  Call call(op, name);
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  const bool foreign = any_foreign(args, nargs + nkw);
  if (foreign) call.book_time_as_residual();
  const int operands_needed = method == UfuncMethod::Outer || method == UfuncMethod::At ? 2 : 1;
  if (nargs < operands_needed || nargs + nkw > kMaxArgs) {
    PyErr_Format(PyExc_TypeError, "%s() got the wrong number of arguments", name);
    return nullptr;
  }
  if (method == UfuncMethod::At) sym::void_outputs(args[0]);  // ufunc.at(S, ...) writes into S
  if (nkw != 0) sym::void_outputs(find_kwarg(kwnames, args, nargs, "out"));  // reduce(..., out=S)
  Operands operands(name);
  if (foreign) operands.copy_lists();
  PyObject* stack[kMaxArgs];
  OperandShape shapes[2];
  for (Py_ssize_t i = 0; i < nargs + nkw; ++i) {
    PyObject* a = args[i];
    // The array operands: the first (and for outer the second) positional argument.
    if (i == 0 || (i == 1 && method == UfuncMethod::Outer)) {
      a = operands.inspect(a, &shapes[i]);
      if (a == nullptr) return nullptr;
    }
    if ((stack[i] = operands.plain(a)) == nullptr) return nullptr;
  }
  Flops cost;
  sym::Id sym_out = 0;  // the result's symmetry group (symmetric.hpp)
  try {
    const Profile& profile = call.profile();
    if (method == UfuncMethod::Outer) {
      cost = cost::pointwise(profile, op, checked_mul(shapes[0].numel(), shapes[1].numel()), self->nout);
    } else if (method == UfuncMethod::At) {
      // One application per element a[indices] selects (repeats included).
      PyObject* selected = PyObject_GetItem(stack[0], stack[1]);
      if (selected == nullptr) return nullptr;
      Flops updates = PyArray_Check(selected) ? PyArray_SIZE(reinterpret_cast<PyArrayObject*>(selected)) : 1;
      Py_DECREF(selected);
      cost = cost::pointwise(profile, op, updates, 1);
    } else {
      // The output size matters to profiles that bill input minus output.
      const Flops numel_in = shapes[0].numel();
      Flops numel_out = numel_in;  // accumulate keeps the shape
      if (method == UfuncMethod::Reduce) {
        PyObject* axis = argument(args, nargs, kwnames, 1, "axis");
        static PyObject* const kDefaultAxis = PyLong_FromLong(0);  // ufunc.reduce reduces axis 0 by default
        if (!reduced_numel(name, shapes[0], axis ? axis : kDefaultAxis, &numel_out)) return nullptr;
      } else if (method == UfuncMethod::Reduceat) {
        // One output slice per index along the axis (default 0).
        int axis;
        if (!read_axis(name, shapes[0].ndim, argument(args, nargs, kwnames, 2, "axis"), 0, &axis)) return nullptr;
        PyObject* indices = argument(args, nargs, kwnames, 1, "indices");
        if (indices == nullptr) {
          PyErr_Format(PyExc_TypeError, "%s() needs the indices argument", name);
          return nullptr;
        }
        // Read once, as intp, and hand NumPy exactly the indices we priced.
        if (!is_plain(indices)) {
          PyErr_Format(PyExc_TypeError, "%s: indices must be an array or a list/tuple of ints, got '%s'", name,
                       Py_TYPE(indices)->tp_name);
          return nullptr;
        }
        PyObject* idx = PyArray_FROMANY(indices, NPY_INTP, 0, 1, NPY_ARRAY_CARRAY);
        if (idx == nullptr) return nullptr;
        operands.keep(idx);
        auto* ia = reinterpret_cast<PyArrayObject*>(idx);
        for (Py_ssize_t i = 0; i < nargs + nkw; ++i)
          if (args[i] == indices) stack[i] = idx;
        const cost::Extent along = shapes[0].ndim == 0 ? 1 : shapes[0].dims[axis];
        const Flops outer = along == 0 ? 0 : numel_in / along;
        const Flops n_indices = PyArray_SIZE(ia);
        const Flops read = cost::reduceat_elements(
            {static_cast<const cost::Extent*>(PyArray_DATA(ia)), static_cast<std::size_t>(n_indices)}, along);
        numel_out = checked_mul(outer, n_indices);
        cost = cost::reduction(profile, op, checked_mul(outer, read), numel_out);
      }
      if (method != UfuncMethod::Reduceat) cost = cost::reduction(profile, op, numel_in, numel_out);
      if (method == UfuncMethod::Reduce && operands.tagged()) [[unlikely]] {
        PyObject* axis = argument(args, nargs, kwnames, 1, "axis");
        static PyObject* const kAxis0 = PyLong_FromLong(0);
        Flops in_count, out_count;
        if (!sym::reduction_counts(name, profile, shapes[0], axis ? axis : kAxis0,
                                   find_kwarg(kwnames, args, nargs, "keepdims"), &in_count, &out_count, &sym_out))
          return nullptr;
        cost = cost::reduction(profile, op, in_count, out_count);
      }
    }
  } catch (const CostOverflowError&) {
    raise_cost_overflow(name);
    return nullptr;
  }
  call.note_operand(shapes[0]);
  if (method == UfuncMethod::Outer) call.note_operand(shapes[1]);
  if (nkw != 0 && call.complex_operand() && !call.profile().dtype_aware()) [[unlikely]]
    call.read_dtype_argument(find_kwarg(kwnames, args, nargs, "dtype"));  // primer: add.reduce(z, dtype=float)
  if (!operands.shapes_unchanged()) return operands.raise_shape_changed();
  if (operands.refuses_object_arithmetic(args, nargs)) return nullptr;  // positional operands (not out=)
  PyObject* result = call.run(
      cost, operands, [&] { return PyObject_Vectorcall(self->method_bound[m], stack, nargs, kwnames); }, nullptr,
      [&](PyObject* wrapped) { return wrapped != nullptr && sym_out != 0 ? sym::tag_result(wrapped, sym_out) : wrapped; });
  if (operands.tagged() && sym_out == 0 && method == UfuncMethod::Reduce) [[unlikely]]
    return sym::warn_lost(result, shapes, 1, name, true);
  return result;
}

namespace {

PyObject* ufunc_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  return counted_ufunc_call(reinterpret_cast<CountedUfunc*>(self), args, PyVectorcall_NARGS(nargsf), kwnames);
}

#define FLOPSCOPE_UFUNC_METHOD(method, which)                                                      \
  PyObject* ufunc_##method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kw) { \
    return counted_ufunc_method(reinterpret_cast<CountedUfunc*>(self), UfuncMethod::which, args, nargs, kw); \
  }
FLOPSCOPE_UFUNC_METHOD(reduce, Reduce)
FLOPSCOPE_UFUNC_METHOD(accumulate, Accumulate)
FLOPSCOPE_UFUNC_METHOD(reduceat, Reduceat)
FLOPSCOPE_UFUNC_METHOD(outer, Outer)
FLOPSCOPE_UFUNC_METHOD(at, At)
#undef FLOPSCOPE_UFUNC_METHOD

PyMethodDef ufunc_methods[] = {
    {"reduce", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(ufunc_reduce)), METH_FASTCALL | METH_KEYWORDS, "Counted ufunc.reduce (input size)."},
    {"accumulate", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(ufunc_accumulate)), METH_FASTCALL | METH_KEYWORDS, "Counted ufunc.accumulate (input size)."},
    {"reduceat", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(ufunc_reduceat)), METH_FASTCALL | METH_KEYWORDS, "Counted ufunc.reduceat (input size)."},
    {"outer", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(ufunc_outer)), METH_FASTCALL | METH_KEYWORDS, "Counted ufunc.outer (output size)."},
    {"at", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(ufunc_at)), METH_FASTCALL | METH_KEYWORDS, "Counted ufunc.at (one per index)."},
    {nullptr, nullptr, 0, nullptr},
};

void ufunc_dealloc(PyObject* self) {
  auto* u = reinterpret_cast<CountedUfunc*>(self);
  PyTypeObject* tp = Py_TYPE(self);
  Py_XDECREF(u->ufunc);
  Py_XDECREF(u->name);
  for (PyObject* bound : u->method_bound) Py_XDECREF(bound);
  free_direct_loops(u->direct);
  tp->tp_free(self);
  Py_DECREF(tp);
}

PyObject* ufunc_repr(PyObject* self) {
  return PyUnicode_FromFormat("<flopscope counted ufunc '%U'>", reinterpret_cast<CountedUfunc*>(self)->name);
}

// Attributes we do not define (nin, nout, identity, types, __doc__, ...) come from NumPy's ufunc.
PyObject* ufunc_getattro(PyObject* self, PyObject* name) {
  PyObject* r = PyObject_GenericGetAttr(self, name);
  if (r != nullptr || !PyErr_ExceptionMatches(PyExc_AttributeError)) return r;
  PyErr_Clear();
  if (PyUnicode_CompareWithASCIIString(name, "__name__") == 0) {
    Py_INCREF(reinterpret_cast<CountedUfunc*>(self)->name);
    return reinterpret_cast<CountedUfunc*>(self)->name;
  }
  return PyObject_GetAttr(reinterpret_cast<CountedUfunc*>(self)->ufunc, name);
}

PyMemberDef ufunc_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(CountedUfunc, vectorcall), READONLY, nullptr},
    {"numpy_ufunc", T_OBJECT, offsetof(CountedUfunc, ufunc), READONLY, "The wrapped numpy ufunc."},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot ufunc_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(ufunc_dealloc)},
    {Py_tp_repr, reinterpret_cast<void*>(ufunc_repr)},
    {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
    {Py_tp_getattro, reinterpret_cast<void*>(ufunc_getattro)},
    {Py_tp_methods, ufunc_methods},
    {Py_tp_members, ufunc_members},
    {Py_tp_doc, const_cast<char*>("A NumPy ufunc whose calls are FLOP-counted by flopscope.")},
    {0, nullptr},
};

PyType_Spec ufunc_spec = {
    "flopscope._core.ufunc",
    sizeof(CountedUfunc),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    ufunc_slots,
};

}  // namespace

bool init_counted_ufunc_type(PyObject* module) {
  if (flopscope::ufunc_methods().size() != kUfuncMethods || find_ufunc_method("reduce") != static_cast<int>(UfuncMethod::Reduce) ||
      find_ufunc_method("at") != static_cast<int>(UfuncMethod::At)) {
    PyErr_SetString(PyExc_RuntimeError, "flopscope: the ufunc methods of the core's table and UfuncMethod disagree");
    return false;
  }
  counted_ufunc_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&ufunc_spec));
  if (counted_ufunc_type == nullptr) return false;
  Py_INCREF(counted_ufunc_type);
  return PyModule_AddObject(module, "ufunc", reinterpret_cast<PyObject*>(counted_ufunc_type)) == 0;
}

PyObject* make_counted_ufunc(PyObject* ufunc, const char* name, bool numpy_own) {
  auto* u = PyObject_New(CountedUfunc, counted_ufunc_type);
  if (u == nullptr) return nullptr;
  u->vectorcall = ufunc_vectorcall;
  for (PyObject*& bound : u->method_bound) bound = nullptr;
  u->numpy_own = numpy_own;
  u->direct = nullptr;
  Py_INCREF(ufunc);
  u->ufunc = ufunc;
  u->name = PyUnicode_FromString(name);
  u->cname = u->name ? PyUnicode_AsUTF8(u->name) : "";
  PyObject* nin = PyObject_GetAttrString(ufunc, "nin");
  PyObject* nout = PyObject_GetAttrString(ufunc, "nout");
  u->nin = nin ? static_cast<int>(PyLong_AsLong(nin)) : 1;
  u->nout = nout ? static_cast<int>(PyLong_AsLong(nout)) : 1;
  Py_XDECREF(nin);
  Py_XDECREF(nout);
  // How it is priced and called: the core's ufunc table (op_table/ufuncs.inc).
  const UfuncRow& row = ufunc_row(name);
  u->positional_out_warns = row.positional_out_warns;
  u->core = row.core;
  u->op = intern_ufunc(name);
  auto& reg = OpRegistry::instance();
  for (int m = 0; m < kUfuncMethods; ++m) {
    const char* method = flopscope::ufunc_methods()[static_cast<std::size_t>(m)].name;
    u->method_op[m] = reg.find(std::string(name) + "." + method);
    u->method_bound[m] = PyObject_GetAttrString(ufunc, method);
    if (u->method_bound[m] == nullptr) PyErr_Clear();  // refused at call time
  }
  if (PyErr_Occurred()) {
    Py_DECREF(u);
    return nullptr;
  }
  return reinterpret_cast<PyObject*>(u);
}

void reset_direct_loops() {
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(state().ufunc_table, &pos, &key, &value)) {
    if (Py_TYPE(value) != counted_ufunc_type) continue;
    auto* u = reinterpret_cast<CountedUfunc*>(value);
    free_direct_loops(u->direct);
    u->direct = nullptr;
  }
}

}  // namespace flopscope::py
