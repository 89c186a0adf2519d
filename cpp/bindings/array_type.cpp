#include "array_type.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "counted_function.hpp"
#include "counted_ufunc.hpp"
#include "arguments.hpp"
#include "call.hpp"

namespace flopscope::py {
namespace {

// The counted callables behind operators and methods, resolved once.
struct Targets {
  CountedUfunc *add, *subtract, *multiply, *true_divide, *floor_divide, *remainder, *power, *divmod,
      *matmul, *left_shift, *right_shift, *bitwise_and, *bitwise_or, *bitwise_xor, *negative, *positive,
      *absolute, *invert, *equal, *not_equal, *less, *less_equal, *greater, *greater_equal, *conjugate;
};
Targets targets;
bool targets_ready = false;

template <class T>
bool resolve(PyObject* table, const char* name, T** out) {
  PyObject* o = PyDict_GetItemString(table, name);  // borrowed; the table keeps it alive
  if (o == nullptr) {
    PyErr_Format(PyExc_RuntimeError, "flopscope: internal op '%s' is missing", name);
    return false;
  }
  *out = reinterpret_cast<T*>(o);
  return true;
}

}  // namespace


bool resolve_targets() {
  if (targets_ready) return true;
  PyObject* t = state().exported_ops;
  bool ok = resolve(t, "add", &targets.add) && resolve(t, "subtract", &targets.subtract) &&
            resolve(t, "multiply", &targets.multiply) && resolve(t, "true_divide", &targets.true_divide) &&
            resolve(t, "floor_divide", &targets.floor_divide) && resolve(t, "remainder", &targets.remainder) &&
            resolve(t, "power", &targets.power) && resolve(t, "divmod", &targets.divmod) &&
            resolve(t, "matmul", &targets.matmul) && resolve(t, "left_shift", &targets.left_shift) &&
            resolve(t, "right_shift", &targets.right_shift) && resolve(t, "bitwise_and", &targets.bitwise_and) &&
            resolve(t, "bitwise_or", &targets.bitwise_or) && resolve(t, "bitwise_xor", &targets.bitwise_xor) &&
            resolve(t, "negative", &targets.negative) && resolve(t, "positive", &targets.positive) &&
            resolve(t, "absolute", &targets.absolute) && resolve(t, "invert", &targets.invert) &&
            resolve(t, "equal", &targets.equal) && resolve(t, "not_equal", &targets.not_equal) &&
            resolve(t, "less", &targets.less) && resolve(t, "less_equal", &targets.less_equal) &&
            resolve(t, "greater", &targets.greater) && resolve(t, "greater_equal", &targets.greater_equal) &&
            resolve(t, "conjugate", &targets.conjugate);
  targets_ready = ok;
  return ok;
}

namespace {

// Operands a binary operator accepts; anything else gets NotImplemented so
// that Python tries the other operand's reflected method.
bool accepts_operand(PyObject* o) {
  PyTypeObject* tp = Py_TYPE(o);
  if (tp == state().array_type || tp == &PyArray_Type || tp == &PyFloat_Type || tp == &PyLong_Type) return true;
  return PyArray_Check(o) || PyFloat_Check(o) || PyLong_Check(o) || PyComplex_Check(o) ||
         PyArray_IsScalar(o, Generic) || PyList_Check(o) || PyTuple_Check(o);
}

PyObject* apply_binary(CountedUfunc* Targets::*which, PyObject* a, PyObject* b) {
  if (!accepts_operand(a) || !accepts_operand(b)) Py_RETURN_NOTIMPLEMENTED;
  if (!resolve_targets()) return nullptr;
  PyObject* args[2] = {a, b};
  return counted_ufunc_call(targets.*which, args, 2, nullptr);
}

PyObject* apply_inplace(CountedUfunc* Targets::*which, const char* op, PyObject* a, PyObject* b) {
  if (state().immutable) [[unlikely]] {
    const std::string what = std::string("in-place ") + op;
    const std::string instead = std::string("write a = flopscope.numpy.") + op + "(a, b) instead";
    return raise_immutable(PyExc_TypeError, what.c_str(), instead.c_str());
  }
  if (!accepts_operand(b)) Py_RETURN_NOTIMPLEMENTED;
  if (!resolve_targets()) return nullptr;
  // ufunc(a, b, out=a), as NumPy's own in-place operators call it; billed like a + b.
  static PyObject* const kOutName = Py_BuildValue("(s)", "out");
  PyObject* args[3] = {a, b, a};
  return counted_ufunc_call(targets.*which, args, 2, kOutName);
}

PyObject* apply_unary(CountedUfunc* Targets::*which, PyObject* a) {
  if (!resolve_targets()) return nullptr;
  PyObject* args[1] = {a};
  return counted_ufunc_call(targets.*which, args, 1, nullptr);
}

#define FS_BINARY(slot, target)                                                                        \
  PyObject* nb_##slot(PyObject* a, PyObject* b) { return apply_binary(&Targets::target, a, b); }      \
  PyObject* nb_inplace_##slot(PyObject* a, PyObject* b) { return apply_inplace(&Targets::target, #target, a, b); }
FS_BINARY(add, add)
FS_BINARY(subtract, subtract)
FS_BINARY(multiply, multiply)
FS_BINARY(true_divide, true_divide)
FS_BINARY(floor_divide, floor_divide)
FS_BINARY(remainder, remainder)
FS_BINARY(matrix_multiply, matmul)
FS_BINARY(lshift, left_shift)
FS_BINARY(rshift, right_shift)
FS_BINARY(and, bitwise_and)
FS_BINARY(or, bitwise_or)
FS_BINARY(xor, bitwise_xor)
#undef FS_BINARY

PyObject* nb_power(PyObject* a, PyObject* b, PyObject* mod) {
  if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
  return apply_binary(&Targets::power, a, b);
}
PyObject* nb_inplace_power(PyObject* a, PyObject* b, PyObject* mod) {
  if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
  return apply_inplace(&Targets::power, "power", a, b);
}
PyObject* nb_divmod(PyObject* a, PyObject* b) { return apply_binary(&Targets::divmod, a, b); }
PyObject* nb_negative(PyObject* a) { return apply_unary(&Targets::negative, a); }
PyObject* nb_positive(PyObject* a) { return apply_unary(&Targets::positive, a); }
PyObject* nb_absolute(PyObject* a) { return apply_unary(&Targets::absolute, a); }
PyObject* nb_invert(PyObject* a) { return apply_unary(&Targets::invert, a); }

PyObject* richcompare(PyObject* a, PyObject* b, int op) {
  if (b == Py_None || !accepts_operand(b)) Py_RETURN_NOTIMPLEMENTED;
  CountedUfunc* Targets::*which = nullptr;
  switch (op) {
    case Py_EQ: which = &Targets::equal; break;
    case Py_NE: which = &Targets::not_equal; break;
    case Py_LT: which = &Targets::less; break;
    case Py_LE: which = &Targets::less_equal; break;
    case Py_GT: which = &Targets::greater; break;
    default: which = &Targets::greater_equal; break;
  }
  return apply_binary(which, a, b);
}

// Printing is free: it formats a plain view, so NumPy's formatting math is not billed.
PyObject* plain_view(PyObject* self) {
  return PyArray_View(reinterpret_cast<PyArrayObject*>(self), nullptr, &PyArray_Type);
}
PyObject* array_repr(PyObject* self) {
  PyObject* v = plain_view(self);
  if (v == nullptr) return nullptr;
  PyObject* r = PyObject_Repr(v);
  Py_DECREF(v);
  return r;
}
PyObject* array_str(PyObject* self) {
  PyObject* v = plain_view(self);
  if (v == nullptr) return nullptr;
  PyObject* r = PyObject_Str(v);
  Py_DECREF(v);
  return r;
}

// numpy calls self.__array_ufunc__(ufunc, method, *inputs, **kwargs).
PyObject* array_ufunc(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (nargs < 2) {
    PyErr_SetString(PyExc_TypeError, "__array_ufunc__(ufunc, method, *inputs, **kwargs)");
    return nullptr;
  }
  // NumPy itself only ever passes one of its ufuncs and a method name; anything
  // else (a direct call with junk) is refused before it is hashed or read.
  if (!PyObject_TypeCheck(args[0], state().numpy_ufunc_type)) {
    PyErr_Format(PyExc_TypeError, "__array_ufunc__: the first argument must be a numpy.ufunc, got '%s'",
                 Py_TYPE(args[0])->tp_name);
    return nullptr;
  }
  if (!PyUnicode_Check(args[1])) {
    PyErr_Format(PyExc_TypeError, "__array_ufunc__: the method name must be a str, got '%s'",
                 Py_TYPE(args[1])->tp_name);
    return nullptr;
  }
  PyObject* counted = PyDict_GetItemWithError(state().ufunc_table, args[0]);
  if (counted == nullptr) {
    if (PyErr_Occurred()) return nullptr;
    // A ufunc from outside NumPy's namespace (e.g. scipy.special): elementwise
    // ones are priced as pointwise under their own name; others are refused.
    PyObject* sig = PyObject_GetAttrString(args[0], "signature");
    if (sig == nullptr) return nullptr;
    bool elementwise = sig == Py_None;
    Py_DECREF(sig);
    if (!elementwise) Py_RETURN_NOTIMPLEMENTED;
    // A ufunc whose every loop is on objects (numpy.frompyfunc, vectorized
    // Python) runs participant Python per element: nothing to count.
    PyObject* types = PyObject_GetAttrString(args[0], "types");
    if (types == nullptr) return nullptr;
    bool python_loops = PyList_Check(types) && PyList_GET_SIZE(types) > 0;
    for (Py_ssize_t i = 0; python_loops && i < PyList_GET_SIZE(types); ++i) {
      const char* t = PyUnicode_AsUTF8(PyList_GET_ITEM(types, i));
      python_loops = t != nullptr && std::strchr(t, 'O') != nullptr;
    }
    Py_DECREF(types);
    if (PyErr_Occurred()) return nullptr;
    if (python_loops) {
      PyObject* name = PyObject_GetAttrString(args[0], "__name__");
      PyErr_Clear();
      // %S, not %s of PyUnicode_AsUTF8: a name that UTF-8 cannot encode (a lone surrogate) is still shown.
      PyErr_Format(state().dtype_error ? state().dtype_error : PyExc_TypeError,
                   "ufunc '%S' runs Python code per element (numpy.frompyfunc / object loops): flopscope cannot "
                   "count it. Write the computation with flopscope.numpy operations instead.",
                   name ? name : args[0]);
      Py_XDECREF(name);
      return nullptr;
    }
    PyObject* name = PyObject_GetAttrString(args[0], "__name__");
    if (name == nullptr) return nullptr;
    const char* cname = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : nullptr;
    if (cname == nullptr) {
      Py_DECREF(name);
      PyErr_Clear();
      PyErr_SetString(PyExc_TypeError, "__array_ufunc__: the ufunc's __name__ is not a str");
      return nullptr;
    }
    counted = make_counted_ufunc(args[0], cname, /*numpy_own=*/false);
    Py_DECREF(name);
    if (counted == nullptr || PyDict_SetItem(state().ufunc_table, args[0], counted) < 0) return nullptr;
    Py_DECREF(counted);  // the table holds it
  }
  auto* u = reinterpret_cast<CountedUfunc*>(counted);
  const char* method = PyUnicode_AsUTF8(args[1]);
  if (method == nullptr) return nullptr;
  if (std::strcmp(method, "__call__") == 0) return counted_ufunc_call(u, args + 2, nargs - 2, kwnames);
  int which = find_ufunc_method(method);
  if (which < 0) {
    PyErr_Format(PyExc_TypeError, "%s: unknown ufunc method '%s'", u->cname, method);
    return nullptr;
  }
  return counted_ufunc_method(u, static_cast<UfuncMethod>(which), args + 2, nargs - 2, kwnames);
}

// numpy calls self.__array_function__(func, types, args, kwargs).
PyObject* array_function(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 4) {
    PyErr_SetString(PyExc_TypeError, "__array_function__(func, types, args, kwargs)");
    return nullptr;
  }
  PyObject *func = args[0], *types = args[1], *fargs = args[2], *fkwargs = args[3];
  // NumPy's own checks (ndarray.__array_function__): a direct call may pass anything.
  if (!PyTuple_Check(fargs) || !PyDict_Check(fkwargs)) {
    PyErr_Format(PyExc_TypeError, "__array_function__: %s must be a %s, got '%s'",
                 PyTuple_Check(fargs) ? "kwargs" : "args", PyTuple_Check(fargs) ? "dict" : "tuple",
                 Py_TYPE(PyTuple_Check(fargs) ? fkwargs : fargs)->tp_name);
    return nullptr;
  }
  if (!PyTuple_Check(types) && !PyList_Check(types) && !PySet_Check(types) && !PyFrozenSet_Check(types)) {
    PyErr_Format(PyExc_TypeError, "__array_function__: types must be a tuple of types, got '%s'",
                 Py_TYPE(types)->tp_name);
    return nullptr;
  }
  PyObject* counted = PyDict_GetItemWithError(state().function_table, func);
  if (counted == nullptr && PyErr_Occurred()) return nullptr;
  if (counted != nullptr) return PyObject_Call(counted, fargs, fkwargs);
  int free_query = PySet_Contains(state().passthrough, func);
  if (free_query < 0) return nullptr;
  if (free_query) {
    PyObject* impl = PyObject_GetAttrString(func, "_implementation");
    if (impl == nullptr) return nullptr;
    PyObject* r = PyObject_Call(impl, fargs, fkwargs);
    Py_DECREF(impl);
    return r;
  }
  // Name it as the user wrote it: numpy.linalg.outer, not numpy.outer.
  auto text = [](PyObject* obj, const char* attr, const char* fallback) {
    PyObject* value = PyObject_GetAttrString(obj, attr);
    std::string out = fallback;
    if (value != nullptr && PyUnicode_Check(value)) {
      if (const char* utf8 = PyUnicode_AsUTF8(value)) out = utf8;
    }
    Py_XDECREF(value);
    PyErr_Clear();
    return out;
  };
  const std::string name = text(func, "__name__", "?");
  std::string module = text(func, "__module__", "numpy");
  if (module.rfind("numpy._", 0) == 0 || module.rfind("numpy", 0) != 0) module = "numpy";  // private homes
  const std::string sub = module.substr(5);  // ".linalg", or empty
  PyErr_Format(PyExc_TypeError,
               "%s.%s is not supported on flopscope arrays: it would run uncounted. Use "
               "flopscope.numpy%s.%s if it exists, or convert explicitly with numpy.asarray(x) "
               "(that work is then not counted).",
               module.c_str(), name.c_str(), sub.c_str(), name.c_str());
  return nullptr;
}

// True for a key of basic indexing only (ints, slices, None, Ellipsis, or a
// tuple of them): a view, free under every profile. Reads types only.
bool basic_index(PyObject* key) {
  auto basic = [](PyObject* k) {
    return PyLong_CheckExact(k) || PySlice_Check(k) || k == Py_None || k == Py_Ellipsis ||
           PyArray_IsScalar(k, Integer);
  };
  if (!PyTuple_Check(key)) return basic(key);
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(key); ++i)
    if (!basic(PyTuple_GET_ITEM(key, i))) return false;
  return true;
}

