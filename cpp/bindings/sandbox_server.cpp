// The sandbox server's request loop (whestbench/sandbox/server.py, Server.serve):
// reads the sandbox's requests from its socket, answers the hot ones here (a
// counted function or operator on array handles only, whose result is one of
// our arrays) and hands every other request and result to Python.
//
// What runs is exactly what the Python loop ran: the same counted callables,
// called with the same arguments through their vectorcall, so the bills and the
// results are the in-process ones. No pricing or billing here: marshalling only.
#include "numpy_api.hpp"

#include <nanobind/nanobind.h>

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "sandbox_wire.hpp"
#include "state.hpp"

namespace nb = nanobind;

namespace flopscope::py {
namespace {

static_assert(sizeof(npy_intp) == 8, "array dims travel as i64");

class SandboxLoop {
 public:
  // funcs, operators: what FAST_CALL / FAST_OPERATOR ids name; objs: the
  // server's handle table (shared with Python); wire_error: the exception type
  // of a malformed request; error_frame(exc) -> bytes: the ERR reply for an
  // exception (it records budget exhaustion); result_frame(value) -> bytes: the
  // reply for any other result; dtype_name(dtype) -> str: the name a dtype
  // travels under; array_cap: the largest array the sandbox may hold, in bytes.
  SandboxLoop(nb::tuple funcs, nb::tuple operators, nb::dict objs, nb::handle wire_error, nb::handle error_frame,
              nb::handle result_frame, nb::handle dtype_name, long long array_cap)
      : funcs_(std::move(funcs)),
        operators_(std::move(operators)),
        objs_(std::move(objs)),
        wire_error_(nb::borrow(wire_error)),
        error_frame_(nb::borrow(error_frame)),
        result_frame_(nb::borrow(result_frame)),
        dtype_name_(nb::borrow(dtype_name)),
        array_cap_(array_cap) {}

  ~SandboxLoop() {
    for (auto& entry : names_) Py_DECREF(entry.first);
    for (auto& entry : dtypes_) Py_DECREF(entry.second);
  }

  void attach(int fd) {
    fd_ = fd;
    reader_ = sandbox::FrameReader();
  }

  // A new handle for `value` (the Python side's Server.put).
  long long put(nb::handle value) {
    const long long hid = next_id_++;
    store(hid, value.ptr());
    return hid;
  }

  long long next_id() const { return next_id_; }

  // Turns on the generic path: CALL, METHOD, GETATTR, OPERATOR and GETITEM
  // requests (_whest_wire's tagged tuples) decoded and run here when every value
  // in them is one the C decoder reads; anything else still goes to Python.
  // denied: the attribute names no request may reach (server.DENIED);
  // dtype(name) and scalar(name, raw): the server's builders of a dtype and of
  // a NumPy scalar (they refuse object/void dtypes).
  void generic(nb::handle denied, nb::handle dtype, nb::handle scalar) {
    denied_ = nb::borrow(denied);
    dtype_fn_ = nb::borrow(dtype);
    scalar_fn_ = nb::borrow(scalar);
  }

  // Forwards warnings: `pending` is the list the server's warning hook appends
  // to while it serves; after a request that left it non-empty the reply is
  // preceded by warn_frame() -> bytes (a WARN frame; it empties the list), which
  // the sandbox's client warns again at the participant's line.
  void warnings(nb::handle pending, nb::handle warn_frame) {
    if (!PyList_Check(pending.ptr())) throw nb::type_error("SandboxLoop.warnings: pending must be a list");
    pending_ = nb::borrow(pending);
    warn_frame_ = nb::borrow(warn_frame);
  }

