// The cost formulas. Each formula lives here and nowhere else, beside the
// source that fixes it. All functions are pure and exact (integer FLOPs); they
// throw CostOverflowError rather than wrap.
#pragma once

#include <optional>
#include <cstdint>
#include <span>
#include <vector>

#include "flopscope/checked.hpp"
#include "flopscope/dtype.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace flopscope::cost {

using Extent = std::int64_t;
using Shape = std::span<const Extent>;

// Number of elements of a shape (1 for a scalar).
Flops numel(Shape shape);

// A gufunc's axes= argument (matmul, vecdot, ...): the operand's shape with its
// core axes (negative ones count from the end) moved last, in the order
// given, so that it prices like the default layout. False for an axis out of
// range or named twice.
bool move_axes_last(Shape shape, std::span<const int> core_axes, std::vector<Extent>* out);

// Output size of reducing `shape` over `axes` (normalised): the product of the
// extents that survive, exact even when a reduced axis is empty.
Flops kept_numel(Shape shape, std::span<const int> axes);

// NumPy broadcasting of several shapes. Returns false when they do not broadcast.
bool broadcast_shapes(std::span<const Shape> shapes, std::vector<Extent>* out);

// The core layouts of NumPy's contraction gufuncs: matmul (..., m, k) @ (..., k, n)
// (a 1-d operand promoted to a row / column as NumPy does), vecdot (..., k)·(..., k),
// matvec (..., m, k)(..., k), vecmat (..., k)(..., k, n).
enum class CoreLayout : std::uint8_t { Matmul, Vecdot, Matvec, Vecmat };
struct GufuncDims {
  Flops batch = 1;  // numel of the broadcast loop dimensions
  Extent m = 1, k = 1, n = 1;
};
// Number of core dimensions of operand i (0 or 1) of `layout` with `ndim` dimensions.
int core_dims(CoreLayout layout, int i, int ndim);
// The loop and core extents of a contraction gufunc call on shapes a and b
// (core axes last). False when NumPy would refuse them (too few dimensions,
// core extents that differ, loop dimensions that do not broadcast).
bool gufunc_dims(CoreLayout layout, Shape a, Shape b, GufuncDims* out);

namespace detail {
Flops apply_weight(const Profile& profile, OpId op, Flops flops);
}

// Applies the profile's per-op weight: int(flops * weight) (spec section 2.1,
// weight factor; every weight is 1 in the primer profile). Inline because it
// is on every counted call; the weighted case is out of line.
inline Flops weighted(const Profile& profile, OpId op, Flops flops) {
  if (profile.unit_weights()) return flops;
  return detail::apply_weight(profile, op, flops);
}

// primer, "Pointwise (1 FLOP/element)": one FLOP per output element, for
// every output of a multi-output ufunc (divmod, frexp, modf compute nout values).
// Profiles with pointwise.floor bill at least that many (upstream: 1, even for
// empty operands; spec section 2.6), or the op's own floor.<op>.
inline Flops pointwise(const Profile& profile, OpId op, Flops numel_out, int nout = 1) {
  // The floor is per output (measured: upstream bills an empty divmod 2).
  if (numel_out < profile.pointwise_floor) [[unlikely]] numel_out = profile.floor_or(op, profile.pointwise_floor);
  return weighted(profile, op, checked_mul(numel_out, static_cast<Flops>(nout)));
}

// primer, "Reductions (input size)": the input size. Profiles with
// reduction.subtract_output bill input - output (spec section 2.7), and at
// least reduction.floor (upstream 0.12.4 bills 1 for a 0-d or empty reduction,
// measured with scripts/differential). A profile's reduction.form.<op> replaces
// the convention for that op (Profile::ReductionForm; `integral`: the input is
// bool or integer, for reduction.integer_form.<op>). `numel_scanned`: what a
// form's pointwise scans read where it is not `numel_in` (a symmetric input's
// own orbits; see Profile::ReductionForm).
Flops reduction(const Profile& profile, OpId op, Flops numel_in, Flops numel_out, bool integral = false,
                std::optional<Flops> numel_scanned = std::nullopt);

// The same at the rate of `billed` itself (an explicit dtype= argument: no
// compute rule, spec 2.3).
// complex_exact >= 0: the call's exact complex count (Arithmetic::Complex),
// billed at the rate alone when the billed dtype is complex.
Flops dtype_billed_exactly(const Profile& profile, OpId op, Flops flops, dtype::Dtype billed,
                           Flops complex_exact = -1);

// A conversion of `source` elements to `dest` (astype, asarray/array with a
// dtype=, under dtype_argument.<op> heavier): billed at whichever of the two
// dtypes has the higher rate, the source on a tie, with that dtype's complex
// factor (upstream flopscope 0.12.4, measured over every pair of 9 dtypes:
// float32 -> complex64 bills as float32, complex64 -> float32 as complex64).
Flops conversion_billed(const Profile& profile, OpId op, Flops flops, dtype::Dtype source, dtype::Dtype dest);