// Elements of the boolean masks in an index key (arrays, or flat lists of
// Python bools): each is scanned for its True entries. Reads types only.
Flops mask_elements(PyObject* key) {
  auto one = [](PyObject* k) -> Flops {
    if (PyArray_Check(k)) {
      auto* a = reinterpret_cast<PyArrayObject*>(k);
      return PyArray_TYPE(a) == NPY_BOOL ? PyArray_SIZE(a) : 0;
    }
    if (!PyList_Check(k) || PyList_GET_SIZE(k) == 0) return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(k); ++i)
      if (!PyBool_Check(PyList_GET_ITEM(k, i))) return 0;
    return PyList_GET_SIZE(k);
  };
  if (!PyTuple_Check(key)) return one(key);
  Flops n = 0;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(key); ++i) n += one(PyTuple_GET_ITEM(key, i));
  return n;
}

PyObject* subscript_priced(PyObject* self, PyObject* key);

// a[key]: NumPy's. Under a profile that bills advanced indexing (writes.getitem,
// upstream's "getitem"), an index with arrays or lists is charged the masks it
// scans before NumPy runs and the elements it gathers after (Call::charge_writes).
PyObject* subscript(PyObject* self, PyObject* key) {
  binaryfunc numpy_subscript = PyArray_Type.tp_as_mapping->mp_subscript;
  if (basic_index(key)) [[likely]] return numpy_subscript(self, key);
  if (!is_plain(key)) [[unlikely]] {  // a foreign key: NumPy reads our copy of its lists (snapshot_lists)
    PyObject* copy = snapshot_lists(key);
    if (copy == nullptr) return nullptr;
    PyObject* r = subscript_priced(self, copy);
    Py_DECREF(copy);
    return r;
  }
  return subscript_priced(self, key);
}

