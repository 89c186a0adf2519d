#include "operands.hpp"

#include <algorithm>
#include <cstring>

#include "call.hpp"
#include "symmetric.hpp"

namespace flopscope::py {

namespace {

PyObject* raise_dtype_error(const char* op, PyArray_Descr* descr) {
  // %S formats the dtype itself: a field name UTF-8 cannot encode (a lone surrogate) is still shown.
  PyErr_Format(state().dtype_error ? state().dtype_error : PyExc_TypeError,
               "%s: dtype %S is not numeric; flopscope counts only numeric arrays (bool, integer, "
               "floating, complex). Convert with .astype(...) first.",
               op, reinterpret_cast<PyObject*>(descr));
  return nullptr;
}

const npy_intp kNoDims[1] = {0};

}  // namespace

// The NEP 50 kind of a Python number (None for anything else). Reads types only.
dtype::Weak python_scalar_kind(PyObject* o) {
  if (PyBool_Check(o)) return dtype::Weak::Bool;
  if (PyLong_Check(o)) return dtype::Weak::Int;
  if (PyFloat_Check(o)) return dtype::Weak::Float;
  if (PyComplex_Check(o)) return dtype::Weak::Complex;
  return dtype::Weak::None;
}

PyObject* Operands::raise_shape_changed() const {
  PyErr_Format(PyExc_RuntimeError,
               "%s: an operand changed shape during the call (a callback reshaped or resized it), so the "
               "price computed from its shape no longer holds; the call is refused. Do not reshape operands "
               "from callbacks of the same call.",
               op_name_);
  return nullptr;
}

const npy_intp* Operands::copy_dims_slow(const npy_intp* dims, int nd) {
  dims_overflow_.emplace_back(dims, dims + nd);
  return dims_overflow_.back().data();
}

PyObject* Operands::inspect_other(PyObject* o, OperandShape* shape) {
  if (PyArray_Check(o)) {
    auto* a = reinterpret_cast<PyArrayObject*>(o);
    if (!is_numeric_type(PyArray_TYPE(a))) return raise_dtype_error(op_name_, PyArray_DESCR(a));
    read_array(a, shape);
    if (sym::is_tensor(o)) tagged_ |= (shape->symmetry = sym::tag_of(o)) != 0;
    return o;
  }
  // Python numbers and NumPy numeric scalars are 0-d operands.
  shape->symmetry = 0;
  if (PyFloat_CheckExact(o) || PyLong_CheckExact(o) || PyBool_Check(o) || PyComplex_CheckExact(o)) {
    if (PyLong_CheckExact(o) && !big_int_) {
      int overflow = 0;
      (void)PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow < 0) big_int_ = true;
      if (overflow > 0) {
        (void)PyLong_AsUnsignedLongLong(o);  // fits in uint64: an ordinary integer
        if (PyErr_Occurred()) {
          PyErr_Clear();
          big_int_ = true;
        }
      }
    }
    shape->ndim = 0;
    shape->dims = kNoDims;
    shape->type_num = NPY_NOTYPE;  // a weak Python scalar (NEP 50)
    shape->weak = python_scalar_kind(o);
    return o;
  }
  if (PyArray_IsScalar(o, Generic)) {
    if ((PyArray_IsScalar(o, Number) || PyArray_IsScalar(o, Bool)) && !PyArray_IsScalar(o, Timedelta)) {
      shape->ndim = 0;
      shape->dims = kNoDims;
      shape->weak = dtype::Weak::None;
      PyArray_Descr* d = PyArray_DescrFromScalar(o);
      shape->type_num = d ? d->type_num : NPY_NOTYPE;
      Py_XDECREF(d);
      return o;
    }
    PyArray_Descr* d = PyArray_DescrFromScalar(o);
    if (d == nullptr) return nullptr;
    raise_dtype_error(op_name_, d);
    Py_DECREF(d);
    return nullptr;
  }
  // Lists and tuples of plain data: convert, free of charge. A foreign
  // array-like (__array__, __array_interface__, a sequence class, an ndarray
  // subclass of the participant's) would run its own Python inside the
  // counted call: refused, so that no work hides in its conversion.
  if (!is_plain(o)) {
    PyErr_Format(PyExc_TypeError,
                 "%s: an operand of type '%s' is not an array, a number or a list/tuple of them; flopscope "
                 "does not run an object's own conversion code inside a counted call. Convert it first "
                 "(e.g. numpy.asarray(x)) and pass the array.",
                 op_name_, Py_TYPE(o)->tp_name);
    return nullptr;
  }
  PyObject* arr = PyArray_FromAny(o, nullptr, 0, 0, 0, nullptr);
  if (arr == nullptr) return nullptr;
  own(arr);
  return inspect(arr, shape);
}

