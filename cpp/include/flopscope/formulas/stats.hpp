// Cost formula of flopscope.stats (primer profile): a distribution function
// costs a fixed count per element of the broadcast of x with the
// distribution's parameters. The count of each function is its row's data in
// op_table/stats.inc, with the textbook formula it counts.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::stats {

// numel of the broadcast of every given operand (x, shape parameters, loc, scale).
Flops broadcast_numel(const Signature& s);

// `PerElement` primer-priced elementwise operations (each +, -, *, /, exp, log,
// erfc, ndtri, comparison or select counts 1, as the primer prices exp) per
// element of the broadcast.
template <int PerElement>
Flops per_element(const Signature& s) {
  return checked_mul(PerElement, broadcast_numel(s));
}

namespace flopscope012 {
// Upstream flopscope 0.12.4 bills each distribution function a flat count per
// element of the broadcast of x with its parameters, at least one element (a
// 0-d or empty call bills one), at float64's rate (profile: compute.stats.*).
// The count of each function (measured with scripts/differential) is its row
// in op_table/formula_variants.inc.
template <int PerElement>
Flops per_element(const Signature& s) {
  const Flops n = broadcast_numel(s);
  return checked_mul(PerElement, n > 0 ? n : 1);
}
}  // namespace flopscope012

}  // namespace flopscope::formulas::stats