  // The garbage collector's view: the loop holds the server's bound methods, the
  // server holds the loop (a cycle the collector must be able to break).
  int traverse(visitproc visit, void* arg) {
    Py_VISIT(denied_.ptr());
    Py_VISIT(dtype_fn_.ptr());
    Py_VISIT(scalar_fn_.ptr());
    for (auto& entry : dtypes_) Py_VISIT(entry.second);
    Py_VISIT(funcs_.ptr());
    Py_VISIT(operators_.ptr());
    Py_VISIT(objs_.ptr());
    Py_VISIT(wire_error_.ptr());
    Py_VISIT(error_frame_.ptr());
    Py_VISIT(result_frame_.ptr());
    Py_VISIT(dtype_name_.ptr());
    Py_VISIT(pending_.ptr());
    Py_VISIT(warn_frame_.ptr());
    return 0;
  }
  void clear() {
    funcs_ = nb::tuple();
    operators_ = nb::tuple();
    objs_ = nb::dict();
    wire_error_ = error_frame_ = result_frame_ = dtype_name_ = nb::none();
    denied_ = dtype_fn_ = scalar_fn_ = pending_ = warn_frame_ = nb::object();
    for (auto& entry : dtypes_) Py_DECREF(entry.second);
    dtypes_.clear();
  }

  // Answers requests until Python's `slow(payload)` returns something other
  // than bytes (a setup/predict protocol message), which is returned. Raises
  // EOFError when the sandbox closes the channel, OSError on a socket error,
  // wire_error on an oversized message, and whatever a signal handler raises
  // (the server's watchdog) while the loop waits.
  nb::object serve(nb::handle slow) {
    if (fd_ < 0) throw nb::value_error("SandboxLoop.serve: no channel attached");
    for (;;) {
      const unsigned char* payload = nullptr;
      size_t size = 0;
      const auto status = reader_.next(payload, size);
      if (status == sandbox::FrameReader::Status::NeedMore) {
        fill();
        continue;
      }
      if (status == sandbox::FrameReader::Status::Oversized) {
        PyErr_Format(wire_error_.ptr(), "message of %zu bytes is over the %u-byte cap", size,
                     unsigned(sandbox::kMaxFrame));
        throw nb::python_error();
      }
      out_.clear();
      bool answered = false;
      if (sandbox::is_fast(payload, size)) {
        if (!answer_fast(payload, size)) throw nb::python_error();
        answered = true;
      } else if (dtype_fn_.is_valid() && !answer_generic(payload, size, answered)) {
        throw nb::python_error();
      }
      if (!answered) {
        nb::object reply = nb::steal(PyObject_CallOneArg(
            slow.ptr(), nb::bytes(reinterpret_cast<const char*>(payload), size).ptr()));
        if (!reply.is_valid()) throw nb::python_error();
        if (!PyBytes_Check(reply.ptr())) return reply;
        if (!append_bytes(reply.ptr())) throw nb::python_error();
      }
      if (pending_.is_valid() && PyList_GET_SIZE(pending_.ptr()) != 0) [[unlikely]]
        prepend_warnings();
      send_all();
      if (reader_.capacity() > (1u << 16)) reader_.shrink();
    }
  }

 private:
  // Reads what the socket has (blocking, without the GIL); EOF and errors raise.
  void fill() {
    size_t room = 0;
    unsigned char* at = reader_.space(room);
    for (;;) {
      ssize_t k;
      int err;
      Py_BEGIN_ALLOW_THREADS
      k = ::recv(fd_, at, room, 0);
      err = errno;
      Py_END_ALLOW_THREADS
      if (k > 0) {
        reader_.commit(size_t(k));
        return;
      }
      if (k == 0) {
        PyErr_SetString(PyExc_EOFError,
                        reader_.mid_frame() ? "the channel was closed mid-message" : "the channel was closed");
        reader_ = sandbox::FrameReader();
        throw nb::python_error();
      }
      wait_or_raise(err, POLLIN);
    }
  }

