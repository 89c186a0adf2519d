#include "counted_function.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "call_frame.hpp"
#include "symmetric.hpp"
#include "flopscope/formulas/core.hpp"
#include "arguments.hpp"
#include "call.hpp"
#include "flopscope/pricing.hpp"

namespace flopscope::py {

PyTypeObject* counted_function_type = nullptr;
PyTypeObject* counted_method_type = nullptr;
PyTypeObject* array_method_type = nullptr;

namespace {

constexpr int kMaxArgs = 64;

// The path priced for an einsum, as NumPy's optimize= reads it:
// ['einsum_path', (i, j), ...].
PyObject* path_to_list(const einsum::Path& path) {
  PyObject* list = PyList_New(0);
  if (list == nullptr) return nullptr;
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

// Owns a new reference until the call returns.
struct Holder {
  PyObject* o = nullptr;
  ~Holder() { Py_XDECREF(o); }
};

}  // namespace

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


namespace {

// What reading and pricing a call found (steps 1 and 2).
struct CallPrice {
  Priced priced;
  WriteFacts writes;
  std::string refusal;  // the core found no price for this call (a SignatureError it is not sure of)
};

// Steps 1 and 2 of a counted function call: read every argument once into
// the call's Signature (converting operands in `stack`), then price it in the
// core. False with an exception set for a call refused before anything runs.
bool read_and_price(CountedFunction* self, PyObject** stack, Py_ssize_t nargs, PyObject* kwnames, Call& call,
                    Operands& operands, CallFrame& frame, CallPrice* out) {
  const char* name = self->cname;
  if (!read_call(name, OpRegistry::instance().info(self->op), stack, nargs, kwnames, operands, call, frame))
    return false;
  if (frame.dtype_argument >= 0) call.bill_as_requested(frame.dtype_argument);
  const Profile& profile = call.profile();
  const Signature signature = frame.signature();
  try {
    out->priced = price(profile, self->op, signature);
    if (profile.bills_writes()) [[unlikely]] out->writes = write_facts(profile, self->op, signature);
    // Symmetric operands, or one array at two positions of a contraction (outer(g, g)).
    if (operands.tagged() ||
        (self->contraction && (frame.rest_objects.empty() ? sym::repeats(frame.objects(), 2)
                                                          : sym::repeats(frame.rest_objects.data(), frame.rest_objects.size()))))
        [[unlikely]]
      sym::price_row(profile, self->op, signature, frame.objects(), std::min<std::size_t>(frame.slots().size(), 2),
                     frame.rest_objects, operands.tagged(), &out->priced);
  } catch (const InvalidCall& e) {
    raise_value_error(name, e.what());  // NumPy refuses it too: nothing runs, nothing is charged
    return false;
  } catch (const SignatureError& e) {
    out->refusal = e.what();
  } catch (const CostOverflowError&) {
    raise_cost_overflow(name);
    return false;
  }
  if (out->priced.complex_exact >= 0) call.bill_complex_exactly(out->priced.complex_exact);
  if (out->writes.estimator_bins) call.note_estimator_bins();
  if (out->writes.edges_given) call.note_edges_given();
  if (out->writes.density_counts >= 0) call.note_density(out->writes.density_counts);
  return true;
}

// where(condition) is NumPy's asarray(condition).nonzero(): the counted
// nonzero prices and records it (as upstream does), not where's pointwise rule.
PyObject* where_alone(CountedFunction* self, Py_ssize_t nargs, PyObject* kwnames) {
  if (!self->where_alone || nargs != 1 || kwnames != nullptr || state().exported_ops == nullptr) return nullptr;
  return PyDict_GetItemString(state().exported_ops, "nonzero");  // borrowed
}

// Hands NumPy's einsum the path the core priced as optimize=: in place of
// the call's own optimize= (stack[nargs + j]), or added as a keyword
// (`*kwnames_out` then names one more; the stack has room for it).
bool hand_path(const einsum::Path& path, PyObject** stack, Py_ssize_t nargs, PyObject* kwnames, Holder* optimize,
               Holder* kwnames_plus, PyObject** kwnames_out) {
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if ((optimize->o = path_to_list(path)) == nullptr) return false;
  Py_ssize_t j = 0;
  while (j < nkw && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, j), "optimize") != 0) ++j;
  stack[nargs + j] = optimize->o;
  if (j < nkw) return true;
  static PyObject* const kOptimize = PyUnicode_InternFromString("optimize");
  if ((kwnames_plus->o = PyTuple_New(nkw + 1)) == nullptr) return false;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    Py_INCREF(PyTuple_GET_ITEM(kwnames, i));
    PyTuple_SET_ITEM(kwnames_plus->o, i, PyTuple_GET_ITEM(kwnames, i));
  }
  Py_INCREF(kOptimize);
  PyTuple_SET_ITEM(kwnames_plus->o, nkw, kOptimize);
  *kwnames_out = kwnames_plus->o;
  return true;
}

}  // namespace

