// flopscope._core: builds the counted surface (ufuncs, functions, the array
// type) and binds the meter for the Python package. Marshalling only: prices
// come from the core.
#define FLOPSCOPE_IMPORT_ARRAY
#include "numpy_api.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "array_type.hpp"
#include "call_frame.hpp"
#include "counted_function.hpp"
#include "counted_ufunc.hpp"
#include "direct_loop.hpp"
#include "arguments.hpp"
#include "call.hpp"
#include "hooks.hpp"
#include "symmetric.hpp"
#include "flopscope/clock.hpp"
#include "flopscope/cost_model.hpp"
#include "flopscope/formulas/core.hpp"
#include "flopscope/einsum.hpp"
#include "flopscope/meter.hpp"
#include "flopscope/special.hpp"
#ifdef FLOPSCOPE_HAVE_SAMPLER_PRICING
#include "flopscope_sampler/sampler.hpp"
#endif

namespace nb = nanobind;
using namespace flopscope;

namespace flopscope::py {
bool resolve_targets();
void bind_sandbox_server(nb::module_& m);  // sandbox_server.cpp
}  // namespace flopscope::py

namespace {

// f applied to every element of x read as float64: a new float64 array of x's
// shape (flopscope.stats' special functions; the caller has priced the call).
template <double (*f)(double)>
PyObject* elementwise_f64(PyObject* x) {
  // NumPy converts our copy of x's lists (py::snapshot_lists): an item's __float__ may empty the list.
  PyObject* safe = py::snapshot_lists(x);
  if (safe == nullptr) return nullptr;
  PyObject* in = PyArray_FROMANY(safe, NPY_DOUBLE, 0, 0, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST);
  Py_DECREF(safe);
  if (in == nullptr) return nullptr;
  auto* a = reinterpret_cast<PyArrayObject*>(in);
  PyObject* out = PyArray_SimpleNew(PyArray_NDIM(a), PyArray_DIMS(a), NPY_DOUBLE);
  if (out != nullptr) {
    const double* src = static_cast<const double*>(PyArray_DATA(a));
    double* dst = static_cast<double*>(PyArray_DATA(reinterpret_cast<PyArrayObject*>(out)));
    const npy_intp n = PyArray_SIZE(a);
    Py_BEGIN_ALLOW_THREADS
    for (npy_intp i = 0; i < n; ++i) dst[i] = f(src[i]);
    Py_END_ALLOW_THREADS
  }
  Py_DECREF(in);
  return out;
}

bool routes_sealed = false;  // route_numpy is refused once flopscope is imported

// How parse_slots spells a slot's kind (op_rows shows the slots as written).
const char* slot_prefix(Slot::Kind kind) {
  switch (kind) {
    case Slot::Kind::Operand: return "&";
    case Slot::Kind::Operands: return "&*";
    case Slot::Kind::Rest: return "&+";
    case Slot::Kind::RestValues: return "#+";
    case Slot::Kind::IntTable: return "#";
    case Slot::Kind::Path: return "@";
    case Slot::Kind::Param:
    case Slot::Kind::Out:     // named "out"
    case Slot::Kind::Dtype: break;  // named "dtype"
  }
  return "";
}

// NumPy's free query functions that may run on our arrays as they are.
constexpr const char* kPassthrough[] = {"shape", "ndim", "size", "result_type", "can_cast", "min_scalar_type",
                                        "iscomplexobj", "isrealobj", "may_share_memory", "shares_memory"};

// NumPy's object for a dotted op name ("linalg.solve"), or an invalid object
// when NumPy has none (ops flopscope implements itself are bound from Python).
nb::object numpy_attribute(nb::handle np, const std::string& dotted) {
  nb::object obj = nb::borrow(np);
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t end = dotted.find('.', start);
    if (end == std::string::npos) end = dotted.size();
    const std::string part = dotted.substr(start, end - start);
    if (!nb::hasattr(obj, part.c_str())) return nb::object();
    obj = obj.attr(part.c_str());
    start = end + 1;
  }
  return obj;
}

