#include "dispatch.hpp"
#include "symmetric.hpp"

#include <algorithm>
#include <cstring>

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

// The NEP 50 kind of a Python number (None for anything else). Reads types only.
dtype::Weak python_scalar_kind(PyObject* o) {
  if (PyBool_Check(o)) return dtype::Weak::Bool;
  if (PyLong_Check(o)) return dtype::Weak::Int;
  if (PyFloat_Check(o)) return dtype::Weak::Float;
  if (PyComplex_Check(o)) return dtype::Weak::Complex;
  return dtype::Weak::None;
}

}  // namespace

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

namespace {

// Raises `type(op, **kwargs)` (steals kwargs); RuntimeError(fallback) before
// the Python package has registered its exception classes.
void raise_keyword_error(PyObject* type, const char* op, PyObject* kwargs, const char* fallback) {
  if (type == nullptr) {
    Py_XDECREF(kwargs);
    PyErr_Format(PyExc_RuntimeError, "%s: %s", op, fallback);
    return;
  }
  PyObject* args = Py_BuildValue("(s)", op);
  if (args && kwargs) {
    PyObject* exc = PyObject_Call(type, args, kwargs);
    if (exc) {
      PyErr_SetObject(type, exc);
      Py_DECREF(exc);
    }
  }
  Py_XDECREF(args);
  Py_XDECREF(kwargs);
}

}  // namespace

void raise_budget_exhausted(const char* op, Flops cost, const Meter& meter) {
  raise_keyword_error(state().budget_error, op,
                      Py_BuildValue("{s:L,s:L}", "flop_cost", static_cast<long long>(cost), "flops_remaining",
                                    static_cast<long long>(meter.flops_remaining())),
                      "FLOP budget exhausted");
}

void raise_time_exhausted(const char* op, const Meter& meter) {
  raise_keyword_error(state().time_error, op,
                      Py_BuildValue("{s:d,s:d}", "elapsed_s", meter.elapsed_s(), "limit_s", meter.wall_time_limit_s()),
                      "wall-clock time limit exceeded");
}

void raise_time_outrun(const char* op, Flops cost, const Meter& meter) {
  raise_keyword_error(state().time_error, op,
                      Py_BuildValue("{s:d,s:d,s:L}", "elapsed_s", meter.elapsed_s(), "limit_s",
                                    meter.wall_time_limit_s(), "flop_cost", static_cast<long long>(cost)),
                      "the call cannot finish within the wall-clock time limit");
}

PyObject* priced_signal() {
  // BaseException: no `except Exception` in between can swallow it (there is
  // no Python between admit() and price_call anyway).
  static PyObject* const type = PyErr_NewException("flopscope._core._Priced", PyExc_BaseException, nullptr);
  return type;
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

void raise_cost_overflow(const char* op) {
  PyErr_Format(PyExc_OverflowError,
               "%s: the FLOP cost of this call does not fit in a signed 64-bit integer; "
               "split the computation into smaller pieces.",
               op);
}

PyObject* find_kwarg(PyObject* kwnames, PyObject* const* args, Py_ssize_t nargs, const char* name) {
  if (kwnames == nullptr) return nullptr;
  Py_ssize_t n = PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), name) == 0) return args[nargs + i];
  }
  return nullptr;
}

bool Call::failed_after_work() const {
  if (PyErr_ExceptionMatches(PyExc_FloatingPointError) || PyErr_ExceptionMatches(PyExc_Warning)) return true;
  return hooks_at_entry_ || hooks::armed() || hooks::armed_slow();
}

bool Call::ran_long_with_hooks(clock::Ticks t2) const {
  static const clock::Ticks long_call = clock::from_seconds(hooks::kSlowCheckAfterSeconds);
  if (t2 - t0_ < long_call) [[likely]]
    return false;
  return hooks::armed() || hooks::armed_slow();
}