  void send_all() {
    size_t done = 0;
    while (done < out_.size()) {
      ssize_t k;
      int err;
      Py_BEGIN_ALLOW_THREADS
      k = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
      err = errno;
      Py_END_ALLOW_THREADS
      if (k >= 0) {
        done += size_t(k);
        continue;
      }
      wait_or_raise(err, POLLOUT);
    }
  }

  // After a failed recv/send: runs the signal handlers on EINTR (the watchdog
  // raises there), waits on a non-blocking socket, raises OSError otherwise.
  void wait_or_raise(int err, short events) {
    if (err == EINTR) {
      if (PyErr_CheckSignals() < 0) throw nb::python_error();
      return;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
      pollfd p{fd_, events, 0};
      int r;
      Py_BEGIN_ALLOW_THREADS
      r = ::poll(&p, 1, -1);
      err = errno;
      Py_END_ALLOW_THREADS
      if (r >= 0 || err == EINTR) {
        if (r < 0 && PyErr_CheckSignals() < 0) throw nb::python_error();
        return;
      }
    }
    errno = err;
    PyErr_SetFromErrno(PyExc_OSError);
    throw nb::python_error();
  }

  // The item of `table` (a tuple) that `id` names when it is an int in range,
  // else nullptr with no error set (the request then goes to Python).
  static PyObject* entry(PyObject* table, PyObject* id) {
    if (!PyLong_CheckExact(id)) return nullptr;
    const Py_ssize_t i = PyLong_AsSsize_t(id);
    if (i < 0 || i >= PyTuple_GET_SIZE(table)) {
      PyErr_Clear();
      return nullptr;
    }
    return PyTuple_GET_ITEM(table, i);
  }

  void prepend_warnings() {
    nb::object frame = nb::steal(PyObject_CallNoArgs(warn_frame_.ptr()));
    if (!frame.is_valid()) throw nb::python_error();
    if (!PyBytes_Check(frame.ptr())) throw nb::type_error("SandboxLoop: warn_frame must return bytes");
    const char* data = PyBytes_AS_STRING(frame.ptr());
    out_.insert(out_.begin(), data, data + PyBytes_GET_SIZE(frame.ptr()));
  }

  bool append_bytes(PyObject* b) {
    const char* data = PyBytes_AS_STRING(b);
    out_.insert(out_.end(), data, data + PyBytes_GET_SIZE(b));
    return true;
  }

  void store(long long hid, PyObject* value) {
    PyObject* key = PyLong_FromLongLong(hid);
    if (key == nullptr) throw nb::python_error();
    const int r = PyDict_SetItem(objs_.ptr(), key, value);
    Py_DECREF(key);
    if (r < 0) throw nb::python_error();
  }

  // The pending exception as the sandbox's ERR reply (an Exception), or false
  // with it still set (a BaseException: the caller propagates it).
  bool error_reply() {
    if (!PyErr_ExceptionMatches(PyExc_Exception)) return false;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != nullptr) PyException_SetTraceback(value, tb);
    PyObject* frame = PyObject_CallOneArg(error_frame_.ptr(), value);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (frame == nullptr) return false;
    if (!PyBytes_Check(frame)) {
      Py_DECREF(frame);
      PyErr_SetString(PyExc_TypeError, "SandboxLoop: error_frame must return bytes");
      return false;
    }
    append_bytes(frame);
    Py_DECREF(frame);
    return true;
  }

  // The dtype's travelling name: cached for NumPy's own builtin descriptors
  // (singletons), asked of Python (dtype_name) otherwise.
  bool dtype_name(PyArray_Descr* d, std::string& name) {
    for (const auto& entry : names_)
      if (entry.first == d) {
        name = entry.second;
        return true;
      }
    PyObject* s = PyObject_CallOneArg(dtype_name_.ptr(), reinterpret_cast<PyObject*>(d));
    if (s == nullptr) return false;
    Py_ssize_t n = 0;
    const char* text = PyUnicode_Check(s) ? PyUnicode_AsUTF8AndSize(s, &n) : nullptr;
    if (text == nullptr || n > 255) {
      Py_DECREF(s);
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "SandboxLoop: dtype name must be a short str");
      return false;
    }
    name.assign(text, size_t(n));
    Py_DECREF(s);
    PyArray_Descr* canonical = d->type_num < NPY_NTYPES_LEGACY ? PyArray_DescrFromType(d->type_num) : nullptr;
    if (canonical == d && names_.size() < 64) {
      Py_INCREF(d);
      names_.emplace_back(d, name);
    }
    Py_XDECREF(canonical);
    PyErr_Clear();  // DescrFromType of a flexible type number may complain; nothing is lost
    return true;
  }