PyObject* subscript_priced(PyObject* self, PyObject* key) {
  binaryfunc numpy_subscript = PyArray_Type.tp_as_mapping->mp_subscript;
  static const OpId getitem = OpRegistry::instance().find("getitem");
  if (current_meter().profile().write_rule(getitem).factor == 0) return numpy_subscript(self, key);
  Call call(getitem, "getitem");
  // The shape as it was: an __index__ in the key runs while NumPy indexes and may resize the array.
  auto* a = reinterpret_cast<PyArrayObject*>(self);
  npy_intp dims[NPY_MAXDIMS];
  std::copy(PyArray_DIMS(a), PyArray_DIMS(a) + PyArray_NDIM(a), dims);
  const OperandShape shape{PyArray_NDIM(a), dims, PyArray_TYPE(a), 0, dtype::Weak::None};
  call.note_operand(shape);
  Flops scan;
  try {
    scan = cost::formula_call(call.profile(), getitem, mask_elements(key));
  } catch (const CostOverflowError&) {
    raise_cost_overflow("getitem");
    return nullptr;
  }
  if (!call.admit(scan)) return nullptr;
  call.backend_begin();
  PyObject* result = numpy_subscript(self, key);
  call.backend_end(result != nullptr);
  if (result != nullptr) result = call.charge_writes(result, self, nullptr);
  return call.finish(result);
}