PyObject* Call::finish_slow(PyObject* result, clock::Ticks t2) {
  if (result != nullptr && meter_->recording()) {
    std::vector<std::vector<std::int64_t>> shapes;
    for (int i = 0; i < n_noted_; ++i) shapes.emplace_back(noted_[i]->dims, noted_[i]->dims + noted_[i]->ndim);
    meter_->record(op_, cost_, t0_, t2 - t1_, t1_ - t0_, std::move(shapes));
  }
  if (result != nullptr && state().result_check != nullptr) {
    PyObject* ok = PyObject_CallFunction(state().result_check, "sO", name_, result);
    if (ok == nullptr) Py_CLEAR(result);
    Py_XDECREF(ok);
  }
  const clock::Ticks t3 = clock::now();
  meter_->add_time(op_, 0, t3 - t2);
  if (result != nullptr && meter_->deadline_passed(t3)) {
    Py_DECREF(result);
    raise_time_exhausted(name_, *meter_);
    return nullptr;
  }
  return result;
}

PyObject* argument(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, int i, const char* kw) {
  if (i < nargs) return args[i];
  return kw ? find_kwarg(kwnames, args, nargs, kw) : nullptr;
}

bool read_axis(const char* op, int ndim, PyObject* axis, long fallback, int* out) {
  long v = axis != nullptr ? PyLong_AsLong(axis) : fallback;
  if (v == -1 && PyErr_Occurred()) return false;
  if (v < -ndim || v >= ndim) {
    PyErr_Format(PyExc_ValueError, "%s: axis %ld is out of bounds for an array of dimension %d", op, v, ndim);
    return false;
  }
  *out = static_cast<int>(v < 0 ? v + ndim : v);
  return true;
}

bool reduced_numel(const char* op, const OperandShape& shape, PyObject* axis, Flops* out) {
  // A 0-d operand reduces to one element whatever the axis; NumPy accepts
  // axis 0 / -1 there and refuses the rest itself (the charge is then refunded).
  if (axis == nullptr || axis == Py_None || shape.ndim == 0) {
    *out = 1;
    return true;
  }
  std::vector<int> axes;
  auto add_axis = [&](PyObject* item) {
    int a;
    if (!read_axis(op, shape.ndim, item, 0, &a)) return false;
    axes.push_back(a);
    return true;
  };
  if (PyTuple_Check(axis)) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(axis); ++i)
      if (!add_axis(PyTuple_GET_ITEM(axis, i))) return false;
  } else if (!add_axis(axis)) {
    return false;
  }
  *out = cost::kept_numel(shape.span(), axes);
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

void Call::read_dtype_argument(PyObject* dtype) {
  if (dtype == nullptr || dtype == Py_None) return;
  switch (profile().dtype_argument(op_)) {
    case Profile::DtypeArgument::Heavier: return;  // the writes bill the result's dtype and the source's
    case Profile::DtypeArgument::Ignored: dtype_ignored_ = true; return;  // the operands' dtypes, not the result's
    case Profile::DtypeArgument::Billed: break;
  }
  PyArray_Descr* descr = nullptr;
  if (!PyArray_DescrCheck(dtype) && !PyType_Check(dtype) && !PyUnicode_Check(dtype)) return;  // no user code run
  if (PyArray_DescrConverter2(dtype, &descr) != NPY_SUCCEED || descr == nullptr) {
    PyErr_Clear();
    return;
  }
  billed_as_ = dtype::from_type_num(descr->type_num);
  Py_DECREF(descr);
}

void Call::note_beyond(const OperandShape& shape) {
  if (shape.type_num != NPY_NOTYPE) {
    const dtype::Dtype d = dtype::from_type_num(shape.type_num);
    beyond_ = beyond_.kind == 0 ? d : dtype::promote(beyond_, d);
  } else {
    beyond_weak_ = std::max(beyond_weak_, shape.weak);  // None < Bool < Int < Float < Complex
  }
}