bool refuses_in_place(CountedFunction* self) {
  if (!self->in_place || !state().immutable) return false;
  const std::string what = std::string("in-place ") + self->cname;
  const std::string instead = std::string("use flopscope.numpy.") + self->cname + "(a, ...) for a new array";
  raise_immutable(PyExc_ValueError, what.c_str(), instead.c_str());
  return true;
}

bool price_function_call(CountedFunction* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                         Flops* cost) {
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if (PyObject* nonzero = where_alone(self, nargs, kwnames))
    return price_function_call(reinterpret_cast<CountedFunction*>(nonzero), args, 1, nullptr, cost);
  if (refuses_in_place(self)) return false;
  if (nargs + nkw > kMaxArgs) {
    PyErr_Format(PyExc_TypeError, "%s(): too many arguments", self->cname);
    return false;
  }
  Call call(self->op, self->cname);
  Operands operands(self->cname);
  if (any_foreign(args, nargs + nkw)) operands.copy_lists();
  PyObject* stack[kMaxArgs];
  std::copy(args, args + nargs + nkw, stack);
  CallFrame frame;
  CallPrice p;
  if (!read_and_price(self, stack, nargs, kwnames, call, operands, frame, &p)) return false;
  if (!p.refusal.empty()) {
    raise_value_error(self->cname, p.refusal);
    return false;
  }
  if (p.writes.billed) {
    raise_value_error(self->cname, "under cost model '" + call.profile().name +
                                       "' it is billed by the elements it writes, known once it has run; "
                                       "run it inside a BudgetContext to see its charge");
    return false;
  }
  *cost = p.priced.cost;
  return call.billed(cost);
}

