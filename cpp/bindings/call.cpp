#include "call.hpp"

#include <algorithm>

namespace flopscope::py {

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

void raise_cost_overflow(const char* op) {
  PyErr_Format(PyExc_OverflowError,
               "%s: the FLOP cost of this call does not fit in a signed 64-bit integer; "
               "split the computation into smaller pieces.",
               op);
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

int dtype_number(PyObject* o) {
  if (!PyArray_DescrCheck(o) && !PyType_Check(o) && !PyUnicode_Check(o)) return -1;  // no user code run
  PyArray_Descr* descr = nullptr;
  if (PyArray_DescrConverter2(o, &descr) != NPY_SUCCEED || descr == nullptr) {
    PyErr_Clear();
    return -1;
  }
  const int type_num = descr->type_num;
  Py_DECREF(descr);
  return type_num;
}

void Call::bill_as_requested(int type_num) {
  if (!reads_dtype_argument(profile())) return;
  requested_ = dtype::from_type_num(type_num);
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
  // The facts this call noted; the policy is the core's (cost::billed_for_dtypes).
  cost::CallDtypes::Operand operands[kMaxNoted];
  for (int i = 0; i < n_noted_; ++i)
    operands[i] = {noted_[i]->type_num != NPY_NOTYPE ? dtype::from_type_num(noted_[i]->type_num) : dtype::Dtype{},
                   noted_[i]->weak};
  dtype::Dtype outs[kMaxNoted];
  for (int i = 0; i < n_out_types_; ++i) outs[i] = dtype::from_type_num(out_types_[i]);
  cost::CallDtypes facts;
  facts.operands = {operands, static_cast<std::size_t>(n_noted_)};
  facts.n_inputs = std::min(n_inputs_, n_noted_);
  facts.outs = {outs, static_cast<std::size_t>(n_out_types_)};
  facts.beyond = beyond_;
  facts.beyond_weak = beyond_weak_;
  facts.all_listed = beyond_.kind == 0 && beyond_weak_ == dtype::Weak::None;
  facts.requested = requested_;
  facts.complex_exact = complex_cost_;
  try {
    *cost = cost::billed_for_dtypes(prof, op_, *cost, facts);
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
  } else if (PyArray_IsScalar(obj, Generic)) {  // a NumPy scalar result (take(x, 1)): one element
    PyArray_Descr* d = PyArray_DescrFromScalar(obj);
    if (d == nullptr) return false;
    *elements += 1;
    if (!*typed) *type = dtype::from_type_num(d->type_num);
    *typed = true;
    Py_DECREF(d);
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

// The dtype a conversion (astype, asarray: dtype_argument.<op> heavier) reads
// its source as: an array's own, a Python scalar's or a sequence's as
// np.asarray makes it. False when the source's dtype cannot be read without
// running participant code.
bool conversion_source(PyObject* first, dtype::Dtype* source) {
  if (first == nullptr) return false;
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
  Flops elements = 0;
  dtype::Dtype types[1];
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
  // The facts; the bill is the core's (cost::written_billed).
  cost::WrittenFacts facts;
  facts.elements = elements;
  if (typed) facts.counted = types[0];
  facts.counted_is_result = counted == result;
  auto array_dtype = [](PyObject* o) {
    return dtype::from_type_num(PyArray_TYPE(reinterpret_cast<PyArrayObject*>(o)));
  };
  if (first != nullptr && PyArray_Check(first)) {
    facts.first = array_dtype(first);
    facts.samples = PyArray_SIZE(reinterpret_cast<PyArrayObject*>(first));
  } else if (first != nullptr && (PyTuple_Check(first) || PyList_Check(first))) {
    facts.first_sequence = true;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(first); ++i) {
      PyObject* item = PySequence_Fast_GET_ITEM(first, i);
      if (!PyArray_Check(item)) continue;
      facts.sequence = facts.sequence.kind == 0 ? array_dtype(item) : dtype::promote(facts.sequence, array_dtype(item));
    }
  }
  if (second != nullptr && PyArray_Check(second)) {
    facts.second = array_dtype(second);
  } else if (const dtype::Weak w = second != nullptr ? python_scalar_kind(second) : dtype::Weak::None;
             w != dtype::Weak::None) {
    facts.second = dtype::result_type({}, {&w, 1});  // the array np.asarray makes of it
  }
  if (typed && counted == result && cost::written_reads_source(prof, op_)) conversion_source(first, &facts.source);
  dtype::Dtype outs[kMaxNoted];
  for (int i = 0; i < n_out_types_; ++i) outs[i] = dtype::from_type_num(out_types_[i]);
  facts.outs = {outs, static_cast<std::size_t>(n_out_types_)};
  facts.requested = requested_;
  facts.estimator_bins = estimator_bins_;
  facts.edges_given = edges_given_;
  facts.density_counts = density_counts_;
  if (ok) {
    try {
      cost = cost::written_billed(prof, op_, facts);
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
               "%s: flopscope arrays are immutable (as on the grader's upstream flopscope: the default of the "
               "flopscope-0.12 cost model, or flopscope.configure(immutable=True); "
               "flopscope.configure(immutable=False) lifts it); %s",
               what, instead);
  return nullptr;
}

}  // namespace flopscope::py
