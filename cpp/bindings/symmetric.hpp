// Symmetric tensors in the binding (spec 5.4): the C type that carries a
// symmetry tag (flopscope._core.SymmetricBase; flops.SymmetricTensor is its
// Python subclass), reading and voiding tags, tagging results, and the
// pricing hooks the counted calls take when an operand is tagged (or one
// array is passed at several operand positions of a contraction). The group
// algebra and every count are the core's (flopscope/symmetry.hpp).
//
// Plain arrays never come here: the hot path tests Py_TYPE(o) ==
// state().array_type first, and a SymmetricTensor takes the slower path
// (Operands::inspect_other), which reads its tag.
#pragma once

#include "numpy_api.hpp"

#include <nanobind/nanobind.h>

#include "arguments.hpp"
#include "call.hpp"
#include "flopscope/einsum.hpp"
#include "flopscope/pricing.hpp"
#include "flopscope/profile.hpp"
#include "flopscope/symmetry.hpp"

namespace flopscope::py::sym {

using symmetry::Id;

inline PyTypeObject* base_type = nullptr;    // flopscope._core.SymmetricBase
inline PyTypeObject* tensor_type = nullptr;  // flopscope.SymmetricTensor (registered by the package)

// Whether `o` is one of our symmetric tensors (the exact registered type:
// a participant's subclass of it is foreign, as for any subclass).
inline bool is_tensor(PyObject* o) { return tensor_type != nullptr && Py_TYPE(o) == tensor_type; }

// The tag of `o`, 0 when none, voided (a write into its buffer since it was
// tagged, through it or through another tagged view of the same buffer), or
// no longer fitting its shape.
Id tag_of(PyObject* o);
// Voids the tag of `o` (if one of ours) and of every tagged view of its buffer.
void void_tag(PyObject* o);
// out= of a counted call: voids each SymmetricTensor in it (an array or a tuple).
void void_outputs(PyObject* out);
// Ops that write into their first array argument (fill_diagonal, put, copyto,
// shuffle, ...): voids it when it is a SymmetricTensor.
// `in_place`: an ndarray method that sorts or partitions its array (args[0]).
void void_written(OpId op, PyObject* const* args, Py_ssize_t nargs, bool in_place);
// `result` (a flopscope array, or a tuple of them; stolen) tagged with `id` as
// a SymmetricTensor view; unchanged for id 0, scalars, or a group that does
// not fit its shape.
PyObject* tag_result(PyObject* result, Id id);

// Under symmetry.creation: the group a creation's result is tagged with
// (zeros/ones/full/eye/identity/diag/*_like of a square shape: S_ndim), else 0.
Id creation_group(OpId op, PyObject* result, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);

// After a free op (its result wrapped; stolen): a creation tagged under
// symmetry.creation; from a tagged first argument, a copy keeps its group and
// a view (transpose, swapaxes, expand_dims, squeeze, ...) the group carried
// over its axes; under symmetry.creation asarray/array of a SymmetricTensor is
// a plain array (as upstream returns it).
PyObject* after_free_op(const Profile& profile, OpId op, PyObject* result, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames);

// An op priced by a formula whose result keeps its tagged input's group: under
// symmetry.orbits linalg.inv (upstream 0.12.4 tags inv(S)); else 0.
Id formula_result_group(const Profile& profile, OpId op, PyObject* const* args, Py_ssize_t nargs);

// Pointwise call on `n` operands (the inputs): the output group and, under a
// profile with symmetry.orbits, `*cost` replaced by the orbits of the output.
void price_pointwise(const Profile& profile, OpId op, const OperandShape* shapes, int n, int nout, Flops* cost,
                     Id* out);
// Reduction of `in` over `axis` (None/absent: all; int; tuple), `keepdims`:
// the counts the profile's reduction formula takes (orbits under the setwise
// stabilizer of the reduced axes under symmetry.orbits, else every element),
// and the output group. False (exception set) for a bad axis.
bool reduction_counts(const char* op, const Profile& profile, const OperandShape& in, PyObject* axis,
                      PyObject* keepdims, Flops* in_count, Flops* out_count, Id* out);
// Whether a contraction of these operands needs the symmetric engine: a
// tagged operand, the same array at two positions, or (under
// symmetry.transposed_views) an array and its transpose.
bool contraction_needs_slow(const Profile& profile, PyObject* const* operands, int n);
inline bool contraction_needs(const Profile& profile, PyObject* const* operands, int n, bool any_tagged) {
  if (any_tagged) [[unlikely]]
    return true;
  if (n == 2) [[likely]] {  // the common binary call: two loads and compares
    if (operands[0] == operands[1]) return PyArray_Check(operands[0]);
    if (!profile.symmetry_transposed_views || !PyArray_Check(operands[0]) || !PyArray_Check(operands[1]) ||
        PyArray_DATA(reinterpret_cast<PyArrayObject*>(operands[0])) !=
            PyArray_DATA(reinterpret_cast<PyArrayObject*>(operands[1])))
      return false;
  }
  return contraction_needs_slow(profile, operands, n);
}
// Prices `expr` along `path` with the symmetric engine (real operands; a
// complex call keeps its dense price): replaces *cost under symmetry.orbits
// and sets the output group.
void price_einsum(const Profile& profile, OpId op, const einsum::Expression& expr, const einsum::Path& path,
                  PyObject* const* operands, const OperandShape* shapes, int n, Flops* cost, Id* out);
// The product functions and matmul as einsum expressions over their operands'
// shapes (NumPy's alignment), priced by price_einsum. kind: 'd' dot, 'i' inner,
// 'o' outer, 't' tensordot (a_axes/b_axes), 'm' matmul.
void price_product(const Profile& profile, OpId op, char kind, PyObject* const* operands,
                   const OperandShape* shapes, const std::vector<int>& a_axes, const std::vector<int>& b_axes,
                   Flops* cost, Id* out);

// A table row's call (counted_function.cpp), once the core priced it: the
// contraction rows (dot, inner, outer, tensordot, linalg.outer/tensordot,
// einsum) go through the symmetric engine when an operand is tagged or one
// array is passed at two operand positions (the engine needs the objects to
// see that); `priced` gets its cost and result group. The pointwise rows and
// reductions of tagged operands the core prices itself (formulas/core.cpp).
bool is_contraction(OpId op);  // a row price_row may price again
// Whether two of the n objects are one array or share memory (a transposed
// view): the only way untagged operands make a contraction symmetric.
inline bool repeats(PyObject* const* objects, std::size_t n) {
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      if (objects[i] == objects[j]) return objects[i] != nullptr;
      if (objects[i] != nullptr && objects[j] != nullptr && PyArray_Check(objects[i]) && PyArray_Check(objects[j]) &&
          PyArray_DATA(reinterpret_cast<PyArrayObject*>(objects[i])) ==
              PyArray_DATA(reinterpret_cast<PyArrayObject*>(objects[j])))
        return true;
    }
  return false;
}
void price_row(const Profile& profile, OpId op, const Signature& signature, PyObject* const* slot_objects,
               std::size_t n_slots, std::span<PyObject* const> rest_objects, bool tagged, Priced* priced);
// The result of a table row's call (wrapped; stolen), tagged as the row gives
// it: the group pricing found, inv(S) under symmetry.orbits, a creation under
// symmetry.creation, a copy or view of a SymmetricTensor.
PyObject* tag_row_result(const Profile& profile, OpId op, PyObject* result, Id priced_group, bool tagged,
                         PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);

// SymmetryLossWarning (registered by the package) and configure(symmetry_warnings=...).
inline PyObject* loss_warning = nullptr;
inline bool loss_warnings = true;
// After a counted call (its time booked): warns SymmetryLossWarning that the
// symmetry of the first tagged operand among `shapes` did not survive `op`
// (upstream 0.12.4's messages). The warning points at the caller's line (a C
// function has no frame of its own). Returns `result`, or nullptr (result
// dropped) when a warnings filter turns it into an error.
PyObject* warn_lost(PyObject* result, const OperandShape* shapes, int n, const char* op, bool reduction);

// Creates flopscope._core.SymmetricBase and the _core functions of symmetric tensors.
void register_module(nanobind::module_& m);

}  // namespace flopscope::py::sym