bool is_plain_slow(PyObject* o, int depth) {
  if (sym::is_tensor(o)) return true;  // flops.SymmetricTensor: ours, like flopscope.numpy.ndarray
  if (o == Py_Ellipsis || PyComplex_CheckExact(o) || PyBytes_CheckExact(o)) return true;
  // NumPy's own scalar types; a Python subclass of one (a heap type) may override __index__ and the like.
  if (PyArray_IsScalar(o, Generic)) return !PyType_HasFeature(Py_TYPE(o), Py_TPFLAGS_HEAPTYPE);
  if (PyArray_DescrCheck(o)) return true;
  if (PyType_Check(o)) {  // dtype=float, dtype=np.float32, ...
    auto* t = reinterpret_cast<PyTypeObject*>(o);
    return t == &PyFloat_Type || t == &PyLong_Type || t == &PyComplex_Type || t == &PyBool_Type ||
           t == &PyUnicode_Type || t == &PyBytes_Type || PyType_IsSubtype(t, &PyGenericArrType_Type);
  }
  if (PySlice_Check(o)) {
    auto* sl = reinterpret_cast<PySliceObject*>(o);
    return is_plain_slow(sl->start, depth + 1) && is_plain_slow(sl->stop, depth + 1) &&
           is_plain_slow(sl->step, depth + 1);
  }
  if (PyTuple_CheckExact(o) || PyList_CheckExact(o)) {
    if (depth >= 32) return false;
    const bool tuple = PyTuple_CheckExact(o);
    const Py_ssize_t n = tuple ? PyTuple_GET_SIZE(o) : PyList_GET_SIZE(o);
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* item = tuple ? PyTuple_GET_ITEM(o, i) : PyList_GET_ITEM(o, i);
      PyTypeObject* tp = Py_TYPE(item);
      if (tp == &PyFloat_Type || tp == &PyLong_Type || tp == &PyArray_Type || tp == state().array_type) continue;
      if (!is_plain_slow(item, depth + 1)) return false;
      if (!tuple && PyList_GET_SIZE(o) != n) return false;  // cannot happen without user code; be safe
    }
    return true;
  }
  PyTypeObject* tp = Py_TYPE(o);
  return tp == &PyArray_Type || tp == state().array_type || tp == &PyFloat_Type || tp == &PyLong_Type ||
         o == Py_None || tp == &PyBool_Type || tp == &PyUnicode_Type;
}

