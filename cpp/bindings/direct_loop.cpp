#include "direct_loop.hpp"

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>

#include <nanobind/nanobind.h>
#include <numpy/arrayscalars.h>

#include "arguments.hpp"
#include "call.hpp"

namespace flopscope::py {

namespace nb = nanobind;

namespace {

// The capsule `ufunc._resolve_dtypes_and_context` returns and
// `ufunc._get_strided_loop` fills in; layout as documented in the latter's
// docstring (NumPy >= 1.24).
struct UfuncCallInfo {
  PyArrayMethod_StridedLoop* strided_loop;
  PyArrayMethod_Context* context;
  NpyAuxData* auxdata;
  npy_bool requires_pyapi;
  npy_bool no_floatingpoint_errors;
};
constexpr const char* kCallInfoCapsule = "numpy_1.24_ufunc_call_info";

// The flags NumPy's error state reacts to (npy_get_floatstatus_barrier); not FE_INEXACT.
constexpr int kFpeFlags = FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID;

constexpr int kMaxInputs = 2;
// Dtype combinations (with which inputs are 0-d or Python scalars) remembered
// per ufunc; calls with others take the full path. A program mixing float64,
// float32, masks and scalars uses a handful per ufunc.
constexpr int kMaxEntries = 16;
// NumPy releases the GIL for loops above this count (NPY_BEGIN_THREADS_THRESHOLDED);
// below it we keep the GIL as NumPy would, and above it NumPy's fixed cost hardly matters.
constexpr npy_intp kMaxCount = kRetypeLimit;

unsigned long long g_calls = 0;

// One resolved (or refused) dtype combination.
struct Entry {
  unsigned key;    // input type numbers and which inputs are read with stride 0 (0-d or scalar)
  bool usable;     // false: an unsafe cast would be needed, or resolution failed
  bool check_fpe;  // the loop may raise floating-point flags
  PyArray_Descr* cast[kMaxInputs];  // the dtype NumPy's loop takes input i in, or nullptr if as is
  PyArray_Descr* out;
  PyObject* capsule;  // owns context and auxdata
  PyArrayMethod_StridedLoop* loop;
  PyArrayMethod_Context* context;
  NpyAuxData* auxdata;
  npy_intp strides[kMaxInputs + 1];
};

unsigned make_key(const int* type_nums, int nin, unsigned zero_d) {
  unsigned key = zero_d << 16;
  for (int i = 0; i < nin; ++i) key |= static_cast<unsigned>(type_nums[i]) << (8 * i);
  return key;
}

}  // namespace

struct DirectLoops {
  int size = 0;
  Entry entries[kMaxEntries];
};

namespace {

// Asks NumPy for the loop of `ufunc` on inputs of `type_nums` (0-d where
// `zero_d` says so), exactly as its trivial path would fetch it. Runs once per
// combination, so it is written for clarity (nanobind objects), not speed.
// A combination NumPy will not resolve, or only with an unsafe cast, is not usable.
void resolve(PyObject* ufunc, const int* type_nums, int nin, unsigned zero_d, Entry* e) {
  e->usable = false;
  e->out = nullptr;
  e->capsule = nullptr;
  for (PyArray_Descr*& c : e->cast) c = nullptr;
  try {
    nb::list wanted;
    for (int i = 0; i < nin; ++i)
      wanted.append(nb::steal(reinterpret_cast<PyObject*>(PyArray_DescrFromType(type_nums[i]))));
    wanted.append(nb::none());  // the output: NumPy chooses
    nb::handle u(ufunc);
    nb::tuple resolved = nb::cast<nb::tuple>(u.attr("_resolve_dtypes_and_context")(nb::tuple(wanted)));
    nb::tuple descrs = nb::cast<nb::tuple>(resolved[0]);
    nb::object capsule = resolved[1];
    if (descrs.size() != static_cast<std::size_t>(nin) + 1) return;  // one output only
    for (std::size_t i = 0; i < descrs.size(); ++i)
      if (!PyArray_DescrCheck(descrs[i].ptr())) return;
    // An input of another dtype is cast first, as NumPy's trivial path does for
    // small inputs (a cast copy); only safe casts, NumPy refuses the others.
    PyArray_Descr* cast[kMaxInputs] = {};
    for (int i = 0; i < nin; ++i) {
      auto* got = reinterpret_cast<PyArray_Descr*>(descrs[i].ptr());
      auto* have = reinterpret_cast<PyArray_Descr*>(wanted[i].ptr());
      if (PyArray_EquivTypes(got, have)) continue;
      if (!PyArray_CanCastTypeTo(have, got, NPY_SAFE_CASTING)) return;
      cast[i] = got;
    }
    auto* out = reinterpret_cast<PyArray_Descr*>(descrs[nin].ptr());
    // The trivial path's strides: 0 for a 0-d input, else the item size (only
    // contiguous operands come here), and a fresh contiguous output.
    nb::list fixed;
    for (int i = 0; i <= nin; ++i) {
      const bool is_zero_d = i < nin && ((zero_d >> i) & 1u);
      e->strides[i] = is_zero_d ? 0 : PyDataType_ELSIZE(reinterpret_cast<PyArray_Descr*>(descrs[i].ptr()));
      fixed.append(e->strides[i]);
    }
    u.attr("_get_strided_loop")(capsule, nb::arg("fixed_strides") = nb::tuple(fixed));
    auto* info = static_cast<UfuncCallInfo*>(PyCapsule_GetPointer(capsule.ptr(), kCallInfoCapsule));
    if (info == nullptr) throw nb::python_error();
    if (info->strided_loop == nullptr || info->requires_pyapi) return;
    e->loop = info->strided_loop;
    e->context = info->context;
    e->auxdata = info->auxdata;
    e->check_fpe = !info->no_floatingpoint_errors;
    Py_INCREF(out);
    e->out = out;
    for (int i = 0; i < nin; ++i) {
      Py_XINCREF(cast[i]);
      e->cast[i] = cast[i];
    }
    e->capsule = capsule.release().ptr();
    e->usable = true;
  } catch (const nb::python_error&) {
    // e.g. no loop for these dtypes: the full path raises NumPy's own error
  } catch (const nb::cast_error&) {
    // an unexpected answer from a future NumPy: stay on the full path
  }
}

void release(Entry* e) {
  Py_XDECREF(e->out);
  for (PyArray_Descr* c : e->cast) Py_XDECREF(c);
  Py_XDECREF(e->capsule);
}

const Entry* find_or_resolve(DirectLoops** cache, PyObject* ufunc, const int* type_nums, int nin, unsigned zero_d) {
  const unsigned key = make_key(type_nums, nin, zero_d);
  if (DirectLoops* loops = *cache) {
    for (int i = 0; i < loops->size; ++i)
      if (loops->entries[i].key == key) return &loops->entries[i];
    if (loops->size == kMaxEntries) return nullptr;
  }
  Entry fresh;
  fresh.key = key;
  resolve(ufunc, type_nums, nin, zero_d, &fresh);
  // Resolving ran Python code, so another thread may have filled the cache meanwhile.
  DirectLoops* loops = *cache;
  if (loops == nullptr && (loops = *cache = new (std::nothrow) DirectLoops) == nullptr) {
    release(&fresh);
    return nullptr;
  }
  for (int i = 0; i < loops->size; ++i) {
    if (loops->entries[i].key == key) {
      release(&fresh);
      return &loops->entries[i];
    }
  }
  if (loops->size == kMaxEntries) {
    release(&fresh);
    return nullptr;
  }
  loops->entries[loops->size] = fresh;
  return &loops->entries[loops->size++];
}

// A Python float or int (or a NumPy scalar of the array's own dtype) next to
// an array. NumPy treats Python scalars as "weak" (NEP 50): they take the
// array's dtype. We do that for float64 arrays (floats, and ints that fit in
// 64 bits, converted as NumPy's int64 -> float64 cast does), float32 arrays
// (floats within float32's range, rounded once as NumPy's cast does, and ints
// up to 2**53, exact in a double) and int64 arrays (ints that fit); other
// pairings take the full path (where NumPy may warn, e.g. "overflow encountered
// in cast" for float32 * 1e300). Writes the value to `slot`.
bool read_scalar(PyObject* o, int partner_type, void* slot) {
  if (partner_type == NPY_FLOAT) {
    float v;
    if (PyFloat_CheckExact(o)) {
      const double d = PyFloat_AS_DOUBLE(o);
      if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max())) return false;
      v = static_cast<float>(d);
    } else if (Py_TYPE(o) == &PyFloatArrType_Type) {
      v = PyArrayScalar_VAL(o, Float);
    } else if (PyLong_CheckExact(o)) {
      int overflow = 0;
      const long long i = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow != 0 || (i == -1 && PyErr_Occurred())) return false;
      constexpr long long kExactInDouble = 1LL << 53;
      if (i > kExactInDouble || i < -kExactInDouble) return false;
      v = static_cast<float>(static_cast<double>(i));
    } else {
      return false;
    }
    std::memcpy(slot, &v, sizeof v);
    return true;
  }
  if (partner_type == NPY_DOUBLE) {
    double v;
    if (PyFloat_CheckExact(o)) {
      v = PyFloat_AS_DOUBLE(o);
    } else if (Py_TYPE(o) == &PyDoubleArrType_Type) {
      v = PyArrayScalar_VAL(o, Double);
    } else if (PyLong_CheckExact(o)) {
      int overflow = 0;
      long long i = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow != 0 || (i == -1 && PyErr_Occurred())) return false;
      v = static_cast<double>(i);
    } else {
      return false;
    }
    std::memcpy(slot, &v, sizeof v);
    return true;
  }
  const bool int64 = partner_type == NPY_LONGLONG || (partner_type == NPY_LONG && NPY_SIZEOF_LONG == 8);
  if (int64 && PyLong_CheckExact(o)) {
    int overflow = 0;
    long long i = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow != 0 || (i == -1 && PyErr_Occurred())) return false;
    std::int64_t v = i;
    std::memcpy(slot, &v, sizeof v);
    return true;
  }
  return false;
}

}  // namespace

