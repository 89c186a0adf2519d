// flopscope.numpy.ndarray: a numpy.ndarray subclass with ndarray's exact
// layout (so results can be adopted by re-typing, no copy) whose operators,
// counted methods and NumPy protocol hooks (__array_ufunc__,
// __array_function__) all go through the counted dispatch.
#pragma once

#include "numpy_api.hpp"

namespace flopscope::py {

// Creates the type and adds it to `module` as "ndarray". Needs the counted
// ufunc and function tables to exist (looked up lazily on first use).
bool init_array_type(PyObject* module);

}  // namespace flopscope::py