// Builds every counted op: all ufuncs of NumPy's namespace and the op table's functions.
void build_surface(nb::module_& m) {
  PyObject* numpy = PyImport_ImportModule("numpy");
  if (numpy == nullptr) throw nb::python_error();
  nb::object np = nb::steal(numpy);
  nb::dict exported, ufunc_table, function_table;
  nb::object ufunc_type = np.attr("ufunc");

  // Ufuncs, one counted object per NumPy ufunc, exported under every alias.
  for (nb::handle name : nb::borrow<nb::list>(np.attr("__dir__")())) {
    nb::object obj = nb::steal(PyObject_GetAttr(numpy, name.ptr()));
    if (!obj.is_valid()) {
      PyErr_Clear();
      continue;
    }
    if (!nb::isinstance(obj, ufunc_type)) continue;
    std::string canonical = nb::cast<std::string>(obj.attr("__name__"));
    if (canonical == "isnat") continue;  // datetime only: never numeric
    PyObject* counted = PyDict_GetItem(ufunc_table.ptr(), obj.ptr());
    if (counted == nullptr) {
      nb::object made = nb::steal(py::make_counted_ufunc(obj.ptr(), canonical.c_str(), /*numpy_own=*/true));
      if (!made.is_valid()) throw nb::python_error();
      ufunc_table[obj] = made;
      counted = made.ptr();
    }
    exported[name] = nb::borrow(counted);
  }

  // Functions of the op table that NumPy provides.
  auto& reg = OpRegistry::instance();
  for (std::size_t i = 0; i < reg.table_size(); ++i) {
    const OpInfo& info = reg.info(static_cast<OpId>(i));
    if (exported.contains(info.name.c_str())) continue;
    if (info.name == "getitem" || info.name == "setitem" || info.python) continue;
    nb::object impl = numpy_attribute(np, info.name);  // "linalg.solve" is numpy.linalg.solve
    if (!impl.is_valid() || nb::isinstance(impl, ufunc_type)) continue;
    nb::object made = nb::steal(py::make_counted_function(info.name.c_str(), impl.ptr(), numpy));
    if (!made.is_valid()) throw nb::python_error();
    exported[info.name.c_str()] = made;
    function_table[impl] = made;
  }
  // Our arrays' counted methods (x.mean(), x.sort(), ...): the op table rows
  // marked as methods, priced as the function but running NumPy's C method,
  // not the Python-level np.<name> wrapper around it.
  PyObject* array_type = reinterpret_cast<PyObject*>(py::state().array_type);
  for (std::size_t i = 0; i < reg.table_size(); ++i) {
    const OpInfo& info = reg.info(static_cast<OpId>(i));
    if (!info.method) continue;
    nb::object impl = np.attr("ndarray").attr(info.name.c_str());
    nb::object method =
        nb::steal(py::make_counted_function(info.name.c_str(), impl.ptr(), numpy, py::Binding::ArrayMethod));
    if (!method.is_valid() || PyObject_SetAttrString(array_type, info.name.c_str(), method.ptr()) != 0)
      throw nb::python_error();
    exported[("_ndarray." + info.name).c_str()] = method;
  }
  PyType_Modified(py::state().array_type);

  // Random draws are free (primer: "Random generation itself is free"), but
  // they run through the meter: they are listed, and their time is booked as
  // NumPy's rather than as the participant's residual time. One op per NumPy
  // sampler: "random.<name>" for the module-level functions, and
  // "random.Generator.<name>" for the methods of flopscope.numpy.random.Generator.
  nb::object random = np.attr("random");
  auto add_draw = [&](const std::string& op, nb::handle impl, py::Binding binding) {
    reg.intern(op, CostRule::Free, "0 (primer: random generation is free)");
    nb::object made = nb::steal(py::make_counted_function(op.c_str(), impl.ptr(), numpy, binding));
    if (!made.is_valid()) throw nb::python_error();
    exported[op.c_str()] = made;
  };
  for (nb::handle name : nb::borrow<nb::list>(random.attr("__all__"))) {
    std::string n = nb::cast<std::string>(name);
    if (n.empty() || !std::islower(static_cast<unsigned char>(n[0])) || n == "seed" || n == "get_state" ||
        n == "set_state" || n == "default_rng")
      continue;  // classes and state management are not draws
    nb::object impl = random.attr(name);
    if (PyCallable_Check(impl.ptr())) add_draw("random." + n, impl, py::Binding::Function);
  }
  nb::object generator = random.attr("Generator");
  for (nb::handle name : nb::borrow<nb::list>(nb::module_::import_("builtins").attr("dir")(generator))) {
    std::string n = nb::cast<std::string>(name);
    if (n.empty() || n[0] == '_' || n == "bit_generator" || n == "spawn") continue;
    nb::object impl = generator.attr(name);
    if (PyCallable_Check(impl.ptr())) add_draw("random.Generator." + n, impl, py::Binding::ReceiverMethod);
  }
  // The legacy RandomState's samplers, as methods of flopscope.numpy.random.RandomState.
  nb::object random_state = random.attr("RandomState");
  for (nb::handle name : nb::borrow<nb::list>(nb::module_::import_("builtins").attr("dir")(random_state))) {
    std::string n = nb::cast<std::string>(name);
    if (n.empty() || n[0] == '_' || n == "seed" || n == "get_state" || n == "set_state") continue;
    nb::object impl = random_state.attr(name);
    if (PyCallable_Check(impl.ptr())) add_draw("random.RandomState." + n, impl, py::Binding::ReceiverMethod);
  }

  nb::set passthrough;
  for (const char* name : kPassthrough)
    if (nb::hasattr(np, name)) passthrough.add(np.attr(name));

  py::State& s = py::state();
  s.ufunc_table = ufunc_table.release().ptr();
  s.function_table = function_table.release().ptr();
  s.passthrough = passthrough.release().ptr();
  s.numpy_ufunc_type = reinterpret_cast<PyTypeObject*>(ufunc_type.release().ptr());
  py::state().exported_ops = exported.ptr();
  m.attr("exported") = exported;
  if (!py::resolve_targets()) throw nb::python_error();
}