PyObject* counted_function_call(CountedFunction* self, PyObject* const* args, Py_ssize_t nargs,
                                PyObject* kwnames) {
  const char* name = self->cname;
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if (PyObject* nonzero = where_alone(self, nargs, kwnames)) return PyObject_Vectorcall(nonzero, args, 1, nullptr);
  if (nargs + nkw > kMaxArgs) {
    PyErr_Format(PyExc_TypeError, "%s(): too many arguments", name);
    return nullptr;
  }
  Call call(self->op, name);
  // A counted method's receiver (args[0]) is our own object (e.g. the NumPy Generator).
  const Py_ssize_t first = Py_TYPE(self) == counted_method_type ? 1 : 0;
  const bool foreign = any_foreign(args + first, nargs + nkw - first);
  if (foreign) call.book_time_as_residual();
  Operands operands(name);
  if (foreign) operands.copy_lists();
  PyObject* stack[kMaxArgs + 1];  // + room for an added optimize=
  std::copy(args, args + nargs + nkw, stack);
  if (self->writes_argument && sym::tensor_type != nullptr) [[unlikely]]
    sym::void_written(self->op, args, nargs, self->in_place);  // fill_diagonal(S, ...), S.sort(), shuffle(S), ...

  // 1. Read: every argument once, into the call's Signature. 2. Price (the core).
  CallFrame frame;
  CallPrice p;
  if (!read_and_price(self, stack, nargs, kwnames, call, operands, frame, &p)) return nullptr;
  const Priced& priced = p.priced;
  const WriteFacts& writes = p.writes;
  const std::string& refusal = p.refusal;
  const Profile& profile = call.profile();
  const Signature signature = frame.signature();

  // What NumPy is handed: plain arrays; einsum the path priced.
  Holder optimize, kwnames_plus;
  PyObject* call_kwnames = kwnames;
  if (priced.run_path && !hand_path(priced.path, stack, nargs, kwnames, &optimize, &kwnames_plus, &call_kwnames))
    return nullptr;
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
  if (self->fast_reduce != nullptr && nkw == 0 && nargs <= 2 && PyArray_CheckExact(stack[0])) {
    reduce_stack[0] = stack[0];
    reduce_stack[1] = nargs == 2 ? stack[1] : Py_None;
    reduce_stack[2] = Py_Ellipsis;
    call_args = reduce_stack;
    call_nargs = 2;
    target = self->fast_reduce;
    if (reduce_returns_arrays(target)) call_kwnames = out_ellipsis_kwnames();
  }
  if (!operands.shapes_unchanged()) return operands.raise_shape_changed();
  if (operands.refuses_object_arithmetic(args, nargs)) return nullptr;  // positional operands (not out=)
  if (!refusal.empty()) {
    if (pricing_now() != nullptr) return raise_value_error(name, refusal);  // NumPy never runs
    // NumPy gives its own refusal (its exception type, nothing charged); if
    // NumPy would run the call, the result is dropped and the call refused,
    // so that no work is free.
    PyObject* r = PyObject_Vectorcall(target, call_args, call_nargs, call_kwnames);
    if (r == nullptr) return nullptr;
    Py_DECREF(r);
    return raise_value_error(name, refusal);
  }
  // An op the profile meters by what it writes (writes.<op>) is billed for it
  // once NumPy has run (Call::charge_writes); a price query cannot know it.
  if (writes.billed && pricing_now() != nullptr) [[unlikely]]
    return raise_value_error(name, "under cost model '" + profile.name +
                                       "' it is billed by the elements it writes, known once it has run; "
                                       "run it inside a BudgetContext to see its charge");

  // 3. Meter, 4. NumPy, 5. record.
  const Call::Writes billed_writes{call_nargs > 0 ? call_args[0] : nullptr, call_nargs > 1 ? call_args[1] : nullptr};
  const bool tagged = operands.tagged();
  PyObject* result = call.run(
      priced.cost, operands, [&] { return PyObject_Vectorcall(target, call_args, call_nargs, call_kwnames); },
      writes.billed ? &billed_writes : nullptr, [&](PyObject* wrapped) {
        if (priced.result_symmetry == 0 && !tagged && !profile.symmetry_creation &&
            (nargs == 0 || !sym::is_tensor(args[0]))) [[likely]]
          return wrapped;
        return sym::tag_row_result(profile, self->op, wrapped, priced.result_symmetry, tagged, args, nargs, kwnames);
      });
  if (tagged && priced.result_symmetry == 0 && self->reduction) [[unlikely]] {
    const OperandShape input{static_cast<int>(signature[0].ints.size()),
                             reinterpret_cast<const npy_intp*>(signature[0].ints.data()),
                             signature[0].dtype >= 0 ? signature[0].dtype : NPY_NOTYPE, signature[0].symmetry,
                             signature[0].weak};
    return sym::warn_lost(result, &input, 1, name, true);
  }
  return result;
}

namespace {

PyObject* function_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  if (refuses_in_place(reinterpret_cast<CountedFunction*>(self))) [[unlikely]] return nullptr;
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
  if (info.rule != CostRule::Free && !info.priced()) {
    PyErr_Format(PyExc_RuntimeError, "flopscope: %s has cost rule %s but no formula", name,
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
  f->where_alone = info.name == "where";
  f->contraction = sym::is_contraction(op);
  f->reduction = info.pricer == formulas::core::reduction || info.pricer == formulas::core::deviation;
  f->in_place = binding == Binding::ArrayMethod && (info.name == "sort" || info.name == "partition");
  const symmetry::Role role = symmetry::role(op).role;
  f->writes_argument = f->in_place || role == symmetry::Role::WritesFirst || role == symmetry::Role::WritesSecond;
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