bool Call::bill_dtype(const Profile& prof, Flops* cost) const {
  dtype::Dtype arrays[2 * kMaxNoted + 1];
  dtype::Weak weak[kMaxNoted + 1];
  std::size_t n_arrays = 0, n_weak = 0;
  const bool strong = prof.strong_scalars(op_);
  // A dtype-aware profile counts out= buffers (spec 2.3: they can raise the
  // rate); a dtype-blind one (primer) prices the arithmetic NumPy runs, which
  // its inputs choose: multiply(x, y, out=z) of float64 inputs runs the float64
  // loop whatever z is, so a complex z does not make the call complex.
  const bool outs = prof.dtype_aware();
  const int limit = outs ? prof.billed_operands(op_) : std::min(n_inputs_, n_noted_);
  const int n_billed = limit > 0 ? std::min(limit, n_noted_) : n_noted_;
  for (int i = 0; outs && i < n_out_types_; ++i) arrays[n_arrays++] = dtype::from_type_num(out_types_[i]);
  for (int i = 0; i < n_billed; ++i) {
    const OperandShape& s = *noted_[i];
    if (s.type_num != NPY_NOTYPE)
      arrays[n_arrays++] = dtype::from_type_num(s.type_num);
    else if (strong)  // the array np.asarray would make of the scalar
      arrays[n_arrays++] = dtype::result_type({}, {&s.weak, 1});
    else
      weak[n_weak++] = s.weak;
  }
  if (limit == 0 || limit >= kMaxNoted) {  // the operands past kMaxNoted (note_beyond)
    if (beyond_.kind != 0) arrays[n_arrays++] = beyond_;
    if (beyond_weak_ != dtype::Weak::None) {
      if (strong)
        arrays[n_arrays++] = dtype::result_type({}, {&beyond_weak_, 1});
      else
        weak[n_weak++] = beyond_weak_;
    }
  }
  Flops complex_cost = complex_cost_;
  if (prof.complex_factor_needs_one_dtype(op_)) {  // the same count at the rate alone unless one dtype throughout
    const int n_inputs = std::min(n_inputs_, n_noted_);
    bool one_dtype = n_inputs > 0;
    for (int i = 0; i < n_inputs; ++i)
      one_dtype = one_dtype && noted_[i]->type_num != NPY_NOTYPE && noted_[i]->type_num == noted_[0]->type_num;
    if (!one_dtype) complex_cost = *cost;
  }
  try {
    *cost = billed_as_.kind != 0
                ? cost::dtype_billed_exactly(prof, op_, *cost, billed_as_, complex_cost)  // dtype=: as asked
                : cost::dtype_billed(prof, op_, *cost, {arrays, n_arrays}, {weak, n_weak}, complex_cost);
  } catch (const CostOverflowError&) {
    raise_cost_overflow(name_);
    return false;
  }
  return true;
}

namespace {
// Elements and dtype of what a writing op produced: an array, or a tuple or
// list of arrays (meshgrid, broadcast_arrays; `first_only`: the first of
// them); anything else writes nothing. `nonzero`: only the nonzero elements.
// False (exception set) if NumPy cannot count them.
bool written(PyObject* obj, bool first_only, bool nonzero, Flops* elements, dtype::Dtype* type, bool* typed) {
  if (PyArray_Check(obj)) {
    auto* a = reinterpret_cast<PyArrayObject*>(obj);
    const npy_intp n = nonzero ? PyArray_CountNonzero(a) : PyArray_SIZE(a);
    if (n < 0) return false;
    *elements += n;
    if (!*typed) *type = dtype::from_type_num(PyArray_TYPE(a));
    *typed = true;
  } else if (PyTuple_Check(obj) || PyList_Check(obj)) {
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* item = PySequence_Fast_GET_ITEM(obj, i);
      if (!PyArray_Check(item)) continue;
      if (!written(item, false, nonzero, elements, type, typed)) return false;
      if (first_only) break;
    }
  }
  return true;
}

// The indices an index operand names: an array's elements, a (nested) list's or
// tuple's items, one for anything else (a Python int); -1 on a Python error.
Flops index_count(PyObject* obj) {
  if (PyArray_Check(obj)) return PyArray_SIZE(reinterpret_cast<PyArrayObject*>(obj));
  if (!PyList_Check(obj) && !PyTuple_Check(obj)) return 1;
  Flops n = 0;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(obj); ++i) {
    const Flops k = index_count(PySequence_Fast_GET_ITEM(obj, i));
    if (k < 0) return -1;
    n += k;
  }
  return n;
}

