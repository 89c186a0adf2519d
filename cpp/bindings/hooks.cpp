#include "hooks.hpp"

#include <csignal>
#include <cstring>
#include <vector>

namespace flopscope::py::hooks {

namespace {

bool g_audit_armed = false;     // an audit hook or sys.monitoring callback was added (never disarms)
bool g_trusted_adding = false;  // add_trusted_audit_hook is adding its hook right now
bool g_trusted_used = false;
PyObject* g_extobj_var = nullptr;     // numpy's "numpy.ufunc.extobj" ContextVar
PyObject* g_extobj_seen = nullptr;    // the last error state looked at (strong: its address stays unique)
bool g_extobj_armed = false;          // whether that state calls Python
PyObject* g_numpy = nullptr;
PyObject* g_warnings = nullptr;
PyObject* g_showwarning = nullptr;    // warnings.showwarning and _showwarnmsg as imported
PyObject* g_showwarnmsg = nullptr;
std::vector<PyObject*> g_trusted_handlers;  // whestbench's own signal handlers (functions), strong
bool g_trust_sealed = false;                 // no more trusted handlers: participant code may run now
PyObject* g_getsignal = nullptr;      // _signal.getsignal: the interpreter's handler table, read in C
PyObject* g_default_int = nullptr;    // _signal.default_int_handler
PyObject* g_signums[NSIG] = {};       // 1 .. NSIG - 1 as ints, made once

int audit(const char* event, PyObject*, void*) {
  if (std::strcmp(event, "sys.addaudithook") == 0) {
    if (!g_trusted_adding) g_audit_armed = true;
  } else if (std::strncmp(event, "sys.monitoring", 14) == 0) {
    g_audit_armed = true;
  }
  return 0;
}

// Whether NumPy's error state `extobj` calls a Python object on a
// floating-point error: a callable in 'call' mode, a .write() in 'log' mode.
bool calls_python(PyObject*) {
  PyObject* fn = PyObject_CallMethod(g_numpy, "geterrcall", nullptr);
  if (fn == nullptr) {
    PyErr_Clear();
    return true;
  }
  const bool has_fn = fn != Py_None;
  Py_DECREF(fn);
  if (!has_fn) return false;
  PyObject* modes = PyObject_CallMethod(g_numpy, "geterr", nullptr);
  if (modes == nullptr || !PyDict_Check(modes)) {
    Py_XDECREF(modes);
    PyErr_Clear();
    return true;
  }
  bool armed = false;
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(modes, &pos, &key, &value))
    if (PyUnicode_Check(value) &&
        (PyUnicode_CompareWithASCIIString(value, "call") == 0 || PyUnicode_CompareWithASCIIString(value, "log") == 0))
      armed = true;
  Py_DECREF(modes);
  return armed;
}

bool errcall_armed() {
  PyObject* state = nullptr;
  if (PyContextVar_Get(g_extobj_var, nullptr, &state) < 0 || state == nullptr) {
    PyErr_Clear();
    return true;
  }
  if (state != g_extobj_seen) [[unlikely]] {
    // A new error state (np.errstate, np.seterr*): looked at once.
    PyObject *type, *value, *tb;  // a pending exception (a failed call's) is kept as it is
    PyErr_Fetch(&type, &value, &tb);
    g_extobj_armed = calls_python(state);
    PyErr_Restore(type, value, tb);
    Py_XSETREF(g_extobj_seen, Py_NewRef(state));
  }
  Py_DECREF(state);
  return g_extobj_armed;
}

}  // namespace