namespace {

// Aligned and in native byte order: what the loops NumPy resolved expect.
bool native_aligned(PyArrayObject* a) { return PyArray_ISALIGNED(a) && PyArray_ISNOTSWAPPED(a); }

// Checks one array operand (an input, or the output) against the rules of
// NumPy's trivial path, restricted to native, aligned, contiguous, C-ordered
// arrays: 0-d inputs broadcast, every other operand has one common shape.
bool fits_trivial_path(PyArrayObject* a, int* ndim, const npy_intp** shape, int* order) {
  if (!native_aligned(a)) return false;
  const int nd = PyArray_NDIM(a);
  if (*ndim == 0) {
    *ndim = nd;
    *shape = PyArray_DIMS(a);
  } else if (nd != *ndim || !PyArray_CompareLists(*shape, PyArray_DIMS(a), nd)) {
    return false;
  }
  if (nd == 1) return PyArray_STRIDE(a, 0) == PyArray_ITEMSIZE(a);
  // NumPy's trivial path wants every N-d operand in the same order; we take C.
  const int op_order = PyArray_FLAGS(a) & (NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_F_CONTIGUOUS);
  if (!(op_order & NPY_ARRAY_C_CONTIGUOUS) || (*order != 0 && *order != op_order)) return false;
  *order = op_order;
  return true;
}

// Calls the loop with `dims` and `steps` (for an elementwise loop: the count
// and the entry's strides). False (nothing raised) when NumPy must run the
// call again: the loop failed or raised a floating-point flag, which NumPy
// then reports per np.errstate.
bool call_loop(const Entry* e, char* const* data, npy_intp* dims, const npy_intp* steps) {
  if (e->check_fpe && std::fetestexcept(kFpeFlags)) std::feclearexcept(kFpeFlags);
  const int rc = e->loop(e->context, data, dims, steps, e->auxdata);
  if (rc == 0 && !PyErr_Occurred() && !(e->check_fpe && std::fetestexcept(kFpeFlags))) return true;
  PyErr_Clear();
  return false;
}

// The elementwise loop over `count` elements.
bool run_loop(const Entry* e, char* const* data, npy_intp count) {
  return count == 0 || call_loop(e, data, &count, e->strides);
}

// Largest matmul run here, in multiply-adds (n·k·m).
constexpr npy_intp kMaxMatmulWork = npy_intp{1} << 17;

// Largest result written to the scratch buffer before it is copied into out=.
constexpr std::size_t kScratchBytes = kMaxCount * 32;  // 500 clongdoubles

// run_loop into a scratch buffer, copied into `out` on success. Out of line so
// that calls without out= do not carry the buffer in their frame.
[[gnu::noinline]] bool run_loop_into(const Entry* e, char** data, int nin, npy_intp count, PyArrayObject* out) {
  alignas(64) char scratch[kScratchBytes];
  data[nin] = scratch;
  if (!run_loop(e, data, count)) return false;
  std::memcpy(PyArray_BYTES(out), scratch, static_cast<std::size_t>(PyArray_NBYTES(out)));
  return true;
}

}  // namespace

