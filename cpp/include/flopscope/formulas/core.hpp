// The NumPy core functions priced with the profile's conventions in hand
// (ops.hpp Pricer): reductions, pointwise functions, contractions, einsum,
// sorting and searching. Each reads the row's slots by position; the slot
// lists are in op_table/core.inc.
#pragma once

#include <vector>

#include "flopscope/pricing.hpp"

namespace flopscope::formulas::core {

// &a axis ...: the input size (cost::reduction; a Python int or bool reduces
// as the integer array NumPy makes of it).
void reduction(const Profile& p, OpId op, const Signature& s, Priced* out);
// &a axis ...: a variance and one square root per output (cost::deviation).
void deviation(const Profile& p, OpId op, const Signature& s, Priced* out);
// &a offset axis1 axis2 ...: the diagonal elements summed (cost::trace_elements).
void trace(const Profile& p, OpId op, const Signature& s, Priced* out);

// &a ...: one per element (round, sinc, nan_to_num, ...).
void elementwise(const Profile& p, OpId op, const Signature& s, Priced* out);
// &a &b ...: one per element of the broadcast pair (isclose).
void pairwise(const Profile& p, OpId op, const Signature& s, Priced* out);
// &a &a_min &a_max out * &min &max: one per output element; per bound given
// under clip.per_bound (upstream 0.12.4). A bound may be omitted or None.
void clip(const Profile& p, OpId op, const Signature& s, Priced* out);
// &condition &x &y: one per output element (where(condition) alone is nonzero).
void where(const Profile& p, OpId op, const Signature& s, Priced* out);
// &a1 &a2 ...: array_equal compares when the shapes are equal, array_equiv
// when they broadcast; otherwise NumPy answers False without comparing: free,
// or max(sizes) under equality.bills_mismatched_shapes (upstream 0.12.4).
void array_equal(const Profile& p, OpId op, const Signature& s, Priced* out);
void array_equiv(const Profile& p, OpId op, const Signature& s, Priced* out);

// &a &b ...: binary contractions (cost::product_contraction, cost::binary_contraction).
void dot(const Profile& p, OpId op, const Signature& s, Priced* out);
void inner(const Profile& p, OpId op, const Signature& s, Priced* out);
void outer(const Profile& p, OpId op, const Signature& s, Priced* out);
void vdot(const Profile& p, OpId op, const Signature& s, Priced* out);
void tensordot(const Profile& p, OpId op, const Signature& s, Priced* out);  // &a &b #axes
// subscripts &+operands out dtype order casting @optimize: the steps of the
// path the call runs (einsum::path_cost), + an out= copy where the profile bills one.
void einsum(const Profile& p, OpId op, const Signature& s, Priced* out);

// What the contraction rows read, for the binding's symmetric engine
// (symmetric.hpp), which prices them again when an operand is symmetric or one
// array is passed twice: tensordot's contracted axes (normalised), einsum's
// expression and the path it prices (true: a path the call gave or asked for).
void tensordot_axes(const Signature& s, std::vector<int>* a_axes, std::vector<int>* b_axes);
bool einsum_plan(const Profile& p, OpId op, const Signature& s, einsum::Expression* expr, einsum::Path* path);

// &a axis ...: n ceil(log2 n) per slice along axis (default -1; None: flattened).
void sort(const Profile& p, OpId op, const Signature& s, Priced* out);
// &a #kth axis ...: n per kth per slice.
void partition(const Profile& p, OpId op, const Signature& s, Priced* out);
// &a &v ...: ceil(log2 n) per value of v searched in the n values of a.
void search(const Profile& p, OpId op, const Signature& s, Priced* out);

}  // namespace flopscope::formulas::core

namespace flopscope::einsum {
// The path a call prices and runs by, from its optimize= argument: absent /
// False: none (then unoptimized_pricing_path), True / "greedy" / "optimal":
// find_path, a list: as given. False when the call gave no path to use.
// Throws SignatureError for a value NumPy would refuse.
bool path_from_argument(const Profile& profile, OpId op, const Expression& expr, const Arg& optimize, Path* path);
}  // namespace flopscope::einsum
