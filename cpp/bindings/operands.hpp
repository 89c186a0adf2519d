// Operands of one counted call: read from the NumPy structs (shape and dtype
// copied, foreign objects recognised), converted into what NumPy runs without
// re-entering flopscope, and the result handed back as flopscope arrays.
#pragma once

#include "numpy_api.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "flopscope/cost_model.hpp"
#include "flopscope/dtype.hpp"
#include "state.hpp"

namespace flopscope::py {

// Numeric dtypes: bool, the integers, the floats (incl. half) and the complexes.
inline bool is_numeric_type(int type_num) { return type_num <= NPY_CLONGDOUBLE || type_num == NPY_HALF; }

// Plain data: values whose conversion and use run no participant Python
// (numbers, strings, NumPy scalars, dtypes and scalar types, exact ndarrays
// and ours, slices, and lists/tuples of these). Everything else is foreign:
// its __array__, __index__, __len__, ... methods are user code.
bool is_plain_slow(PyObject* o, int depth);
inline bool is_plain(PyObject* o) {
  PyTypeObject* tp = Py_TYPE(o);
  if (tp == &PyArray_Type || tp == state().array_type || tp == &PyFloat_Type || tp == &PyLong_Type ||
      o == Py_None || tp == &PyBool_Type || tp == &PyUnicode_Type) [[likely]]
    return true;
  return is_plain_slow(o, 0);
}
// An int whose value is read without running participant Python: an exact
// Python int or an instance of one of NumPy's own integer scalar types. A
// Python subclass of np.int64 (a heap type) may override __index__ with code
// that mutates the list being read, so it is not one.
inline bool is_exact_integer(PyObject* o) {
  return PyLong_CheckExact(o) ||
         (PyArray_IsScalar(o, Integer) && !PyType_HasFeature(Py_TYPE(o), Py_TPFLAGS_HEAPTYPE));
}
// `o` as NumPy may safely read it when it is foreign: lists (at any depth, also
// inside tuples) replaced by copies that no participant code holds, so that an
// item's __index__/__float__ that empties the list cannot shrink it under
// NumPy's sequence readers, which keep borrowed items (NumPy 2.x segfaults).
// New reference; nullptr with an exception set on failure.
PyObject* snapshot_lists(PyObject* o);
// Whether any of the n arguments is foreign.
inline bool any_foreign(PyObject* const* args, Py_ssize_t n) {
  for (Py_ssize_t i = 0; i < n; ++i)
    if (!is_plain(args[i])) [[unlikely]]
      return true;
  return false;
}

// Largest array that is re-typed in place to plain ndarray for the NumPy call.
// NumPy releases the GIL for loops over more than 500 elements; below that no
// other thread can observe the temporary type, above it a view is made instead.
constexpr npy_intp kRetypeLimit = 500;

// What the price of one operand may depend on: its shape (copied when read, so
// a callback that reshapes or frees the array cannot change it under us), its
// dtype, and a symmetry tag (0 = none; a SymmetricTensor's group, which
// symmetry.orbits profiles price by its distinct elements).
// Trivially constructible: call frames hold arrays of these uninitialised.
struct OperandShape {
  int ndim;
  const npy_intp* dims;  // ndim extents, owned by the Operands that read them
  int type_num;          // NumPy dtype number (NPY_DOUBLE, ...); NPY_NOTYPE for Python scalars
  std::uint32_t symmetry;  // symmetry::Id of a SymmetricTensor's valid tag (symmetric.hpp), else 0
  dtype::Weak weak;      // a Python scalar's kind (NEP 50 weak operand); None for arrays
  cost::Shape span() const { return {reinterpret_cast<const cost::Extent*>(dims), static_cast<std::size_t>(ndim)}; }
  Flops numel() const { return cost::numel(span()); }
  bool complex() const { return PyTypeNum_ISCOMPLEX(type_num) || weak == dtype::Weak::Complex; }
};
static_assert(sizeof(npy_intp) == sizeof(cost::Extent));

// Converts the operands of one call into something NumPy runs without
// re-entering flopscope, and undoes it afterwards.
class Operands {
 public:
  explicit Operands(const char* op_name) : op_name_(op_name) {}
  ~Operands() {
    restore();
    if (n_owned_ != 0) release_owned();
  }
  Operands(const Operands&) = delete;
  Operands& operator=(const Operands&) = delete;

  // Reads an operand's shape; converts non-array inputs (lists, ...) to arrays.
  // Refuses non-numeric dtypes with UnsupportedDtypeError. Returns the object
  // to use in place of `o` (borrowed; owned by this Operands), or nullptr on error.
  // Inline for exact ndarrays and flopscope arrays; everything else out of line.
  PyObject* inspect(PyObject* o, OperandShape* shape) {
    PyTypeObject* tp = Py_TYPE(o);
    if (tp == &PyArray_Type || tp == state().array_type) {
      auto* a = reinterpret_cast<PyArrayObject*>(o);
      if (is_numeric_type(PyArray_TYPE(a))) [[likely]] {
        read_array(a, shape);
        return o;
      }
    }
    return inspect_other(o, shape);
  }

  // Makes `o` safe to hand to NumPy: flopscope arrays become plain ndarrays
  // (re-typed in place when small, a view otherwise), also inside tuples and
  // lists at any depth. Returns a borrowed reference or nullptr on error.
  PyObject* plain(PyObject* o) {
    PyTypeObject* tp = Py_TYPE(o);
    if (tp == &PyArray_Type || tp == &PyFloat_Type || tp == &PyLong_Type) return o;
    if (tp == state().array_type && PyArray_SIZE(reinterpret_cast<PyArrayObject*>(o)) <= kRetypeLimit &&
        n_retyped_ < kInline) {
      // Same layout, so only the type pointer changes; restored before we
      // return. We hold a reference meanwhile: a callback inside NumPy may drop
      // the caller's last one (e.g. by emptying the list that held it).
      Py_INCREF(o);
      retyped_[n_retyped_++] = o;
      Py_SET_TYPE(o, &PyArray_Type);
      return o;
    }
    return plain_other(o);
  }