  // One of our arrays: stored under a new handle, answered with its metadata.
  bool array_reply(PyObject* result) {
    auto* a = reinterpret_cast<PyArrayObject*>(result);
    const npy_intp nbytes = PyArray_NBYTES(a);
    if (nbytes > array_cap_) {
      PyErr_Format(PyExc_MemoryError, "an array of %zd bytes is over the sandbox's 4 GiB cap per array",
                   Py_ssize_t(nbytes));
      return error_reply();
    }
    std::string name;
    if (!dtype_name(PyArray_DESCR(a), name)) return error_reply();
    const long long hid = next_id_++;
    store(hid, result);
    sandbox::append_array_reply(out_, hid, name.data(), name.size(), PyArray_NDIM(a),
                                reinterpret_cast<const int64_t*>(PyArray_DIMS(a)));
    return true;
  }

  // A fast request: false only with a BaseException set (propagated).
  bool answer_fast(const unsigned char* payload, size_t size) {
    sandbox::FastRequest rq;
    if (const char* why = sandbox::parse_fast(payload, size, rq)) {
      PyErr_SetString(wire_error_.ptr(), why);
      return error_reply();
    }
    // The arguments (strong references), then the dropped handles, then the call.
    PyObject* small[9];
    std::vector<PyObject*> big;
    PyObject** argv = small;
    if (rq.nargs + 1u > 9u) {
      big.resize(rq.nargs + 1u);
      argv = big.data();
    }
    argv[0] = nullptr;  // PY_VECTORCALL_ARGUMENTS_OFFSET's slot
    size_t got = 0;
    bool failed = false;
    for (; got < rq.nargs; ++got) {
      const long long h = rq.handle(got);
      PyObject* key = PyLong_FromLongLong(h);
      PyObject* v = key == nullptr ? nullptr : PyDict_GetItemWithError(objs_.ptr(), key);
      Py_XDECREF(key);
      if (v == nullptr) {
        if (!PyErr_Occurred()) PyErr_Format(wire_error_.ptr(), "unknown or foreign handle %lld", h);
        failed = true;
        break;
      }
      Py_INCREF(v);
      argv[1 + got] = v;
    }
    if (!drop(rq, failed)) failed = true;
    PyObject* result = nullptr;
    if (!failed) {
      PyObject* table = (rq.kind == sandbox::kFastCall ? funcs_ : operators_).ptr();
      if (rq.ident >= size_t(PyTuple_GET_SIZE(table))) {
        PyErr_Format(wire_error_.ptr(), "malformed message: no %s with id %u",
                     rq.kind == sandbox::kFastCall ? "function" : "operator", unsigned(rq.ident));
      } else {
        result = PyObject_Vectorcall(PyTuple_GET_ITEM(table, rq.ident), argv + 1,
                                     rq.nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
      }
    }
    for (size_t i = 0; i < got; ++i) Py_DECREF(argv[1 + i]);
    return reply(result);
  }

  // ---- the generic path ------------------------------------------------------
  // Reads one tagged value (_whest_wire's format) as the server's Python decoder
  // would build it; nullptr (no error set) for anything it does not read: a
  // malformed value, an unknown handle, a big int, a tag the sandbox may not
  // send. The request then goes to Python whole, which answers as before.
  struct Reader {
    const unsigned char* p;
    size_t n;
    size_t pos = 0;
    bool take(size_t k) {
      if (n - pos < k) return false;
      pos += k;
      return true;
    }
  };

  PyObject* read_value(Reader& r, int depth) {
    if (depth > 64 || r.pos >= r.n) return nullptr;
    const unsigned char tag = r.p[r.pos++];
    const unsigned char* at = r.p + r.pos;
    switch (tag) {
      case 'N': return Py_NewRef(Py_None);
      case 'T': return Py_NewRef(Py_True);
      case 'F': return Py_NewRef(Py_False);
      case 'E': return Py_NewRef(Py_Ellipsis);
      case 'i': return r.take(8) ? PyLong_FromLongLong(sandbox::read_i64(at)) : nullptr;
      case 'f': {
        if (!r.take(8)) return nullptr;
        double v;
        std::memcpy(&v, at, 8);
        return PyFloat_FromDouble(v);
      }
      case 'c': {
        if (!r.take(16)) return nullptr;
        double v[2];
        std::memcpy(v, at, 16);
        return PyComplex_FromDoubles(v[0], v[1]);
      }
      case 's':
      case 'b': {
        if (!r.take(4)) return nullptr;
        const uint32_t k = sandbox::read_u32(at);
        const unsigned char* data = r.p + r.pos;
        if (!r.take(k)) return nullptr;
        PyObject* v = tag == 's' ? PyUnicode_DecodeUTF8(reinterpret_cast<const char*>(data), k, "surrogatepass")
                                 : PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data), k);
        if (v == nullptr) PyErr_Clear();
        return v;
      }
      case 't':
      case 'l': {
        if (!r.take(4)) return nullptr;
        const uint32_t k = sandbox::read_u32(at);
        // every item takes a byte at least; a long one goes to Python, which grows it item by
        // item instead of allocating (and zeroing) 8 bytes per announced item up front
        if (k > r.n - r.pos || k > (1u << 16)) return nullptr;
        PyObject* seq = tag == 't' ? PyTuple_New(k) : PyList_New(k);
        if (seq == nullptr) {
          PyErr_Clear();
          return nullptr;
        }
        for (uint32_t i = 0; i < k; ++i) {
          PyObject* item = read_value(r, depth + 1);
          if (item == nullptr) {
            Py_DECREF(seq);
            return nullptr;
          }
          if (tag == 't') PyTuple_SET_ITEM(seq, i, item);
          else PyList_SET_ITEM(seq, i, item);
        }
        return seq;
      }
      case 'd': {
        if (!r.take(4)) return nullptr;
        const uint32_t k = sandbox::read_u32(at);
        if (k > r.n - r.pos) return nullptr;
        PyObject* d = PyDict_New();
        if (d == nullptr) {
          PyErr_Clear();
          return nullptr;
        }
        for (uint32_t i = 0; i < k; ++i) {
          PyObject* key = read_value(r, depth + 1);
          PyObject* value = key == nullptr ? nullptr : read_value(r, depth + 1);
          const int ok = value == nullptr ? -1 : PyDict_SetItem(d, key, value);
          Py_XDECREF(key);
          Py_XDECREF(value);
          if (ok < 0) {
            PyErr_Clear();
            Py_DECREF(d);
            return nullptr;
          }
        }
        return d;
      }
      case 'S': {
        PyObject* start = read_value(r, depth + 1);
        PyObject* stop = start == nullptr ? nullptr : read_value(r, depth + 1);
        PyObject* step = stop == nullptr ? nullptr : read_value(r, depth + 1);
        PyObject* v = step == nullptr ? nullptr : PySlice_New(start, stop, step);
        Py_XDECREF(start);
        Py_XDECREF(stop);
        Py_XDECREF(step);
        if (v == nullptr) PyErr_Clear();
        return v;
      }
      case 'h': {
        if (!r.take(8)) return nullptr;
        PyObject* key = PyLong_FromLongLong(sandbox::read_i64(at));
        PyObject* v = key == nullptr ? nullptr : PyDict_GetItemWithError(objs_.ptr(), key);
        Py_XDECREF(key);
        if (v == nullptr) PyErr_Clear();
        return Py_XNewRef(v);
      }
      case 'D':
      case 'n': {
        if (!r.take(1)) return nullptr;
        const size_t k = *at;
        const unsigned char* name = r.p + r.pos;
        if (!r.take(k)) return nullptr;
        const std::string text(reinterpret_cast<const char*>(name), k);
        if (tag == 'D') return dtype_named(text);
        if (!r.take(1)) return nullptr;
        const size_t nbytes = name[k];
        const unsigned char* raw = r.p + r.pos;
        if (!r.take(nbytes)) return nullptr;
        PyObject* v = PyObject_CallFunction(scalar_fn_.ptr(), "s#y#", text.data(), Py_ssize_t(k),
                                            reinterpret_cast<const char*>(raw), Py_ssize_t(nbytes));
        if (v == nullptr) PyErr_Clear();
        return v;
      }
      default:
        return nullptr;  // I (a big int), A/O/R (server -> sandbox only), unknown tags
    }
  }

  PyObject* dtype_named(const std::string& name) {
    for (const auto& entry : dtypes_)
      if (entry.first == name) return Py_NewRef(entry.second);
    PyObject* v = PyObject_CallFunction(dtype_fn_.ptr(), "s#", name.data(), Py_ssize_t(name.size()));
    if (v == nullptr) {
      PyErr_Clear();
      return nullptr;
    }
    if (dtypes_.size() < 64) dtypes_.emplace_back(name, Py_NewRef(v));
    return v;
  }

  // An attribute name a request may use (server._name): a str, not private, not denied.
  bool allowed_name(PyObject* name) {
    if (!PyUnicode_CheckExact(name) || PyUnicode_GetLength(name) == 0 || PyUnicode_READ_CHAR(name, 0) == '_')
      return false;
    const int denied = PySet_Contains(denied_.ptr(), name);
    if (denied < 0) PyErr_Clear();
    return denied == 0;
  }

  static bool plain_kwargs(PyObject* kw) {
    if (kw == Py_None) return true;
    if (!PyDict_CheckExact(kw)) return false;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(kw, &pos, &key, &value))
      if (!PyUnicode_CheckExact(key)) return false;
    return true;
  }

  // A generic request this loop runs itself: (kind, frees, ...) of kind CALL (0),
  // METHOD (1, on one of our arrays), GETATTR (2, of one of our arrays),
  // OPERATOR (3) or GETITEM (4), with exactly the items the Python handlers
  // read. `answered` false: not one of those (nothing done; Python's). Returns
  // false only with a BaseException set (propagated).
  bool answer_generic(const unsigned char* payload, size_t size, bool& answered) {
    answered = false;
    if (size < 5 || payload[0] != 't') return true;
    const uint32_t count = sandbox::read_u32(payload + 1);
    if (count < 4 || count > 6) return true;
    Reader r{payload, size, 5};
    PyObject* items[6] = {};
    uint32_t got = 0;
    for (; got < count; ++got) {
      items[got] = read_value(r, 1);
      if (items[got] == nullptr) break;
    }
    struct Release {
      PyObject** items;
      uint32_t n;
      ~Release() {
        for (uint32_t i = 0; i < n; ++i) Py_DECREF(items[i]);
      }
    } release{items, got};
    if (got != count || r.pos != size) return true;
    if (!PyLong_CheckExact(items[0]) || !PyList_CheckExact(items[1])) return true;
    const long kind = PyLong_AsLong(items[0]);
    if (kind == -1 && PyErr_Occurred()) {
      PyErr_Clear();
      return true;
    }
    PyObject* callable = nullptr;  // borrowed
    PyTypeObject* array = state().array_type;
    switch (kind) {
      case 0:  // CALL: (0, frees, id, args, kwargs or None)
        if (count != 5 || !PyTuple_CheckExact(items[3]) || !plain_kwargs(items[4])) return true;
        callable = entry(funcs_.ptr(), items[2]);
        if (callable == nullptr) return true;
        break;
      case 1:  // METHOD: (1, frees, array, name, args, kwargs or None)
        if (count != 6 || Py_TYPE(items[2]) != array || !allowed_name(items[3]) || !PyTuple_CheckExact(items[4]) ||
            !plain_kwargs(items[5]))
          return true;
        break;
      case 2:  // GETATTR: (2, frees, array, name)
        if (count != 4 || Py_TYPE(items[2]) != array || !allowed_name(items[3])) return true;
        break;
      case 3:  // OPERATOR: (3, frees, id, a[, b])
        if (count != 4 && count != 5) return true;
        callable = entry(operators_.ptr(), items[2]);
        if (callable == nullptr) return true;
        break;
      case 4:  // GETITEM: (4, frees, obj, key)
        if (count != 4) return true;
        break;
      default:
        return true;
    }
    answered = true;
    // The dropped handles (ints only, as in Python), then the request.
    const Py_ssize_t nfrees = PyList_GET_SIZE(items[1]);
    for (Py_ssize_t i = 0; i < nfrees; ++i) {
      PyObject* hid = PyList_GET_ITEM(items[1], i);
      if (PyLong_CheckExact(hid) && PyDict_DelItem(objs_.ptr(), hid) < 0) {
        if (!PyErr_ExceptionMatches(PyExc_KeyError)) return error_reply();
        PyErr_Clear();
      }
    }
    PyObject* result = nullptr;
    switch (kind) {
      case 0:
        result = PyObject_Call(callable, items[3], items[4] == Py_None || PyDict_GET_SIZE(items[4]) == 0
                                                       ? nullptr : items[4]);
        break;
      case 1: {
        PyObject* method = PyObject_GetAttr(items[2], items[3]);
        if (method != nullptr) {
          result = PyObject_Call(method, items[4],
                                 items[5] == Py_None || PyDict_GET_SIZE(items[5]) == 0 ? nullptr : items[5]);
          Py_DECREF(method);
        }
        break;
      }
      case 2:
        result = PyObject_GetAttr(items[2], items[3]);
        if (result != nullptr && PyCallable_Check(result) && !PyArray_Check(result) &&
            !PyArray_IsScalar(result, Generic) && !PyType_Check(result)) {
          Py_CLEAR(result);
          PyErr_Format(PyExc_AttributeError, "%R is a method: call it", items[3]);
        }
        break;
      case 3: {
        PyObject* argv[3] = {nullptr, items[3], count == 5 ? items[4] : nullptr};
        result = PyObject_Vectorcall(callable, argv + 1, (count == 5 ? 2 : 1) | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                     nullptr);
        break;
      }
      case 4:
        result = PyObject_GetItem(items[2], items[3]);
        break;
    }
    return reply(result);
  }

  // The reply for a call's outcome (steals `result`): our array here, any other
  // value through result_frame, an Exception through error_frame. False only
  // with a BaseException set.
  bool reply(PyObject* result) {
    if (result == nullptr) return error_reply();
    bool ok;
    if (Py_TYPE(result) == state().array_type) {
      ok = array_reply(result);
    } else {  // anything else (a bool, an int, a tuple, ...): the Python encoder's
      PyObject* frame = PyObject_CallOneArg(result_frame_.ptr(), result);
      if (frame == nullptr) {
        ok = error_reply();
      } else if (PyBytes_Check(frame)) {
        ok = append_bytes(frame);
      } else {
        PyErr_SetString(PyExc_TypeError, "SandboxLoop: result_frame must return bytes");
        ok = false;
      }
      Py_XDECREF(frame);
    }
    Py_DECREF(result);
    return ok;
  }

  // Forgets the handles the sandbox dropped (unknown ones are ignored, as in
  // Python). Keeps an error already set by the argument lookup.
  bool drop(const sandbox::FastRequest& rq, bool keep_error) {
    PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
    if (keep_error) PyErr_Fetch(&type, &value, &tb);
    bool ok = true;
    for (size_t i = 0; i < rq.nfrees; ++i) {
      PyObject* key = PyLong_FromLongLong(rq.handle(rq.nargs + i));
      if (key == nullptr) {
        ok = false;
        break;
      }
      if (PyDict_DelItem(objs_.ptr(), key) < 0) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
          PyErr_Clear();
        } else {
          Py_DECREF(key);
          ok = false;
          break;
        }
      }
      Py_DECREF(key);
    }
    if (keep_error) {
      if (!ok) PyErr_Clear();
      PyErr_Restore(type, value, tb);
    }
    return ok;
  }

  nb::tuple funcs_, operators_;
  nb::dict objs_;
  nb::object wire_error_, error_frame_, result_frame_, dtype_name_;
  long long array_cap_;
  long long next_id_ = 1;
  int fd_ = -1;
  sandbox::FrameReader reader_;
  std::vector<unsigned char> out_;
  std::vector<std::pair<PyArray_Descr*, std::string>> names_;
  nb::object denied_, dtype_fn_, scalar_fn_;  // the generic path (generic()); unset: Python's
  nb::object pending_, warn_frame_;           // warnings(); unset: warnings stay on the server
  std::vector<std::pair<std::string, PyObject*>> dtypes_;  // dtype name -> dtype, as dtype_fn_ built it
};

