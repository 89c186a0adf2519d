// Cost formulas of fnp.linalg (primer profile): the textbook operation count
// of each factorisation, per matrix, times the batch (the leading dimensions).
// Slots (see op_table/linalg.inc) are NumPy's parameters in order.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::linalg {

Flops solve(const Signature& s);     // &a &b
Flops inv(const Signature& s);       // &a
Flops cholesky(const Signature& s);  // &a
Flops det(const Signature& s);       // &a
Flops slogdet(const Signature& s);   // &a
Flops eigh(const Signature& s);      // &a UPLO
Flops eigvalsh(const Signature& s);  // &a UPLO
Flops eig(const Signature& s);       // &a
Flops eigvals(const Signature& s);   // &a
Flops svd(const Signature& s);       // &a full_matrices compute_uv hermitian
Flops svdvals(const Signature& s);   // &x
Flops trace(const Signature& s);     // &x * offset dtype

}  // namespace flopscope::formulas::linalg