PyObject* call_direct_loop(DirectLoops** cache, PyObject* ufunc, PyObject* const* inputs, int nin, PyObject* out) {
  if (nin < 1 || nin > kMaxInputs) return nullptr;
  char* data[kMaxInputs + 1];
  int type_nums[kMaxInputs];
  unsigned zero_d = 0;
  int scalar = -1;  // the index of a Python scalar input
  int ndim = 0;
  const npy_intp* shape = nullptr;
  int order = 0;
  for (int i = 0; i < nin; ++i) {
    if (Py_TYPE(inputs[i]) != &PyArray_Type) {
      if (nin != 2 || scalar >= 0) return nullptr;
      scalar = i;
      continue;
    }
    auto* a = reinterpret_cast<PyArrayObject*>(inputs[i]);
    type_nums[i] = PyArray_TYPE(a);
    data[i] = PyArray_BYTES(a);
    if (!is_numeric_type(type_nums[i])) return nullptr;
    if (PyArray_NDIM(a) == 0) {
      if (!native_aligned(a)) return nullptr;
      zero_d |= 1u << i;
    } else if (!fits_trivial_path(a, &ndim, &shape, &order)) {
      return nullptr;
    }
  }
  auto* out_array = reinterpret_cast<PyArrayObject*>(out);
  if (out != nullptr) {
    if (Py_TYPE(out) != &PyArray_Type || !PyArray_ISWRITEABLE(out_array)) return nullptr;
    // 0-d inputs broadcast to out's shape; out cannot broadcast to the inputs'.
    if (ndim != 0 && PyArray_NDIM(out_array) == 0) return nullptr;
    if (PyArray_NDIM(out_array) != 0 && !fits_trivial_path(out_array, &ndim, &shape, &order)) return nullptr;
  }
  alignas(16) unsigned char scalar_slot[16];
  if (scalar >= 0) {
    type_nums[scalar] = type_nums[1 - scalar];
    if (!read_scalar(inputs[scalar], type_nums[scalar], scalar_slot)) {
      PyErr_Clear();
      return nullptr;
    }
    data[scalar] = reinterpret_cast<char*>(scalar_slot);
    zero_d |= 1u << scalar;  // read with stride 0, as a 0-d array would be
  }
  npy_intp count = PyArray_MultiplyList(shape, ndim);
  if (count > kMaxCount) return nullptr;
  const Entry* e = find_or_resolve(cache, ufunc, type_nums, nin, zero_d);
  if (e == nullptr || !e->usable) return nullptr;
  if (scalar >= 0 && e->cast[scalar] != nullptr) return nullptr;  // a Python scalar NumPy would cast
  if (out != nullptr && !PyArray_EquivTypes(PyArray_DESCR(out_array), e->out)) return nullptr;  // NumPy casts

  // Inputs in another dtype than the loop's: a contiguous cast copy (owned).
  struct Casts {
    PyObject* arrays[kMaxInputs] = {};
    ~Casts() {
      for (PyObject* a : arrays) Py_XDECREF(a);
    }
  } casts;
  for (int i = 0; i < nin; ++i) {
    if (e->cast[i] == nullptr) continue;
    Py_INCREF(e->cast[i]);
    casts.arrays[i] = PyArray_CastToType(reinterpret_cast<PyArrayObject*>(inputs[i]), e->cast[i], 0);
    if (casts.arrays[i] == nullptr) {
      PyErr_Clear();  // the full path reports it
      return nullptr;
    }
    data[i] = PyArray_BYTES(reinterpret_cast<PyArrayObject*>(casts.arrays[i]));
  }

  // The loop writes to a fresh array, or for out= to a scratch buffer copied
  // into out only once the call has succeeded: out may be an input (x += y),
  // and a call handed back to NumPy must find its inputs untouched.
  PyObject* result;
  if (out == nullptr) {
    Py_INCREF(e->out);
    result = PyArray_NewFromDescr(&PyArray_Type, e->out, ndim, shape, nullptr, nullptr, 0, nullptr);
    if (result == nullptr) {
      PyErr_Clear();
      return nullptr;
    }
    data[nin] = PyArray_BYTES(reinterpret_cast<PyArrayObject*>(result));
    if (!run_loop(e, data, count)) {
      Py_DECREF(result);
      return nullptr;
    }
  } else {
    if (!run_loop_into(e, data, nin, count, out_array)) return nullptr;
    Py_INCREF(out);
    result = out;
  }
  ++g_calls;
  return result;
}

