// Small elementwise ufunc calls without a second trip through NumPy's ufunc
// machinery.
//
// NumPy runs `ufunc(a, b)` on same-shape (or 0-d), contiguous operands as one
// call of one strided inner loop ("trivial" iteration in
// numpy/_core/src/umath/ufunc_object.c), after a cast copy of any small input
// whose dtype is not the loop's. For one elementwise call that
// machinery — argument parsing, dtype resolution, loop lookup, error-state
// handling — costs several times the loop itself, and a NumPy function called
// on our arrays (`np.exp(x)`) pays it twice: once to reach __array_ufunc__
// and once to run.
//
// Here NumPy is asked once per ufunc and dtype combination for that very loop
// (`ufunc._resolve_dtypes_and_context` and `ufunc._get_strided_loop`, NumPy's
// documented low-level access) and the loop is then called directly with the
// strides and output layout NumPy's own trivial path uses (inputs in another
// dtype are cast first with NumPy's cast): the result is NumPy's, bit for bit.
// Anything else — a floating-point flag raised, a loop error, a cast that is
// not safe, a combination NumPy will not resolve — goes through the full
// ufunc, so warnings, np.errstate and error messages stay NumPy's.
#pragma once

#include "numpy_api.hpp"

namespace flopscope::py {

struct DirectLoops;  // one ufunc's cache of resolved loops

// ufunc(inputs[0..nin)) as a new plain ndarray, or written into `out` (a
// plain ndarray; nullptr for none) and `out` returned (new reference); nullptr
// (no exception set) when the call must take NumPy's full path. `*cache` is
// created on first use.
PyObject* call_direct_loop(DirectLoops** cache, PyObject* ufunc, PyObject* const* inputs, int nin,
                           PyObject* out = nullptr);

// a @ b for small 1-d/2-d operands of one dtype, through matmul's own inner
// loop with the dimensions and strides NumPy's generalized-ufunc path passes;
// nullptr (no exception) when the call must take NumPy's full path.
PyObject* call_direct_matmul(DirectLoops** cache, PyObject* ufunc, PyObject* a, PyObject* b);

// How many calls call_direct_loop has completed in this process (for tests:
// proof that the direct path ran).
unsigned long long direct_loop_calls();

// Releases a cache made by call_direct_loop (nullptr is fine).
void free_direct_loops(DirectLoops* cache);

}  // namespace flopscope::py