// Timing fields of a meter, from one tick rate so that they add up exactly.
std::tuple<double, double, double, double> timing(const Meter& meter) {
  double spt = clock::seconds_per_tick();
  clock::Ticks wall = meter.wall_ticks(), backend = meter.backend_ticks(), overhead = meter.overhead_ticks();
  clock::Ticks residual = wall - backend - overhead;
  if (residual < 0) {  // overhead booked after the last clock read; fold it back
    overhead += residual;
    residual = 0;
  }
  return {wall * spt, backend * spt, overhead * spt, residual * spt};
}

using OpRow = std::tuple<std::string, std::string, long long, long long, double, double>;

// (namespace, op, flops, calls, backend_s, overhead_s) for every op used.
// Ops are listed under the profile's report names (report_as): ops sharing a name are
// added together; a free op reported as "-" is left out.
std::vector<OpRow> op_rows(const Meter& meter) {
  std::vector<OpRow> rows;
  double spt = clock::seconds_per_tick();
  const Profile& profile = meter.profile();
  for (const auto& ns : meter.namespaces()) {
    const std::size_t first = rows.size();
    for (OpId op : ns.used) {
      const OpStats& st = ns.ops[static_cast<std::size_t>(op)];
      if (st.calls == 0) continue;
      const std::string& own = OpRegistry::instance().info(op).name;
      std::string_view name = profile.report_name(own);
      if (name == "-") {
        if (st.flops == 0) continue;
        name = own;
      }
      auto same = std::find_if(rows.begin() + static_cast<std::ptrdiff_t>(first), rows.end(),
                               [&](const OpRow& r) { return std::get<1>(r) == name; });
      if (same == rows.end()) {
        rows.emplace_back(ns.name, std::string(name), st.flops, st.calls, st.backend_ticks * spt,
                          st.overhead_ticks * spt);
      } else {
        std::get<2>(*same) += st.flops;
        std::get<3>(*same) += st.calls;
        std::get<4>(*same) += st.backend_ticks * spt;
        std::get<5>(*same) += st.overhead_ticks * spt;
      }
    }
  }
  return rows;
}

using RecordRow = std::tuple<std::string, std::vector<std::vector<std::int64_t>>, long long, long long,
                             std::string, double, double, double>;

// A recorded call's op name: the profile's report name (an op left out of the summaries keeps its own).
std::string record_name(const Profile& profile, const std::string& own) {
  std::string_view name = profile.report_name(own);
  return name == "-" ? own : std::string(name);
}

// (op, shapes, flops, cumulative, namespace, start_s, backend_s, overhead_s) per recorded call.
std::vector<RecordRow> record_rows(const Meter& meter) {
  std::vector<RecordRow> rows;
  rows.reserve(meter.records().size());
  double spt = clock::seconds_per_tick();
  for (const OpRecord& r : meter.records())
    rows.emplace_back(record_name(meter.profile(), OpRegistry::instance().info(r.op).name), r.shapes,
                      r.flops, r.cumulative,
                      meter.namespaces()[r.ns].name, r.start * spt, r.backend * spt, r.overhead * spt);
  return rows;
}

[[noreturn]] void throw_unauthorized(const char* what) {
  nb::object cls = nb::module_::import_("flopscope.errors").attr("UnauthorizedControlError");
  PyErr_SetObject(cls.ptr(), nb::str((std::string(what) + " is refused: it would change a live budget's "
                                      "accounting. Exit the context first.").c_str()).ptr());
  throw nb::python_error();
}