// matmul's inner loop takes (numpy/_core/src/umath/matmul.c.src): dimensions
// {outer count, n, k, m} and steps {3 outer strides, A's n and k strides, B's
// k and m strides, out's n and m strides}; a missing core dimension (a 1-d
// operand) has size 1 and stride 0. NumPy's generalized-ufunc path passes the
// operands' own strides, so the loop makes the same BLAS choices (gemm, gemv,
// dot or its plain loops) here as there.
PyObject* call_direct_matmul(DirectLoops** cache, PyObject* ufunc, PyObject* a_obj, PyObject* b_obj) {
  if (Py_TYPE(a_obj) != &PyArray_Type || Py_TYPE(b_obj) != &PyArray_Type) return nullptr;
  auto* a = reinterpret_cast<PyArrayObject*>(a_obj);
  auto* b = reinterpret_cast<PyArrayObject*>(b_obj);
  const int type_num = PyArray_TYPE(a);
  const int nd_a = PyArray_NDIM(a), nd_b = PyArray_NDIM(b);
  if (PyArray_TYPE(b) != type_num || !is_numeric_type(type_num) || nd_a < 1 || nd_a > 2 || nd_b < 1 || nd_b > 2)
    return nullptr;  // batches, 0-d operands and mixed dtypes take the full call
  if (!native_aligned(a) || !native_aligned(b)) return nullptr;
  const bool has_n = nd_a == 2, has_m = nd_b == 2;
  const npy_intp n = has_n ? PyArray_DIM(a, 0) : 1, k = PyArray_DIM(a, nd_a - 1);
  const npy_intp m = has_m ? PyArray_DIM(b, 1) : 1;
  if (PyArray_DIM(b, 0) != k || n == 0 || k == 0 || m == 0) return nullptr;
  // Small problems only: NumPy releases the GIL around bigger ones.
  if (n * m > kMaxCount || n * k * m > kMaxMatmulWork) return nullptr;
  const int type_nums[2] = {type_num, type_num};
  const Entry* e = find_or_resolve(cache, ufunc, type_nums, 2, 0);
  if (e == nullptr || !e->usable || e->cast[0] != nullptr || e->cast[1] != nullptr) return nullptr;

  npy_intp out_shape[2];
  int out_nd = 0;
  if (has_n) out_shape[out_nd++] = n;
  if (has_m) out_shape[out_nd++] = m;
  Py_INCREF(e->out);
  PyObject* result = PyArray_NewFromDescr(&PyArray_Type, e->out, out_nd, out_shape, nullptr, nullptr, 0, nullptr);
  if (result == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  auto* out = reinterpret_cast<PyArrayObject*>(result);
  const npy_intp out_item = PyArray_ITEMSIZE(out);
  npy_intp dims[4] = {1, n, k, m};
  npy_intp steps[9] = {0, 0, 0,
                       has_n ? PyArray_STRIDE(a, 0) : 0, PyArray_STRIDE(a, nd_a - 1),
                       PyArray_STRIDE(b, 0), has_m ? PyArray_STRIDE(b, 1) : 0,
                       has_n ? (has_m ? m * out_item : out_item) : 0, has_m ? out_item : 0};
  char* data[3] = {PyArray_BYTES(a), PyArray_BYTES(b), PyArray_BYTES(out)};
  if (!call_loop(e, data, dims, steps)) {
    Py_DECREF(result);
    return nullptr;
  }
  ++g_calls;
  return result;
}

unsigned long long direct_loop_calls() { return g_calls; }

void free_direct_loops(DirectLoops* cache) {
  if (cache == nullptr) return;
  for (int i = 0; i < cache->size; ++i) release(&cache->entries[i]);
  delete cache;
}

}  // namespace flopscope::py