// The dtype a conversion (dtype_argument.<op> heavier: astype, asarray) reads
// its source as: an array's own, a Python scalar's or a sequence's as
// np.asarray makes it. False when the op is no such conversion or the source's
// dtype cannot be read without running participant code.
bool conversion_source(const Profile& prof, OpId op, PyObject* first, dtype::Dtype* source) {
  if (first == nullptr || !prof.dtype_argument_heavier(op)) return false;
  if (PyArray_Check(first)) {
    *source = dtype::from_type_num(PyArray_TYPE(reinterpret_cast<PyArrayObject*>(first)));
    return true;
  }
  if (const dtype::Weak w = python_scalar_kind(first); w != dtype::Weak::None) {
    *source = dtype::result_type({}, {&w, 1});  // np.asarray(0.5) is float64, np.asarray(2) int64
    return true;
  }
  if (PyList_Check(first) || PyTuple_Check(first)) {
    const int type_num = PyArray_ObjectType(first, NPY_NOTYPE);
    if (type_num == NPY_NOTYPE || PyErr_Occurred()) {
      PyErr_Clear();
      return false;
    }
    *source = dtype::from_type_num(type_num);
    return true;
  }
  return false;
}

// The array that owns `a`'s memory (NumPy collapses a view's base to it; our
// operands' plain views add one more step).
PyObject* memory_owner(PyObject* a) {
  while (PyArray_Check(a)) {
    PyObject* base = PyArray_BASE(reinterpret_cast<PyArrayObject*>(a));
    if (base == nullptr || !PyArray_Check(base)) break;
    a = base;
  }
  return a;
}

// True when `result` is `first` or a view of the same memory.
bool is_input_or_view(PyObject* result, PyObject* first) {
  if (result == first) return true;
  if (first == nullptr || !PyArray_Check(result) || !PyArray_Check(first)) return false;
  return memory_owner(result) == memory_owner(first);
}
}  // namespace