// Item assignment (a[i] = v, a[i] += v): NumPy's, unless configure(immutable=True).
int ass_subscript(PyObject* self, PyObject* key, PyObject* value) {
  if (state().immutable) [[unlikely]] {
    raise_immutable(PyExc_TypeError, "item assignment",
                    "build the result with whole-array operations (flopscope.numpy.where, stack, concatenate)");
    return -1;
  }
  if (basic_index(key) && (value == nullptr || is_plain(value))) [[likely]]
    return PyArray_Type.tp_as_mapping->mp_ass_subscript(self, key, value);
  // A foreign key or value: NumPy reads our copies of their lists (snapshot_lists).
  PyObject* k = snapshot_lists(key);
  PyObject* v = k != nullptr && value != nullptr ? snapshot_lists(value) : nullptr;
  const int r = k == nullptr || (value != nullptr && v == nullptr)
                    ? -1
                    : PyArray_Type.tp_as_mapping->mp_ass_subscript(self, k, value == nullptr ? nullptr : v);
  Py_XDECREF(k);
  Py_XDECREF(v);
  return r;
}

// fill, put and resize update the array in place: NumPy's own methods, unless
// configure(immutable=True).
template <const char* Name, const char* Instead>
PyObject* in_place_method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (state().immutable) [[unlikely]]
    return raise_immutable(PyExc_ValueError, (std::string("in-place ") + Name).c_str(), Instead);
  PyObject* method = PyObject_GetAttrString(reinterpret_cast<PyObject*>(&PyArray_Type), Name);
  if (method == nullptr) return nullptr;
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  std::vector<PyObject*> stack(static_cast<std::size_t>(nargs + nkw + 1));
  stack[0] = self;
  // NumPy reads our copies of the arguments' lists (snapshot_lists): a.resize(lst) with an item that empties lst.
  bool ok = true;
  for (Py_ssize_t i = 0; i < nargs + nkw; ++i) {
    stack[i + 1] = ok ? snapshot_lists(args[i]) : nullptr;
    ok = ok && stack[i + 1] != nullptr;
  }
  PyObject* r = ok ? PyObject_Vectorcall(method, stack.data(), static_cast<std::size_t>(nargs + 1), kwnames) : nullptr;
  for (Py_ssize_t i = 0; i < nargs + nkw; ++i) Py_XDECREF(stack[i + 1]);
  Py_DECREF(method);
  return r;
}
constexpr char kFill[] = "fill", kFillInstead[] = "use flopscope.numpy.full_like(a, value)";
constexpr char kPut[] = "put", kPutInstead[] = "build the result with flopscope.numpy.where";
constexpr char kResize[] = "resize", kResizeInstead[] = "use flopscope.numpy.resize(a, shape)";