// A formula's count for one call (formulas/*.hpp), at least the profile's
// floor.<op>, weighted.
Flops formula_call(const Profile& profile, OpId op, Flops formula_flops);

// An op the profile bills by what it writes (writes.<op>; spec 2.5 "every byte
// written is metered": a copy, a join, a fill = the elements written; arange,
// linspace 2 per element; spec 2.11: a random draw 1 per value, uniform 3):
// factor x `elements` (of the result, counted after the call), at least
// pointwise.floor unless the rule says no-floor, weighted. 0 where the profile
// gives the op no rule.
Flops writes(const Profile& profile, OpId op, Flops elements);

// ufunc.reduceat (primer "Reductions (input size)": what is read). The number
// of elements the output slices read along the reduced axis of length
// `along`: slice i covers [idx[i], idx[i+1]) when idx[i] < idx[i+1], else the
// one element idx[i] (NumPy's rule); the last slice runs to the end. An index
// outside [0, along) reads nothing (NumPy refuses the call).
Flops reduceat_elements(std::span<const Extent> indices, Extent along);

// std = var + one square root per output (primer principle for an op it does
// not list: var is a reduction of the input size; sqrt is pointwise), or the
// op's reduction.form; at least reduction.floor.
Flops deviation(const Profile& profile, OpId op, Flops numel_in, Flops numel_out, bool integral = false,
                std::optional<Flops> numel_scanned = std::nullopt);

// One contraction step over k operands whose labels span `extent_product`
// index tuples; `summed` says whether any label is summed away.
// primer, "Matmul: M*N*K for (M,N) @ (N,K)": (k - 1) products per index tuple, a
// multiply-add counted once, so a binary step costs the product of all its extents.
// A one-operand step is a reduction (input size) if it sums, else a free view/copy.
// With multiply_add_flops = 2 each multiply-add is two FLOPs, and with the output
// correction one add per output cell is dropped (spec section 2.8, Profile C).
// Arithmetic::Complex: the count of a complex contraction under a profile that
// counts them exactly (Profile::complex_contractions_exact): complex_multiply_flops
// per multiply ((k - 1) per index tuple) and complex_add_flops per add (a sum
// over the index tuples less one per output cell), spec 2.4 "contraction".
enum class Arithmetic { Real, Complex };
Flops contraction_step(const Profile& profile, OpId op, int k, Flops extent_product,
                       Flops numel_out, bool summed, Arithmetic arithmetic = Arithmetic::Real);

// primer, "Matmul": batch * M * N * K for (M,N) @ (N,K), the same as the binary
// contraction step over extents (batch, M, N, K).
Flops matmul(const Profile& profile, OpId op, Flops batch, Flops m, Flops n, Flops k,
             Arithmetic arithmetic = Arithmetic::Real);

// A binary contraction known by its operand sizes and the product K of the
// extents it contracts (dot, inner, tensordot, vdot; outer has K = 1): every
// (output cell, contracted index) pair is one multiply-add, so the step spans
// numel(a) * numel(b) / K index tuples (primer "Matmul" rule, via contraction_step).
Flops binary_contraction(const Profile& profile, OpId op, Flops numel_a, Flops numel_b, Flops contracted,
                         bool summed, Arithmetic arithmetic = Arithmetic::Real);

// The product functions dot, inner, outer, vdot and tensordot as binary
// contractions: the product K of the extents they contract and whether a sum
// is taken (NumPy's alignment rules; tensordot's axes already read, one list
// per operand, normalised). False when the shapes are not aligned.
enum class Product { Dot, Inner, Outer, Vdot, Tensordot };
bool product_contraction(Product kind, Shape a, Shape b, std::span<const int> a_axes, std::span<const int> b_axes,
                         Flops* contracted, bool* summed);

// trace(a, offset, axis1, axis2): the diagonal elements summed over every 2-D
// slice (primer "Reductions (input size)": what is read), and the number of
// slices (the outputs). Axes normalised and distinct.
void trace_elements(Shape a, int axis1, int axis2, std::int64_t offset, Flops* elements, Flops* slices);

// Sorting (not in the primer; textbook comparison count): n * ceil(log2 n) per
// slice of length n, with ceil(log2 n) floored at 1 (spec section 2.12).
Flops sort(const Profile& profile, OpId op, Flops slice_length, Flops n_slices);

// Partitioning (not in the primer; spec section 2.12): one pass over each slice
// of length n per requested kth, so n * len(kth) per slice.
Flops partition(const Profile& profile, OpId op, Flops slice_length, Flops n_slices, Flops n_kth);

// What upstream flopscope 0.12.4 bills for histogram(..., density=True) beyond
// the histogram (measured; NumPy's hist / db / hist.sum() with db the edges'
// diff as float64, each step one of upstream's counted calls): the diff (one
// per bin, at the edges' dtype), two divides per bin (at the counts promoted
// with float64) and the sum (bins - 1, at the counts' dtype), each billed as
// that op. `counts`: int64, or the weights' dtype. 0 for a dtype-blind profile.
Flops histogram_density(const Profile& profile, Flops bins, dtype::Dtype edges, dtype::Dtype counts);