int loop_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  return nb::inst_ptr<SandboxLoop>(self)->traverse(visit, arg);
}

int loop_clear(PyObject* self) {
  if (nb::inst_ready(self)) nb::inst_ptr<SandboxLoop>(self)->clear();
  return 0;
}

PyType_Slot loop_slots[] = {{Py_tp_traverse, reinterpret_cast<void*>(loop_traverse)},
                            {Py_tp_clear, reinterpret_cast<void*>(loop_clear)},
                            {0, nullptr}};

}  // namespace

void bind_sandbox_server(nb::module_& m) {
  nb::class_<SandboxLoop>(m, "SandboxLoop", nb::type_slots(loop_slots),
                          "The sandbox server's request loop (whestbench.sandbox.server): fast requests answered "
                          "in C, the others handed to Python.")
      .def(nb::init<nb::tuple, nb::tuple, nb::dict, nb::handle, nb::handle, nb::handle, nb::handle, long long>(),
           nb::arg("funcs"), nb::arg("operators"), nb::arg("objs"), nb::arg("wire_error"), nb::arg("error_frame"),
           nb::arg("result_frame"), nb::arg("dtype_name"), nb::arg("array_cap"))
      .def("attach", &SandboxLoop::attach, nb::arg("fd"), "Reads and writes this socket from now on.")
      .def("put", &SandboxLoop::put, nb::arg("value"), "Stores value under a new handle; returns the handle.")
      .def("generic", &SandboxLoop::generic, nb::arg("denied"), nb::arg("dtype"), nb::arg("scalar"),
           "Runs the generic CALL/METHOD/GETATTR/OPERATOR/GETITEM requests here too.")
      .def("warnings", &SandboxLoop::warnings, nb::arg("pending"), nb::arg("warn_frame"),
           "Precedes a reply with warn_frame() whenever the request left `pending` non-empty.")
      .def_prop_ro("next_id", &SandboxLoop::next_id)
      .def("serve", &SandboxLoop::serve, nb::arg("slow"),
           "Answers requests until slow(payload) returns a non-bytes value (returned).");
}

}  // namespace flopscope::py