// x.conj() / x.conjugate(): the counted conjugate ufunc, as np.conjugate(x).
PyObject* conjugate_method(PyObject* self, PyObject*) { return apply_unary(&Targets::conjugate, self); }

// x.compress(condition, axis=None, out=None): the counted compress(condition, x, ...), which takes
// the array second.
PyObject* compress_method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static PyObject* const compress = PyDict_GetItemString(state().exported_ops, "compress");  // borrowed, kept by the table
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if (compress == nullptr || nargs < 1 || nargs + nkw > 3) {
    PyErr_SetString(PyExc_TypeError, "compress: call it as x.compress(condition, axis=None, out=None)");
    return nullptr;
  }
  PyObject* stack[4];
  stack[0] = args[0];
  stack[1] = self;
  for (Py_ssize_t i = 1; i < nargs + nkw; ++i) stack[i + 1] = args[i];
  return counted_function_call(reinterpret_cast<CountedFunction*>(compress), stack, nargs + 1, kwnames);
}

#define FS_FASTCALL(fn) reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fn))
PyMethodDef array_methods[] = {
    {"conj", conjugate_method, METH_NOARGS, "The complex conjugate, counted as flopscope.numpy.conjugate(self)."},
    {"compress", FS_FASTCALL(compress_method), METH_FASTCALL | METH_KEYWORDS,
     "Counted as flopscope.numpy.compress(condition, self, axis, out)."},
    {"conjugate", conjugate_method, METH_NOARGS, "The complex conjugate, counted as flopscope.numpy.conjugate(self)."},
    {"fill", FS_FASTCALL((in_place_method<kFill, kFillInstead>)), METH_FASTCALL | METH_KEYWORDS, "ndarray.fill (refused under configure(immutable=True))."},
    {"put", FS_FASTCALL((in_place_method<kPut, kPutInstead>)), METH_FASTCALL | METH_KEYWORDS, "ndarray.put (refused under configure(immutable=True))."},
    {"resize", FS_FASTCALL((in_place_method<kResize, kResizeInstead>)), METH_FASTCALL | METH_KEYWORDS, "ndarray.resize (refused under configure(immutable=True))."},
    {"__array_ufunc__", FS_FASTCALL(array_ufunc), METH_FASTCALL | METH_KEYWORDS, "Counts NumPy ufuncs called on flopscope arrays."},
    {"__array_function__", FS_FASTCALL(array_function), METH_FASTCALL, "Counts NumPy functions called on flopscope arrays."},
    {nullptr, nullptr, 0, nullptr},
};
#undef FS_FASTCALL