// Binary search (not in the primer; spec section 2.12): ceil(log2 n) comparisons
// for each of the m values searched in n sorted values, floored at 1 comparison
// (none when n = 0).
Flops search(const Profile& profile, OpId op, Flops n_values, Flops n_sorted);

// A dtype-aware profile's billing of `flops` (spec 2.1: flop_cost x dtype_rate
// x complex_factor, truncated): the result type of the operands (NEP 50, weak
// Python scalars), the dtype the op computes in, that dtype's rate and, for a
// complex one, the op's factor. `flops` unchanged for a dtype-blind profile.
// Throws CostOverflowError past 64 bits.
// complex_exact: as dtype_billed_exactly.
Flops dtype_billed(const Profile& profile, OpId op, Flops flops, std::span<const dtype::Dtype> arrays,
                   std::span<const dtype::Weak> weak, Flops complex_exact = -1);

// The dtypes of one call as the binding noted them, for billing it.
struct CallDtypes {
  struct Operand {
    dtype::Dtype array;  // kind 0: a Python scalar (see weak)
    dtype::Weak weak = dtype::Weak::None;
  };
  std::span<const Operand> operands;  // in order: the op's inputs first
  int n_inputs = 0;                   // how many of `operands` are inputs (a ufunc's where= is not)
  std::span<const dtype::Dtype> outs;  // out= buffers
  // Operands past those listed (a 9-operand einsum): their arrays promoted, their scalars' strongest kind.
  dtype::Dtype beyond;
  dtype::Weak beyond_weak = dtype::Weak::None;
  bool all_listed = true;             // false when `beyond` stands for operands not listed
  dtype::Dtype requested;             // dtype= as the call gave it (kind 0: none, or not read)
  Flops complex_exact = -1;           // a contraction's exact complex count (Arithmetic::Complex), or -1
};

// What a call is billed for `flops` given its dtypes (spec 2.1, 2.3, 2.4):
// the profile's conventions applied in one place. A dtype-aware profile counts
// out= buffers (they can raise the rate, never lower it); a dtype-blind one
// (primer) prices the arithmetic NumPy runs, which the inputs choose.
// strong_scalars.<op>: Python scalars bill as the arrays np.asarray makes of
// them; billed_operands.<op> N: only the first N operands count;
// complex_factor_needs_one_dtype.<op>: the exact complex count only when every
// input has one dtype; dtype_argument.<op>: whether dtype= is billed as asked,
// ignored, or left to the writes' bill (upstream flopscope 0.12.4, measured).
// Throws CostOverflowError past 64 bits.
Flops billed_for_dtypes(const Profile& profile, OpId op, Flops flops, const CallDtypes& call);

// What an op the profile bills by its writes (writes.<op>) wrote, as the
// binding measured it once NumPy had run (Call::charge_writes): the objects
// it measures are those the rule names (Profile::Written); their dtypes and
// the call's are facts here, and the bill is decided by written_billed.
struct WrittenFacts {
  Flops elements = 0;            // the elements the rule counts
  dtype::Dtype counted;          // their dtype (kind 0: none was an array)
  bool counted_is_result = true; // they are the call's result (not an operand written in place)
  dtype::Dtype first;            // the first operand's dtype (kind 0: not an array)
  bool first_sequence = false;   // the first operand is a list or tuple (a join's arrays) ...
  dtype::Dtype sequence;         // ... and its arrays' dtypes promoted (kind 0: no array in it)
  dtype::Dtype second;           // the second operand's (an array's, or np.asarray's of a Python scalar)
  dtype::Dtype source;           // a conversion's source as np.asarray reads it (kind 0: unknown)
  std::span<const dtype::Dtype> outs;  // out= buffers
  dtype::Dtype requested;        // dtype= (kind 0: none)
  Flops samples = 0;             // the first operand's elements (a histogram's samples)
  bool estimator_bins = false;   // write_facts
  bool edges_given = false;
  int density_counts = -1;
};
// The bill of those writes (spec 2.5 "every byte written is metered"; upstream
// flopscope 0.12.4, measured): the elements at the writes' factor, billed at
// their dtype and the input's (not where dtype= chose the result's dtype, nor
// for "own-dtype" rules; a conversion at the heavier of source and result;
// where the profile ignores dtype=, the inputs' and out='s instead of the
// result's), plus a histogram's search of its samples ("searched") and its
// density's normalisation ("density"). Throws CostOverflowError.
Flops written_billed(const Profile& profile, OpId op, const WrittenFacts& written);
// Whether written_billed reads WrittenFacts::source for `op` (a conversion):
// the binding reads a list's dtype only then.
inline bool written_reads_source(const Profile& profile, OpId op) { return profile.dtype_argument_heavier(op); }

}  // namespace flopscope::cost
