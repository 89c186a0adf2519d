// Cost formulas of fnp.linalg (primer profile): the textbook operation count
// of each factorisation, per matrix, times the batch (the leading dimensions).
// Slots (see op_table/linalg.inc) are NumPy's parameters in order.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::linalg {

Flops solve(const Signature& s);     // &a &b
Flops inv(const Signature& s);       // &a
Flops cholesky(const Signature& s);  // &a

}  // namespace flopscope::formulas::linalg