  // True when every array operand still has the shape it was priced with. A
  // callback (an argument's __index__, ...) may reshape one in place
  // (a.shape = ..., a.resize(..., refcheck=False)) after we read it.
  bool shapes_unchanged() const {
    for (int i = 0; i < n_watched_; ++i)
      if (!same_shape(watched_[i])) [[unlikely]]
        return false;
    for (const Watched& w : watched_overflow_)
      if (!same_shape(w)) return false;
    return true;
  }
  // Raises the error for a changed operand (RuntimeError; returns nullptr).
  PyObject* raise_shape_changed() const;
  // A Python int beyond 64 bits among the operands, with no array or float
  // beside it (args: the positional arguments), makes NumPy compute with Python
  // objects: uncountable, and unbounded (power of two such ints never ends).
  // Raises OverflowError naming the op and returns true then.
  bool refuses_object_arithmetic(PyObject* const* args, Py_ssize_t n) const;

  // For a call with a foreign argument: plain() hands NumPy its own copy of
  // every list (nested ones too), so that participant code run while NumPy
  // reads one (an item's __index__ that empties the list) cannot shrink it
  // under NumPy's reader, which holds borrowed items (NumPy 2.x segfaults on
  // np.reshape(x, lst) whose item runs `del lst[:]`).
  void copy_lists() { copy_lists_ = true; }

  // Whether a tagged SymmetricTensor was read (its call takes symmetric.hpp's hooks).
  bool tagged() const { return tagged_; }

  // Keeps a new reference alive until the call ends (steals it).
  void keep(PyObject* o) { own(o); }

  // Puts the re-typed arrays back (idempotent).
  void restore() {
    const int n = n_retyped_;
    n_retyped_ = 0;
    for (int i = 0; i < n; ++i) Py_SET_TYPE(retyped_[i], state().array_type);
    for (int i = 0; i < n; ++i) Py_DECREF(retyped_[i]);
  }

  // NumPy hands back out= itself; when out was one of our arrays passed as a
  // plain view (too large to re-type), hands back our array instead of that
  // view (also inside a result tuple). Steals and returns a new reference.
  PyObject* unview(PyObject* result) {
    if (n_viewed_ == 0 || result == nullptr) [[likely]] return result;
    return unview_slow(result);
  }

 private:
  // Small fixed buffers: a counted call must not allocate beyond its result.
  static constexpr int kInline = 16;
  static constexpr int kDimPool = 64;
  void read_array(PyArrayObject* a, OperandShape* shape) {
    const int nd = PyArray_NDIM(a);
    shape->ndim = nd;
    shape->type_num = PyArray_TYPE(a);
    shape->symmetry = 0;
    shape->weak = dtype::Weak::None;
    if (n_dims_ + nd <= kDimPool) [[likely]] {
      npy_intp* d = dim_pool_ + n_dims_;
      std::copy(PyArray_DIMS(a), PyArray_DIMS(a) + nd, d);
      n_dims_ += nd;
      shape->dims = d;
    } else {
      shape->dims = copy_dims_slow(PyArray_DIMS(a), nd);
    }
    if (n_watched_ < kInline) [[likely]]
      watched_[n_watched_++] = {a, shape->dims, nd};
    else
      watched_overflow_.push_back({a, shape->dims, nd});
  }
  struct Watched {
    PyArrayObject* array;
    const npy_intp* dims;  // the copy the price was computed from
    int ndim;
  };
  static bool same_shape(const Watched& w) {
    return PyArray_NDIM(w.array) == w.ndim && std::equal(w.dims, w.dims + w.ndim, PyArray_DIMS(w.array));
  }
  const npy_intp* copy_dims_slow(const npy_intp* dims, int nd);
  PyObject* inspect_other(PyObject* o, OperandShape* shape);
  PyObject* plain_other(PyObject* o);
  PyObject* unview_slow(PyObject* result);
  PyObject* own(PyObject* o);
  void release_owned();
  const char* op_name_;
  PyObject* retyped_[kInline];
  int n_retyped_ = 0;
  PyObject* owned_[kInline];
  int n_owned_ = 0;
  PyObject* viewed_[kInline][2];  // (our array, the plain view of it handed to NumPy), borrowed
  int n_viewed_ = 0;
  std::vector<PyObject*> owned_overflow_;  // past kInline; only filled with n_owned_ == kInline
  Watched watched_[kInline];               // array operands and the shapes they were priced with
  int n_watched_ = 0;
  bool copy_lists_ = false;  // see copy_lists()
  bool big_int_ = false;  // a Python int beyond 64 bits was read (see refuses_object_arithmetic)
  bool tagged_ = false;   // see tagged()
  std::vector<Watched> watched_overflow_;
  npy_intp dim_pool_[kDimPool];            // operand shapes, copied
  int n_dims_ = 0;
  std::vector<std::vector<npy_intp>> dims_overflow_;  // past kDimPool
};

// Result of a NumPy call as flopscope arrays (steals `result`): plain ndarrays
// are re-typed (fresh) or viewed (shared), numeric scalars become 0-d arrays,
// tuples and lists are handled element-wise. nullptr passes through.
PyObject* wrap_result(PyObject* result);

// The NEP 50 kind of a Python number (None for anything else). Reads types only.
dtype::Weak python_scalar_kind(PyObject* o);

}  // namespace flopscope::py