Flops checked_budget(nb::handle budget) {
  if (PyBool_Check(budget.ptr()))
    throw nb::type_error("flop_budget must be a number, got bool");
  if (PyFloat_Check(budget.ptr())) {
    // A FLOP count is a whole number: 1e6 is fine, 1.5 is refused, never truncated.
    double v = PyFloat_AsDouble(budget.ptr());
    const std::string shown = nb::cast<std::string>(nb::repr(budget));
    if (!std::isfinite(v)) throw nb::value_error(("flop_budget must be finite, got " + shown).c_str());
    if (v <= 0) throw nb::value_error(("flop_budget must be > 0, got " + shown).c_str());
    if (v != std::floor(v))
      throw nb::value_error(("flop_budget must be a whole number of FLOPs, got " + shown).c_str());
    if (v >= 9.2e18) throw nb::value_error("flop_budget must be < 2**63");
    return static_cast<Flops>(v);
  }
  if (!PyLong_Check(budget.ptr()) && !PyIndex_Check(budget.ptr())) {
    nb::str tname = nb::borrow<nb::str>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(budget.ptr()))).attr("__name__"));
    throw nb::type_error(("flop_budget must be a number, got " + std::string(tname.c_str())).c_str());
  }
  int overflow = 0;
  nb::object idx = nb::steal(PyNumber_Index(budget.ptr()));
  if (!idx.is_valid()) throw nb::python_error();
  long long v = PyLong_AsLongLongAndOverflow(idx.ptr(), &overflow);
  if (overflow > 0) throw nb::value_error("flop_budget must be < 2**63");
  if (overflow < 0 || v <= 0) {
    nb::str r = nb::str(idx);
    throw nb::value_error(("flop_budget must be > 0, got " + std::string(r.c_str())).c_str());
  }
  return v;
}

}  // namespace