void array_dealloc(PyObject* self) {
  PyTypeObject* tp = Py_TYPE(self);
  PyArray_Type.tp_dealloc(self);
  Py_DECREF(tp);  // instances of a heap type own a reference to it
}

PyType_Slot array_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(array_dealloc)},
    {Py_tp_repr, reinterpret_cast<void*>(array_repr)},
    {Py_tp_str, reinterpret_cast<void*>(array_str)},
    {Py_tp_richcompare, reinterpret_cast<void*>(richcompare)},
    {Py_tp_methods, array_methods},
    {Py_mp_subscript, reinterpret_cast<void*>(subscript)},
    {Py_mp_ass_subscript, reinterpret_cast<void*>(ass_subscript)},
    {Py_nb_add, reinterpret_cast<void*>(nb_add)},
    {Py_nb_subtract, reinterpret_cast<void*>(nb_subtract)},
    {Py_nb_multiply, reinterpret_cast<void*>(nb_multiply)},
    {Py_nb_true_divide, reinterpret_cast<void*>(nb_true_divide)},
    {Py_nb_floor_divide, reinterpret_cast<void*>(nb_floor_divide)},
    {Py_nb_remainder, reinterpret_cast<void*>(nb_remainder)},
    {Py_nb_power, reinterpret_cast<void*>(nb_power)},
    {Py_nb_divmod, reinterpret_cast<void*>(nb_divmod)},
    {Py_nb_matrix_multiply, reinterpret_cast<void*>(nb_matrix_multiply)},
    {Py_nb_lshift, reinterpret_cast<void*>(nb_lshift)},
    {Py_nb_rshift, reinterpret_cast<void*>(nb_rshift)},
    {Py_nb_and, reinterpret_cast<void*>(nb_and)},
    {Py_nb_or, reinterpret_cast<void*>(nb_or)},
    {Py_nb_xor, reinterpret_cast<void*>(nb_xor)},
    {Py_nb_inplace_add, reinterpret_cast<void*>(nb_inplace_add)},
    {Py_nb_inplace_subtract, reinterpret_cast<void*>(nb_inplace_subtract)},
    {Py_nb_inplace_multiply, reinterpret_cast<void*>(nb_inplace_multiply)},
    {Py_nb_inplace_true_divide, reinterpret_cast<void*>(nb_inplace_true_divide)},
    {Py_nb_inplace_floor_divide, reinterpret_cast<void*>(nb_inplace_floor_divide)},
    {Py_nb_inplace_remainder, reinterpret_cast<void*>(nb_inplace_remainder)},
    {Py_nb_inplace_power, reinterpret_cast<void*>(nb_inplace_power)},
    {Py_nb_inplace_matrix_multiply, reinterpret_cast<void*>(nb_inplace_matrix_multiply)},
    {Py_nb_inplace_lshift, reinterpret_cast<void*>(nb_inplace_lshift)},
    {Py_nb_inplace_rshift, reinterpret_cast<void*>(nb_inplace_rshift)},
    {Py_nb_inplace_and, reinterpret_cast<void*>(nb_inplace_and)},
    {Py_nb_inplace_or, reinterpret_cast<void*>(nb_inplace_or)},
    {Py_nb_inplace_xor, reinterpret_cast<void*>(nb_inplace_xor)},
    {Py_nb_negative, reinterpret_cast<void*>(nb_negative)},
    {Py_nb_positive, reinterpret_cast<void*>(nb_positive)},
    {Py_nb_absolute, reinterpret_cast<void*>(nb_absolute)},
    {Py_nb_invert, reinterpret_cast<void*>(nb_invert)},
    {Py_tp_doc, const_cast<char*>(
        "flopscope array: a numpy.ndarray whose arithmetic is FLOP-counted against the active budget.")},
    {0, nullptr},
};

PyType_Spec array_spec = {
    "flopscope.numpy.ndarray",
    0,  // ndarray's layout: results are adopted by re-typing
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    array_slots,
};

}  // namespace

bool init_array_type(PyObject* module) {
  PyObject* bases = PyTuple_Pack(1, reinterpret_cast<PyObject*>(&PyArray_Type));
  if (bases == nullptr) return false;
  auto* type = reinterpret_cast<PyTypeObject*>(PyType_FromSpecWithBases(&array_spec, bases));
  Py_DECREF(bases);
  if (type == nullptr) return false;
  // ndarray sets tp_hash to None-like behaviour; make ours explicit too.
  type->tp_hash = PyObject_HashNotImplemented;
  state().array_type = type;
  Py_INCREF(type);  // held for the life of the process by state()
  return PyModule_AddObject(module, "ndarray", reinterpret_cast<PyObject*>(type)) == 0;
}

}  // namespace flopscope::py
