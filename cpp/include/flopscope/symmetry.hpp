// Symmetric tensors (spec 5.4): permutation groups acting on a tensor's axes,
// interned as ids (the tag an operand carries; 0 = none), how they propagate
// through pointwise ops, reductions, indexing and contractions, and what a
// symmetric operand costs: its orbits (distinct elements) under the group,
// counted by Burnside's lemma. Pure C++: the binding reads the tag off the
// array and hands it here; group *construction* (generators, closure) is the
// Python API's (flopscope._symmetric), which interns the closed group.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "flopscope/cost_model.hpp"
#include "flopscope/einsum.hpp"

namespace flopscope::symmetry {

// A group id; 0 = no symmetry (the trivial group).
using Id = std::uint32_t;
// A permutation of axes: perm[i] = the axis that axis i maps to.
using Perm = std::vector<int>;

// A permutation group acting on the axes 0..ndim-1 of a tensor: every element
// (the identity first, then in lexicographic order).
struct Group {
  int ndim = 0;
  std::vector<Perm> elements;
};

// Interns the group whose elements are `elements` (each a permutation of
// 0..ndim-1) and returns its id; the same group always gets the same id, and
// the trivial group (identity alone, or no element) 0. Throws
// std::invalid_argument when an element is not a permutation of ndim axes or
// the set is not closed under composition (not a group).
Id intern(int ndim, std::vector<Perm> elements);
// The group of id (id != 0; throws std::out_of_range for an unknown id).
const Group& group(Id id);
// Number of axes the group of `id` acts on (0 for id 0).
int ndim(Id id);

// Whether every element of the group maps each axis to one of equal extent in
// `shape` (a group is only a symmetry of shapes it fits), and the ranks agree.
bool fits(cost::Shape shape, Id id);

// Orbits of the index tuples of `shape` under the group: the distinct
// elements of a tensor with that symmetry. Burnside's lemma: the average over
// g in G of the tuples g fixes, prod over the cycles of g of the cycle's
// extent. numel(shape) for id 0. Throws CostOverflowError past 64 bits.
Flops orbit_count(cost::Shape shape, Id id);
// The same for a group given by its elements, acting on positions of `extents`.
Flops orbit_count(std::span<const cost::Extent> extents, const std::vector<Perm>& elements);

// ---- propagation (spec 5.4) ----

// One operand of a pointwise op: its shape (right-aligned to the output, as
// NumPy broadcasts) and its tag.
struct Operand {
  cost::Shape shape;
  Id id = 0;
};
// The output group of a pointwise op on `operands` with output shape `out`:
// the intersection of the tagged operands' groups, each lifted to the output's
// axes, with the elements that move an axis an operand is broadcast along
// (stretched from 1, or missing) dropped, and untagged array operands fixing
// every axis they vary along. Scalars (0-d) keep the group. 0 when no operand
// is tagged.
Id pointwise(std::span<const Operand> operands, cost::Shape out);

// A reduction of a tensor tagged `id` over the axes flagged in `reduced`
// (one flag per axis): `stabilizer` is the setwise stabilizer of the reduced
// axes (the group the reduction's input orbits are counted under, acting on
// all input axes); `output` that group restricted to the kept axes (renumbered
// in order, or in place with the reduced axes fixed when keepdims).
struct Reduction {
  Id stabilizer = 0;
  Id output = 0;
};
Reduction reduce(Id id, std::span<const bool> reduced, bool keepdims);

// What a call on symmetric operands bills, the one place for both the table
// rows (formulas/core.cpp) and the ufunc paths (cpp/bindings/symmetric.cpp):
// under symmetry.orbits the orbits of what it reads and writes, else every
// element; and the result's group.
//
// A reduction of `shape` (tagged `id`) over the flagged axes: the input counted
// under the setwise stabilizer of the reduced axes, the output under its group,
// and what a pointwise pass over the input reads (`scanned`: under `id` itself).
struct ReductionCounts {
  Flops input = 0;
  Flops output = 0;
  Flops scanned = 0;
  Id group = 0;
};
ReductionCounts reduction_counts(bool orbits, cost::Shape shape, Id id, std::span<const bool> reduced, bool keepdims);
// A pointwise op on `operands`: its output's group and the output elements it
// bills (`*elements`; left alone for a dense result or without orbits). False
// when the shapes do not broadcast (nothing set).
bool pointwise_counts(bool orbits, std::span<const Operand> operands, Flops* elements, Id* group);

// Basic indexing / axis selection. `source` has one entry per output axis:
// the input axis it comes from, or -1 for a new axis (None). `selection` has
// one entry per input axis: a class number, equal for two kept axes that are
// selected identically (the same normalised slice of the same extent), -1 for
// an axis indexed away (an integer). The output group: the elements that fix
// every removed axis and map each kept axis to one of its class, restricted
// to the kept axes and renumbered; new axes are fixed.
Id select(Id id, std::span<const int> source, std::span<const int> selection);

// A transpose: output axis i is input axis axes[i].
Id permute(Id id, std::span<const int> axes);

// ---- contractions (spec 2.8) ----

// What the contraction engine knows of one einsum operand: its declared group
// (tag) and which operands are the same tensor. `identity` is a class number
// shared by operands that are one array (the same object, or under
// symmetry.transposed_views a transposed view of it), -1 when unique; `base`
// maps each of the operand's axes to the axis of that array it reads
// (identity for the same object; reversed for A.T).
struct EinsumOperand {
  Id id = 0;
  int identity = -1;
  std::vector<int> base;  // empty: the identity map
};

// The symmetric price of running `expr` along `path` (empty: one step over
// every operand), and the output's group (`output`, may be nullptr). For each
// step, the group of label permutations that map the product of the step's
// subgraph (the original operands it joins) onto itself, operand for operand
// (an operand onto itself up to its declared group, or onto another operand
// of its identity class), and keep the step's output labels: M = the orbits
// of the step's index tuples under it (the smaller of the group acting on all
// the step's labels, and its output part acting on the output labels with the
// summed labels free), the output orbits under its output part, priced by
// cost::contraction_step as M index tuples and that many output cells
// (upstream 0.12.4's (k-1)M + alpha - output orbits for its binary steps,
// measured: outer(g, g) n=128 8,256; einsum('ki,kj->ij', X, X) X (1000,128)
// 16,503,744; einsum('ij,ia,jb->ab', eye, W, W) n=128 6,283,200 before the
// dtype rate). With orbits false (the primer) the price is the dense one
// (einsum::path_cost) and only `output` is computed. Enumerations larger
// than kMaxEnumeration leave a step dense (no symmetry assumed).
Flops path_cost(const Profile& profile, OpId op, const einsum::Expression& expr, const einsum::Path& path,
                std::span<const EinsumOperand> operands, bool orbits, Id* output,
                cost::Arithmetic arithmetic = cost::Arithmetic::Real);
inline constexpr std::int64_t kMaxEnumeration = 200000;

// ---- how ops treat symmetric tensors beyond their price (op_table/symmetry_roles.inc) ----

enum class Role : std::uint8_t {
  None,
  WritesFirst,         // writes into its first argument (fill_diagonal, put, copyto, ...): voids its tag
  WritesSecond,        // a method writing its first argument after the receiver (Generator.shuffle)
  Creation,            // a constant creation (zeros, ones, *_like): square results are S_ndim under symmetry.creation
  CreationFilled,      // full / full_like: the same, for a scalar fill only
  CreationOnDiagonal,  // eye / diag: the same, for the main diagonal only (k = 0)
  Conversion,          // asarray / array of a SymmetricTensor: a plain array under symmetry.creation (as upstream)
  Copy,                // copy: the same group
  KeepsGroup,          // a formula row whose result keeps its input's group under symmetry.orbits (inv(S), as upstream)
};
// The role of `op` (Role::None for most ops), and the position of the
// argument it reads: a filled creation's fill value, eye's / diag's k.
struct OpRole {
  Role role = Role::None;
  int position = -1;
};
OpRole role(OpId op);

// ---- the symmetric-tensor functions (flops.as_symmetric, ...) ----

// Validation of `data` against a group with k non-identity generators: one
// all-close comparison of the n elements with their permutation per generator.
// upstream 0.12.4 (measured): allclose is 7n - 1 (isclose's 6 per element and
// the all() over n), so k(7n - 1), at least 1 (as_symmetric, is_symmetric, a
// bare SymmetricTensor(...)). primer: allclose is pointwise, 1 per element: k n.
Flops validation(Flops n, Flops k, bool upstream);
// Reynolds projection (1/|G|) sum_g g.T: |G| transposed adds and one scaling
// pass over the n elements (upstream 0.12.4: (|G| + 1) n; the primer counts
// |G| - 1 adds and one divide per element: |G| n, transposes being free views).
Flops reynolds(Flops n, Flops order, bool upstream);
// Canonical copy (each orbit takes its first element's value): a gather.
// upstream 0.12.4: one write per element, at least 1; primer: a copy/indexing, free.
Flops canonical_copy(Flops n, bool upstream);

}  // namespace flopscope::symmetry
