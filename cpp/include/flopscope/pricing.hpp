// Pricing one call: the op's row (ops.hpp) applied to the call's Signature.
// The binding reads a call's arguments into a Signature once, then asks
// price(); everything a bill depends on is decided here, in the core.
#pragma once

#include "flopscope/einsum.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"
#include "flopscope/signature.hpp"

namespace flopscope {

// What pricing a call found.
struct Priced {
  Flops cost = 0;          // before dtype billing (cost::dtype_billed), weighted
  Flops complex_exact = -1;  // a contraction's exact complex count (cost::Arithmetic::Complex), or -1
  // einsum: the path NumPy is handed as optimize= so that the work done is the
  // work billed (run_path false: NumPy is left alone).
  bool run_path = false;
  einsum::Path path;
  // The result's symmetry group (symmetry.hpp; 0: none), for the binding to
  // tag it: a pointwise op or reduction of symmetric operands (spec 5.4).
  std::uint32_t result_symmetry = 0;
};

// Position of op's slot `name` in its row, or -1.
int slot_index(OpId op, std::string_view name);

// Prices `signature` as op `op` under `profile`: the row's formula (the
// profile's formula set may replace it), contraction extents or pricer.
// A free row (none of them) costs 0. Throws SignatureError for a call whose
// price cannot be known and CostOverflowError past 64 bits.
Priced price(const Profile& profile, OpId op, const Signature& signature);

// What a call of an op the profile bills by what it writes (writes.<op>,
// billed once NumPy has run) says about that bill: whether it is billed at
// all, and for a histogram its bins argument (edges given: nothing of them to
// bill but the density's normalisation; an estimator name: the samples
// searched) and density=True with the dtype of the counts it normalises
// (int64, or the weights'). Read from the row's slots named bins, density and
// weights (upstream flopscope 0.12.4, measured: spec 2.12).
struct WriteFacts {
  bool billed = false;
  bool estimator_bins = false;
  bool edges_given = false;
  int density_counts = -1;  // NumPy type number; -1: no density=True
};
WriteFacts write_facts(const Profile& profile, OpId op, const Signature& signature);

}  // namespace flopscope