PyObject* Operands::plain_other(PyObject* o) {
  PyTypeObject* ours = state().array_type;
  if (PyArray_Check(o) && PyObject_TypeCheck(o, ours)) {
    // Too large to re-type safely, or a Python subclass of ours: a plain view.
    PyObject* view = PyArray_View(reinterpret_cast<PyArrayObject*>(o), nullptr, &PyArray_Type);
    if (view == nullptr) return nullptr;
    if (n_viewed_ < kInline) {
      viewed_[n_viewed_][0] = o;
      viewed_[n_viewed_++][1] = view;
    }
    return own(view);
  }
  bool is_tuple = PyTuple_Check(o), is_list = !is_tuple && PyList_Check(o);
  if (!is_tuple && !is_list) return o;
  Py_ssize_t n = is_tuple ? PyTuple_GET_SIZE(o) : PyList_GET_SIZE(o);
  PyObject* copy = nullptr;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = is_tuple ? PyTuple_GET_ITEM(o, i) : PyList_GET_ITEM(o, i);
    // Nested lists and tuples (np.block's [[a, b], [c, d]]) are handled at every depth.
    const bool nested = PyTuple_Check(item) || PyList_Check(item);
    if (!nested && (!PyArray_Check(item) || !PyObject_TypeCheck(item, ours))) {
      if (!copy_lists_ || !is_list || copy != nullptr) continue;
      // A list of a call with a foreign argument: copied (copy_lists()).
      if ((copy = PyList_GetSlice(o, 0, n)) == nullptr) return nullptr;
      own(copy);
      continue;
    }
    if (nested && Py_EnterRecursiveCall(" while reading nested operands")) return nullptr;  // a self-containing list
    PyObject* p = plain(item);
    if (nested) Py_LeaveRecursiveCall();
    if (p == nullptr) return nullptr;
    if (p == item && !(copy_lists_ && is_list)) continue;  // re-typed in place
    if (copy == nullptr) {
      copy = is_tuple ? PyTuple_GetSlice(o, 0, n) : PyList_GetSlice(o, 0, n);
      if (copy == nullptr) return nullptr;
      own(copy);
    }
    Py_INCREF(p);
    if (is_tuple) {
      Py_DECREF(PyTuple_GET_ITEM(copy, i));
      PyTuple_SET_ITEM(copy, i, p);
    } else {
      PyList_SetItem(copy, i, p);
    }
  }
  return copy ? copy : o;
}

PyObject* snapshot_lists(PyObject* o) {
  const bool is_list = PyList_Check(o);
  if (!is_list && !PyTuple_Check(o)) {
    Py_INCREF(o);
    return o;
  }
  if (Py_EnterRecursiveCall(" while copying a foreign argument")) return nullptr;  // a self-containing list
  const Py_ssize_t n = is_list ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o);
  PyObject* copy = is_list ? PyList_New(n) : PyTuple_New(n);
  bool changed = is_list;
  for (Py_ssize_t i = 0; copy != nullptr && i < n; ++i) {
    PyObject* item = is_list ? PyList_GET_ITEM(o, i) : PyTuple_GET_ITEM(o, i);  // no user code runs here
    PyObject* s = snapshot_lists(item);
    if (s == nullptr) {
      Py_CLEAR(copy);
      break;
    }
    changed = changed || s != item;
    if (is_list) PyList_SET_ITEM(copy, i, s);
    else PyTuple_SET_ITEM(copy, i, s);
  }
  Py_LeaveRecursiveCall();
  if (copy != nullptr && !changed) {  // a tuple without lists: itself
    Py_DECREF(copy);
    Py_INCREF(o);
    return o;
  }
  return copy;
}

PyObject* Operands::unview_slow(PyObject* result) {
  auto original = [&](PyObject* o) -> PyObject* {
    for (int i = 0; i < n_viewed_; ++i)
      if (viewed_[i][1] == o) return viewed_[i][0];
    return nullptr;
  };
  if (PyObject* ours = original(result)) {
    Py_INCREF(ours);
    Py_DECREF(result);
    return ours;
  }
  if (PyTuple_CheckExact(result) && Py_REFCNT(result) == 1) {  // out=(a, b) of a two-output ufunc
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(result); ++i) {
      if (PyObject* ours = original(PyTuple_GET_ITEM(result, i))) {
        Py_INCREF(ours);
        Py_DECREF(PyTuple_GET_ITEM(result, i));
        PyTuple_SET_ITEM(result, i, ours);
      }
    }
  }
  return result;
}