PyObject* Call::charge_writes(PyObject* result, PyObject* first, PyObject* second) {
  const Profile& prof = profile();
  const Profile::WriteRule& rule = prof.write_rule(op_);
  if (rule.new_only && is_input_or_view(result, first)) return result;  // no new buffer
  using W = Profile::Written;
  PyObject* counted = rule.counted == W::Input || rule.counted == W::Diagonal || (result == Py_None && first != nullptr)
                          ? first
                          : rule.counted == W::SecondInput ? second : result;
  if (rule.counted == W::Edges && (PyTuple_Check(result) || PyList_Check(result))) {  // histogram's (hist, edges)
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(result);
    counted = n > 0 ? PySequence_Fast_GET_ITEM(result, n - 1) : nullptr;
  }
  if (rule.counted == W::Rows && result == Py_None && (first == nullptr || !PyArray_Check(first)))
    counted = second;  // Generator.shuffle(x): `first` is the generator the method is bound to
  const OpId billed = rule.as_op >= 0 ? rule.as_op : op_;  // writes.<op> ... as OP
  Flops elements = 0;
  dtype::Dtype types[3];
  bool typed = false;
  Flops cost = 0;
  bool ok = true;
  if (rule.counted == W::Diagonal && counted != nullptr && PyArray_Check(counted)) {
    // The diagonal of the (..., m, n) array: min of its extents (NumPy's fill_diagonal needs equal
    // extents beyond 2-d, and without wrap= writes min(m, n) entries of a 2-d one).
    auto* a = reinterpret_cast<PyArrayObject*>(counted);
    elements = PyArray_NDIM(a) == 0 ? 0 : *std::min_element(PyArray_DIMS(a), PyArray_DIMS(a) + PyArray_NDIM(a));
    types[0] = dtype::from_type_num(PyArray_TYPE(a));
    typed = true;
  } else if (rule.counted == W::Rows && counted != nullptr && PyArray_Check(counted)) {
    auto* a = reinterpret_cast<PyArrayObject*>(counted);  // a permutation moves its first axis's items
    elements = PyArray_NDIM(a) == 0 ? 1 : PyArray_DIM(a, 0);
    types[0] = dtype::from_type_num(PyArray_TYPE(a));
    typed = true;
  } else if (rule.counted == W::Indices) {
    // put / put_along_axis: one write per index given (NumPy writes through each), at the destination's dtype.
    elements = second == nullptr ? 0 : index_count(second);
    if (elements < 0) {
      ok = false;
      elements = 0;
    }
    if (first != nullptr && PyArray_Check(first)) {
      types[0] = dtype::from_type_num(PyArray_TYPE(reinterpret_cast<PyArrayObject*>(first)));
      typed = true;
    }
  } else if (counted != nullptr) {
    ok = written(counted, rule.counted == W::FirstOutput, rule.counted == W::Nonzero, &elements, &types[0], &typed);
  }
  std::size_t n_types = typed ? 1 : 0;
  // The written elements bill at their dtype and the input's (not extract's
  // first operand, its condition), except where dtype= chose the result's
  // dtype (array(x, dtype=...), ones_like, linspace) or the rule says otherwise.
  // Where the profile ignores the op's dtype= (the joins), the result's dtype
  // gives way to the input arrays' (a sequence's, promoted) and out='s.
  using D = Profile::WriteRule::Dtypes;
  const bool dtype_chosen = billed_as_.kind != 0 && counted == result;
  if (dtype_ignored_ && counted == result && first != nullptr && (PyTuple_Check(first) || PyList_Check(first))) {
    n_types = 0;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(first); ++i) {
      PyObject* item = PySequence_Fast_GET_ITEM(first, i);
      if (!PyArray_Check(item)) continue;
      const dtype::Dtype d = dtype::from_type_num(PyArray_TYPE(reinterpret_cast<PyArrayObject*>(item)));
      types[0] = n_types == 0 ? d : dtype::promote(types[0], d);
      n_types = 1;
    }
    for (int i = 0; i < n_out_types_ && n_types > 0; ++i) types[0] = dtype::promote(types[0], dtype::from_type_num(out_types_[i]));
  } else if (dtype_ignored_ && counted == result && first != nullptr && PyArray_Check(first)) {
    n_types = 0;
    for (int i = 0; i < n_out_types_ && n_types < 2; ++i) types[n_types++] = dtype::from_type_num(out_types_[i]);
  }
  if (first != nullptr && PyArray_Check(first) && rule.counted != W::SecondInput && !dtype_chosen &&
      rule.dtypes != D::Own)
    types[n_types++] = dtype::from_type_num(PyArray_TYPE(reinterpret_cast<PyArrayObject*>(first)));
  if (rule.dtypes == D::WithSource && second != nullptr) {
    if (PyArray_Check(second)) {
      types[n_types++] = dtype::from_type_num(PyArray_TYPE(reinterpret_cast<PyArrayObject*>(second)));
    } else if (const dtype::Weak w = python_scalar_kind(second); w != dtype::Weak::None) {
      types[n_types++] = dtype::result_type({}, {&w, 1});  // the array np.asarray makes of it
    }
  }
  if (ok) {
    try {
      dtype::Dtype source;
      if (!edges_given_ && counted == result && typed && conversion_source(prof, op_, first, &source)) {
        cost = cost::conversion_billed(prof, billed, cost::writes(prof, op_, elements), source, types[0]);
      } else if (!edges_given_) {
        cost = cost::dtype_billed(prof, billed, cost::writes(prof, op_, elements), {types, n_types}, {});
      }
      if (rule.searched && estimator_bins_ && first != nullptr && PyArray_Check(first) && elements > 0) {
        // One binary search per sample over the bins the estimator resolved (the edges less one).
        auto* samples = reinterpret_cast<PyArrayObject*>(first);
        const dtype::Dtype sample_type = dtype::from_type_num(PyArray_TYPE(samples));
        cost = checked_add(cost, cost::dtype_billed(prof, op_, cost::search(prof, op_, PyArray_SIZE(samples), elements - 1),
                                                    {&sample_type, 1}, {}));
      }
      if (rule.density && density_counts_ >= 0 && typed && elements > 1)
        cost = checked_add(cost, cost::histogram_density(prof, elements - 1, types[0],
                                                         dtype::from_type_num(density_counts_)));
    } catch (const CostOverflowError&) {
      raise_cost_overflow(name_);
      ok = false;
    }
  }
  if (ok && !meter_->can_afford(cost)) {
    raise_budget_exhausted(name_, cost, *meter_);
    ok = false;
  }
  if (!ok) {  // nothing charged, the result dropped
    Py_DECREF(result);
    meter_->refund(op_, cost_);
    return nullptr;
  }
  meter_->charge_more(op_, cost);
  cost_ += cost;
  return result;
}

PyObject* raise_immutable(PyObject* type, const char* what, const char* instead) {
  PyErr_Format(type,
               "%s: flopscope arrays are immutable under flopscope.configure(immutable=True) (as the grader's "
               "upstream flopscope); %s",
               what, instead);
  return nullptr;
}

}  // namespace flopscope::py
