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

}  // namespace flopscope::formulas::stats