void Operands::release_owned() {
  for (int i = 0; i < n_owned_; ++i) Py_DECREF(owned_[i]);
  for (PyObject* o : owned_overflow_) Py_DECREF(o);
  n_owned_ = 0;
  owned_overflow_.clear();
}

PyObject* Operands::own(PyObject* o) {
  if (n_owned_ < kInline) owned_[n_owned_++] = o;
  else owned_overflow_.push_back(o);
  return o;
}

PyObject* wrap_result(PyObject* result) {
  if (result == nullptr) return nullptr;
  PyTypeObject* ours = state().array_type;
  if (Py_TYPE(result) == ours) return result;  // e.g. out= one of our arrays
  if (PyArray_CheckExact(result)) {
    if (Py_REFCNT(result) == 1) {
      // A fresh array nobody else holds: adopt it without a copy or a view.
      Py_INCREF(ours);
      Py_SET_TYPE(result, ours);
      return result;
    }
    PyObject* view = PyArray_View(reinterpret_cast<PyArrayObject*>(result), nullptr, ours);
    Py_DECREF(result);
    return view;
  }
  if (PyArray_IsScalar(result, Number) || PyArray_IsScalar(result, Bool)) {
    PyObject* arr = PyArray_FromScalar(result, nullptr);
    Py_DECREF(result);
    return wrap_result(arr);
  }
  if (PyTuple_CheckExact(result) && Py_REFCNT(result) == 1) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(result); ++i) {
      PyObject* item = PyTuple_GET_ITEM(result, i);
      PyTuple_SET_ITEM(result, i, nullptr);
      PyObject* w = wrap_result(item);
      if (w == nullptr) {
        Py_DECREF(result);
        return nullptr;
      }
      PyTuple_SET_ITEM(result, i, w);
    }
    return result;
  }
  if (PyTuple_Check(result) && !PyTuple_CheckExact(result)) {
    // NumPy's named results (EighResult, SVDResult, UniqueCountsResult, ...):
    // the same named tuple type, holding flopscope arrays.
    const Py_ssize_t n = PyTuple_GET_SIZE(result);
    PyObject* items = PyTuple_New(n);
    for (Py_ssize_t i = 0; items != nullptr && i < n; ++i) {
      PyObject* item = PyTuple_GET_ITEM(result, i);
      Py_INCREF(item);
      PyObject* w = wrap_result(item);
      if (w == nullptr) {
        Py_CLEAR(items);
        break;
      }
      PyTuple_SET_ITEM(items, i, w);
    }
    PyObject* named = items ? PyObject_Call(reinterpret_cast<PyObject*>(Py_TYPE(result)), items, nullptr) : nullptr;
    Py_XDECREF(items);
    Py_DECREF(result);
    return named;
  }
  if (PyList_CheckExact(result)) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(result); ++i) {
      PyObject* item = PyList_GET_ITEM(result, i);
      Py_INCREF(item);
      PyObject* w = wrap_result(item);
      if (w == nullptr) {
        Py_DECREF(result);
        return nullptr;
      }
      PyList_SetItem(result, i, w);
    }
  }
  return result;
}

bool Operands::refuses_object_arithmetic(PyObject* const* args, Py_ssize_t n) const {
  if (!big_int_) [[likely]] return false;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* a = args[i];
    // Beside an array or a NumPy scalar NumPy gives a typed result or raises
    // its own OverflowError; beside a Python float it computes in float.
    if (PyFloat_Check(a) || PyComplex_Check(a) || PyArray_Check(a) || PyArray_IsScalar(a, Generic)) return false;
  }
  PyErr_Format(PyExc_OverflowError,
               "%s: a Python int too large for 64 bits, with no array or float operand, would make NumPy compute "
               "with Python objects, which flopscope cannot count; convert it to a float first", op_name_);
  return true;
}

}  // namespace flopscope::py