NB_MODULE(_core, m) {
  if (_import_array() < 0) throw nb::python_error();
  clock::seconds_per_tick();  // starts the tick calibration

  nb::class_<Meter>(m, "Meter", "One FLOP budget with its per-op aggregates and timing buckets.")
      .def("__init__",
           [](Meter* self, nb::handle budget, const std::string& profile, double wall_time_limit_s) {
             Flops b = checked_budget(budget);
             try {
               new (self) Meter(b, profile_by_name(profile), wall_time_limit_s);
             } catch (const std::out_of_range& e) {
               throw nb::value_error(e.what());
             }
           },
           nb::arg("flop_budget"), nb::arg("profile") = "primer", nb::arg("wall_time_limit_s") = 0.0)
      .def_prop_ro("flop_budget", &Meter::flop_budget)
      .def_prop_ro("flops_used", &Meter::flops_used)
      .def_prop_ro("flops_remaining", &Meter::flops_remaining)
      .def_prop_ro("profile", [](const Meter& m) { return m.profile().name; })
      .def_prop_ro("running", &Meter::running)
      .def_prop_ro("foreign_thread_calls", &Meter::foreign_thread_calls,
                   "Counted calls charged here from threads that had no context of their own.")
      .def_prop_ro("elapsed_s", &Meter::elapsed_s)
      // Python sees no control that could lower a live budget's count or stop
      // its clock: a meter that is some thread's active meter (a BudgetContext
      // that has not exited) refuses stop() and rebase(); there is no way to
      // swap its profile or book time into its buckets from Python.
      .def("start", &Meter::start)
      .def("stop",
           [](Meter& m) {
             if (explicitly_active(&m)) throw_unauthorized("stop() on the meter of an active BudgetContext");
             m.stop();
           })
      .def("rebase",
           [](Meter& m) {
             // Only the process-wide default budget is ever reset (budget_reset). A
             // context's meter keeps its count for life: rebasing one that was
             // deactivated first would make its charges vanish.
             if (!default_meter_exists() || &m != &default_meter())
               throw_unauthorized("rebase() on the meter of a BudgetContext (only the default budget is reset)");
             if (explicitly_active(&m)) throw_unauthorized("rebase() on the meter of an active BudgetContext");
             m.rebase();
           })
      .def("timing", &timing, "(wall, backend, overhead, residual) seconds; wall = the other three summed.")
      .def("op_rows", &op_rows)
      .def_prop_rw("recording", &Meter::recording, &Meter::set_recording, "Keep a record of every counted call.")
      .def("record_rows", &record_rows)
      .def("push_namespace",
           [](Meter& m, const std::string& seg) {
             try {
               m.push_namespace(seg);
             } catch (const std::invalid_argument& e) {
               throw nb::value_error(e.what());
             }
           })
      .def("pop_namespace", &Meter::pop_namespace)
      .def_prop_ro("namespace", &Meter::current_namespace)
      .def("deduct",
           [](Meter& m, const std::string& op_name, long long cost) {
             if (cost < 0) throw nb::value_error("flop_cost must be >= 0");
             OpId op = OpRegistry::instance().intern(op_name, CostRule::External, "priced by its caller (Meter.deduct)");
             return m.deduct(op, cost);
           },
           nb::arg("op_name"), nb::arg("flop_cost"), "Charges an externally priced cost; False if it does not fit.")
      .def("activate",
           [](Meter& m) {
             // Contexts do not nest: a second meter made active inside a live
             // context would take its charges (spec of BudgetContext: "Cannot nest").
             Meter* previous = active_meter_or_null();
             if (previous != nullptr && previous != &m)
               throw_unauthorized("activate() of another meter while a BudgetContext is active on this thread");
             if (previous == &m) return false;
             // The default budget is always the fallback; its wrapper does not own it.
             if (default_meter_exists() && &m == &default_meter())
               throw nb::value_error("activate(): the default budget is always active; create a BudgetContext");
             m.set_owner(nb::find(&m).ptr());  // borrowed: the wrapper owns the meter (see Meter::owner)
             m.count_activation();
             set_active_meter(&m);
             return false;
           },
           "Makes this the meter counted calls go to in this thread (refused while another one is).")
      .def_prop_ro("activations", &Meter::activations,
                   "How many times this meter was activated (a context entry); a change during a window means "
                   "it was switched off and on again.")
      .def("deactivate", [](Meter& m) {
        if (active_meter_or_null() == &m) set_active_meter(nullptr);
      });

  m.def("active_meter", []() { return active_meter_or_null(); }, nb::rv_policy::reference);
  m.def("default_meter", []() -> Meter& {
    try {
      return default_meter();
    } catch (const std::invalid_argument& e) {
      throw nb::value_error(e.what());
    }
  }, nb::rv_policy::reference);
  m.def("default_meter_exists", &default_meter_exists);
  m.def("profile_names", &profile_names);
  // A profile's behaviour beyond prices: whether its arrays refuse in-place updates unless
  // configure(immutable=...) says otherwise, and whether flops.stats warns when it promotes x.
  m.def("profile_behaviour", [](const std::string& name) {
    const Profile& p = profile_by_name(name);
    nb::dict out;
    out["arrays.immutable"] = p.arrays_immutable;
    out["stats.promotion_warning"] = p.stats_promotion_warning;
    return out;
  });
  m.def(
      "register_profile",
      [](const std::string& name, const std::string& text) { register_profile(name, text); },
      nb::arg("name"), nb::arg("text"), "Adds a cost profile parsed from profile text (immutable once added).");
  m.def("set_default_profile", [](const std::string& name) {
    try {
      set_default_profile(profile_by_name(name));
    } catch (const std::out_of_range& e) {
      throw nb::value_error(e.what());
    }
    if (default_meter_exists()) default_meter().set_profile(default_profile());
  });
  m.def("default_profile", []() { return default_profile().name; });
  m.def("op_table", []() {
    std::vector<std::tuple<std::string, std::string>> rows;
    auto& reg = OpRegistry::instance();
    for (std::size_t i = 0; i < reg.size(); ++i) {
      const OpInfo& info = reg.info(static_cast<OpId>(i));
      rows.emplace_back(info.name, std::string(cost_rule_name(info.rule)));
    }
    return rows;
  }, "(name, cost rule) for every op the core knows.");
  m.def("op_rows", []() {
    nb::list rows;
    auto& reg = OpRegistry::instance();
    for (std::size_t i = 0; i < reg.size(); ++i) {
      const OpInfo& info = reg.info(static_cast<OpId>(i));
      nb::dict row;
      row["name"] = info.name;
      row["rule"] = std::string(cost_rule_name(info.rule));
      row["method"] = info.method;
      nb::list slots;
      for (const Slot& slot : info.slots)
        slots.append(std::string(slot.keyword_only ? "*" : "") +
                     (slot.billed ? "%" : slot_prefix(slot.kind)) + slot.name);
      row["slots"] = slots;
      if (info.formula_doc) row["formula"] = nb::str(info.formula_doc); else row["formula"] = nb::none();
      rows.append(row);
    }
    return rows;
  }, "One dict per op of the table: name, rule, method, slots, formula (its documentation).");
  m.def("wrap", [](nb::handle x) {
    // flopscope's own conversion of the inputs of its Python-implemented ops:
    // x as a flopscope array, refused where a counted call would refuse it, and
    // billed by no profile (upstream converts such inputs with np.asarray).
    py::Operands operands("flopscope");
    py::OperandShape shape;
    PyObject* converted = operands.inspect(x.ptr(), &shape);
    if (converted == nullptr) throw nb::python_error();
    PyObject* array = PyArray_FromAny(converted, nullptr, 0, 0, 0, nullptr);
    PyObject* wrapped = py::wrap_result(array);
    if (wrapped == nullptr) throw nb::python_error();
    return nb::steal(wrapped);
  }, nb::arg("x"), "x as a flopscope array, free under every profile (flopscope's internal conversion).");
  m.def("bind_op", [](const std::string& name, nb::handle impl) {
    // For table ops that NumPy has no function for (flops.stats, ...): the
    // Python implementation, bound once while flopscope is imported (sealed
    // after: an op bound later would run any Python as a priced call).
    if (routes_sealed) throw_unauthorized(("bind_op('" + name + "') after flopscope was imported").c_str());
    nb::dict exported = nb::borrow<nb::dict>(nb::handle(py::state().exported_ops));
    if (OpRegistry::instance().find(name) < 0) throw nb::key_error(("no op '" + name + "' in the op table").c_str());
    if (exported.contains(name.c_str())) throw nb::value_error(("op '" + name + "' is already bound").c_str());
    PyObject* numpy = PyImport_ImportModule("numpy");
    if (numpy == nullptr) throw nb::python_error();
    nb::object np = nb::steal(numpy);
    nb::object made = nb::steal(py::make_counted_function(name.c_str(), impl.ptr(), numpy));
    if (!made.is_valid()) throw nb::python_error();
    exported[name.c_str()] = made;
    return made;
  }, nb::arg("name"), nb::arg("impl"));
  m.def("route_numpy", [](nb::handle numpy_function, nb::handle implementation) {
    // NumPy's own function (np.piecewise) called on flopscope arrays runs
    // flopscope's Python version of it (fnp.piecewise). Only while flopscope
    // is being imported: seal_routes() closes the table.
    if (routes_sealed) throw nb::value_error("route_numpy: the routes of NumPy's functions are fixed at import");
    if (!PyCallable_Check(implementation.ptr())) throw nb::type_error("route_numpy: implementation must be callable");
    if (PyDict_SetItem(py::state().function_table, numpy_function.ptr(), implementation.ptr()) < 0)
      throw nb::python_error();
  }, nb::arg("numpy_function"), nb::arg("implementation"));
  m.def("seal_routes", []() { routes_sealed = true; });
  // Raw kernels of flopscope.stats (not counted themselves: the stats rows are).
  auto checked = [](PyObject* r) {
    if (r == nullptr) throw nb::python_error();
    return nb::steal(r);
  };
  m.def("special_erfc", [checked](nb::handle x) { return checked(elementwise_f64<flopscope::special::erfc>(x.ptr())); });
  m.def("special_ndtr", [checked](nb::handle x) { return checked(elementwise_f64<flopscope::special::ndtr>(x.ptr())); });
  m.def("special_ndtri", [checked](nb::handle x) { return checked(elementwise_f64<flopscope::special::ndtri>(x.ptr())); });
  m.def("price", [](nb::handle fn, nb::tuple args, nb::dict kwargs, const std::string& profile) -> Flops {
    // What calling `fn(*args, **kwargs)` would be charged under `profile`, computed
    // by the call's own pricing code, which stops before NumPy runs (PricingOnly).
    auto counted = [](PyObject* o) {
      PyTypeObject* t = Py_TYPE(o);
      return t == py::counted_function_type || t == py::counted_method_type || t == py::array_method_type ||
             t == py::counted_ufunc_type;
    };
    PyObject* f = fn.ptr();
    const bool ok = counted(f) || (PyMethod_Check(f) && counted(PyMethod_GET_FUNCTION(f))) ||  // x.sum
                    (PyCFunction_Check(f) && PyCFunction_GET_SELF(f) != nullptr &&
                     Py_TYPE(PyCFunction_GET_SELF(f)) == py::counted_ufunc_type);             // fnp.add.reduce
    if (!ok)
      throw nb::type_error("price: expected a counted flopscope operation (a flopscope.numpy function or ufunc)");
    py::PricingOnly pricing{&profile_by_name(profile)};
    py::PricingOnly* outer = py::pricing_only;
    py::pricing_only = &pricing;
    ++py::pricing_threads;
    struct Restore {
      py::PricingOnly* outer;
      ~Restore() {
        --py::pricing_threads;
        py::pricing_only = outer;
      }
    } restore{outer};
    // A table row (fnp.sum, x.sum): read and priced as the call would be, nothing run.
    PyObject* target = PyMethod_Check(f) ? PyMethod_GET_FUNCTION(f) : f;
    if (Py_TYPE(target) == py::counted_function_type || Py_TYPE(target) == py::array_method_type) {
      std::vector<PyObject*> stack;
      if (PyMethod_Check(f)) stack.push_back(PyMethod_GET_SELF(f));
      for (nb::handle a : args) stack.push_back(a.ptr());
      const Py_ssize_t nargs = static_cast<Py_ssize_t>(stack.size());
      nb::object kwnames = nb::steal(PyTuple_New(static_cast<Py_ssize_t>(kwargs.size())));
      Py_ssize_t j = 0;
      for (auto [key, value] : kwargs) {
        PyTuple_SET_ITEM(kwnames.ptr(), j++, nb::borrow(key).release().ptr());
        stack.push_back(value.ptr());
      }
      Flops cost = 0;
      if (!py::price_function_call(reinterpret_cast<py::CountedFunction*>(target), stack.data(), nargs,
                                   kwargs.size() ? kwnames.ptr() : nullptr, &cost))
        throw nb::python_error();
      return cost;
    }
    // A ufunc or one of its methods: the call's own pricing code, stopped before NumPy runs.
    PyObject* r = PyObject_Call(fn.ptr(), args.ptr(), kwargs.ptr());
    if (r != nullptr) {  // every counted call passes admit(); reaching here is a bug
      Py_DECREF(r);
      throw std::runtime_error("price: the call ran without being priced");
    }
    if (!PyErr_Occurred()) throw std::runtime_error("price: the call failed without raising");  // never a bare python_error
    if (!PyErr_ExceptionMatches(py::priced_signal())) throw nb::python_error();
    PyErr_Clear();
    return pricing.cost;
  }, nb::arg("fn"), nb::arg("args"), nb::arg("kwargs"), nb::arg("profile"),
     "FLOPs fn(*args, **kwargs) would be charged under `profile`; NumPy does not run.");
  m.def("einsum_path_cost",
        [](const std::string& subscripts, nb::handle shapes_arg, nb::handle optimize, const std::string& profile) {
          // Converted from our copy of its lists (py::snapshot_lists): nanobind's list reader keeps
          // borrowed items, and an item's __index__ may empty the participant's list.
          nb::object safe = nb::steal(py::snapshot_lists(shapes_arg.ptr()));
          if (!safe.is_valid()) throw nb::python_error();
          std::vector<std::vector<cost::Extent>> shapes;
          if (!nb::try_cast(safe, shapes))
            throw nb::type_error("einsum_path_cost: shapes must be a list of lists of ints");
          const Profile& p = profile_by_name(profile);
          OpId op = OpRegistry::instance().find("einsum");
          einsum::Expression expr;
          try {
            expr = einsum::parse(subscripts, shapes);
          } catch (const std::invalid_argument& e) {
            throw nb::value_error(e.what());
          }
          // The same reading of optimize= as fnp.einsum's (call_frame.hpp, einsum::path_from_argument).
          py::Operands operands("einsum_path_cost");
          py::CallFrame frame;
          PyObject* value = optimize.ptr();
          Arg argument;
          if (value != Py_None && !py::read_value(Slot::Kind::Path, &value, operands, frame, &argument))
            throw nb::python_error();
          einsum::Path path;
          try {
            // Without a path: the one the call is priced and run by (none under the primer).
            if (!einsum::path_from_argument(p, op, expr, argument, &path))
              path = einsum::unoptimized_pricing_path(p, op, expr);
            return std::make_tuple(path, einsum::path_cost(p, op, expr, path));
          } catch (const std::invalid_argument& e) {  // SignatureError included
            throw nb::value_error(e.what());
          }
        },
        nb::arg("subscripts"), nb::arg("shapes"), nb::arg("optimize").none(), nb::arg("profile") = "primer");

#ifdef FLOPSCOPE_HAVE_SAMPLER_PRICING
  // The ground-truth sampler's closed-form bill, priced in this module so that
  // it sees the profiles registered here (one core instance per process).
  m.def(
      "sampler_flop_breakdown",
      [](int64_t depth, int64_t width, int64_t n_samples, int64_t n_mlps, const std::string& profile) {
        const Profile* p;
        try {
          p = &profile_by_name(profile);
        } catch (const std::out_of_range& e) {
          throw nb::value_error(e.what());
        }
        try {
          return fss::sampler_flop_breakdown(depth, width, n_samples, n_mlps, *p);
        } catch (const std::invalid_argument& e) {
          throw nb::value_error(e.what());
        }
      },
      nb::arg("depth"), nb::arg("width"), nb::arg("n_samples"), nb::arg("n_mlps"), nb::arg("profile") = "primer",
      "(op, FLOPs) of the sampler's reference algorithm, in closed form.");
#endif

  m.def("_direct_loop_calls", &py::direct_loop_calls,
        "Calls run through NumPy's inner loops directly (small elementwise ufunc and matmul calls).");
  m.def("_direct_loop_reset", &py::reset_direct_loops, "Forgets the resolved inner loops (tests).");
  m.def("_set_error_types", [](nb::handle budget, nb::handle time, nb::handle dtype) {
    for (nb::handle h : {budget, time, dtype})
      if (!PyExceptionClass_Check(h.ptr()) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(h.ptr()),
                                                                reinterpret_cast<PyTypeObject*>(PyExc_Exception)))
        throw nb::type_error("_set_error_types: expects three Exception subclasses");
    py::State& s = py::state();
    if (s.budget_error != nullptr) throw_unauthorized("_set_error_types() after flopscope was imported");
    s.budget_error = budget.inc_ref().ptr();
    s.time_error = time.inc_ref().ptr();
    s.dtype_error = dtype.inc_ref().ptr();
  });

  m.def("_set_immutable", [](bool on) { py::state().immutable = on; }, nb::arg("on"),
        "configure(immutable=True): flopscope arrays refuse item assignment, in-place operators and methods.");
  // The result check (configure(check_nan_inf=True)) is flopscope's own
  // function, registered once at import; afterwards it can only be switched on
  // and off, so that no other Python runs inside counted calls as overhead.
  m.def(
      "_register_result_check",
      [](nb::handle check) {
        py::State& s = py::state();
        if (routes_sealed || s.registered_result_check != nullptr)
          throw_unauthorized("_register_result_check() after flopscope was imported");
        if (!PyCallable_Check(check.ptr())) throw nb::type_error("_register_result_check: expected a callable");
        s.registered_result_check = check.inc_ref().ptr();
      },
      nb::arg("check"));
  m.def(
      "_release_result_check",
      []() {
        // At interpreter exit (atexit): the check's globals hold flopscope's
        // module state (the default budget's wrapper), which must be freed
        // before nanobind's instances are.
        py::State& s = py::state();
        s.result_check = nullptr;
        Py_CLEAR(s.registered_result_check);
      });
  m.def(
      "_set_result_check",
      [](bool on) {
        py::State& s = py::state();
        if (on && s.registered_result_check == nullptr) throw nb::value_error("no result check registered");
        s.result_check = on ? s.registered_result_check : nullptr;
      },
      nb::arg("on"), "Runs flopscope's registered result check after every counted call (check_nan_inf).");

  m.def("_add_trusted_audit_hook", [](nb::handle hook) {
    if (!py::hooks::add_trusted_audit_hook(hook.ptr())) throw nb::python_error();
  }, nb::arg("hook"), "Adds whestbench's own audit hook without booking counted calls as residual (once per process).");
  m.def("_trust_signal_handler", [](nb::handle fn) {
    const int r = py::hooks::trust_signal_handler(fn.ptr());
    if (r < 0) throw nb::python_error();
    return r == 1;
  }, nb::arg("fn").none(),
     "Registers one of whestbench's own signal handler functions (True), or not once sealed (False); None seals.");
  m.def("_python_hooks_armed", []() { return py::hooks::armed() || py::hooks::armed_slow(); },
        "Whether a Python hook that can run inside counted calls is armed (their time is then residual).");

  if (!py::hooks::install()) throw nb::python_error();
  PyObject* mod = m.ptr();
  if (!py::init_counted_ufunc_type(mod) || !py::init_counted_function_type(mod) || !py::init_array_type(mod))
    throw nb::python_error();
  py::sym::register_module(m);  // flopscope._core.SymmetricBase and the sym_* functions
  build_surface(m);
  py::bind_sandbox_server(m);
}