bool install() {
  if (PySys_AddAuditHook(audit, nullptr) < 0) return false;
  g_numpy = PyImport_ImportModule("numpy");
  PyObject* umath = PyImport_ImportModule("numpy._core._multiarray_umath");
  if (g_numpy == nullptr || umath == nullptr) return false;
  g_extobj_var = PyObject_GetAttrString(umath, "_extobj_contextvar");
  Py_DECREF(umath);
  if (g_extobj_var == nullptr || !PyContextVar_CheckExact(g_extobj_var)) {
    PyErr_SetString(PyExc_ImportError, "flopscope: numpy._core._multiarray_umath._extobj_contextvar is not a "
                                       "ContextVar (unsupported NumPy version)");
    return false;
  }
  g_warnings = PyImport_ImportModule("warnings");
  // The builtin module's own getsignal, taken once: signal.getsignal is a Python
  // wrapper (an enum conversion per call, ~0.5 us) that participant code could
  // also replace to hide a handler; the builtin reads the interpreter's table.
  PyObject* builtin_signal = PyImport_ImportModule("_signal");
  if (g_warnings == nullptr || builtin_signal == nullptr) return false;
  g_getsignal = PyObject_GetAttrString(builtin_signal, "getsignal");
  g_default_int = PyObject_GetAttrString(builtin_signal, "default_int_handler");
  Py_DECREF(builtin_signal);
  if (g_getsignal == nullptr || g_default_int == nullptr) return false;
  for (int sig = 1; sig < NSIG; ++sig)
    if ((g_signums[sig] = PyLong_FromLong(sig)) == nullptr) return false;
  g_showwarning = PyObject_GetAttrString(g_warnings, "showwarning");
  g_showwarnmsg = PyObject_GetAttrString(g_warnings, "_showwarnmsg");
  if (g_showwarning == nullptr || g_showwarnmsg == nullptr) return false;
  return true;
}

bool armed() {
  PyThreadState* ts = PyThreadState_Get();
  if (ts->c_profilefunc != nullptr || ts->c_tracefunc != nullptr || g_audit_armed) return true;
  return errcall_armed();
}

namespace {
// A handler of whestbench's own (its function, or a method bound to it): code
// of the grader with a fixed, tiny body, whatever object it is bound to.
bool trusted_handler(PyObject* h) {
  PyObject* fn = PyMethod_Check(h) ? PyMethod_GET_FUNCTION(h) : h;
  for (PyObject* t : g_trusted_handlers)
    if (fn == t) return true;
  return false;
}
}  // namespace

int trust_signal_handler(PyObject* fn) {
  if (fn == Py_None) {
    g_trust_sealed = true;
    return 0;
  }
  if (!PyFunction_Check(fn)) {
    PyErr_SetString(PyExc_TypeError, "trust_signal_handler: expected a Python function (or None to seal)");
    return -1;
  }
  if (g_trust_sealed) return 0;  // too late: the handler stays counted (the safe side)
  g_trusted_handlers.push_back(Py_NewRef(fn));
  return 1;
}

bool armed_slow() {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  bool armed = false;
  auto replaced = [&](const char* name, PyObject* original) {
    PyObject* now = PyObject_GetAttrString(g_warnings, name);
    if (now == nullptr) PyErr_Clear();
    const bool changed = now != original;
    Py_XDECREF(now);
    return changed;
  };
  armed = replaced("showwarning", g_showwarning) || replaced("_showwarnmsg", g_showwarnmsg);
  if (!armed && _PyOS_IsMainThread()) {
    // Python signal handlers run on the main thread, at any bytecode boundary
    // or PyErr_CheckSignals inside the call.
    for (int sig = 1; sig < NSIG && !armed; ++sig) {
      PyObject* h = PyObject_Vectorcall(g_getsignal, &g_signums[sig], 1, nullptr);
      if (h == nullptr) {
        PyErr_Clear();
        continue;
      }
      armed = PyCallable_Check(h) && h != g_default_int && !trusted_handler(h);
      Py_DECREF(h);
    }
    PyErr_Clear();
  }
  PyErr_Restore(type, value, tb);
  return armed;
}

bool add_trusted_audit_hook(PyObject* hook) {
  if (g_trusted_used) {
    PyErr_SetString(PyExc_RuntimeError, "add_trusted_audit_hook: allowed once per process (it is taken)");
    return false;
  }
  g_trusted_used = true;
  g_trusted_adding = true;
  PyObject* r = PyObject_CallMethod(PyImport_AddModule("sys"), "addaudithook", "O", hook);
  g_trusted_adding = false;
  Py_XDECREF(r);
  return r != nullptr;
}

}  // namespace flopscope::py::hooks
