// Cost formulas of fnp.linalg as upstream flopscope 0.12.4 bills them (spec
// section 2.9, "Profile C"), where its constants differ from the primer set
// (formulas/linalg.hpp). A profile selects them with `formulas flopscope-0.12`
// (op_table/formula_variants.inc lists which op each replaces).
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::linalg::flopscope012 {

Flops svd(const Signature& s);          // &a full_matrices compute_uv hermitian * k
Flops svdvals(const Signature& s);      // &x * k
Flops inv(const Signature& s);          // &a (a SymmetricTensor: n^3/3 + n^3)
Flops slogdet(const Signature& s);      // &a
Flops qr(const Signature& s);           // &a mode
Flops lstsq(const Signature& s);        // &a &b rcond
Flops pinv(const Signature& s);         // &a rcond hermitian * rtol
Flops norm(const Signature& s);         // &x ord axis keepdims
Flops vector_norm(const Signature& s);  // &x * axis keepdims ord
Flops matrix_norm(const Signature& s);  // &x * keepdims ord
Flops matrix_rank(const Signature& s);  // &A tol hermitian * rtol
Flops cond(const Signature& s);         // &x p
Flops multi_dot(const Signature& s);    // &*arrays * out

}  // namespace flopscope::formulas::linalg::flopscope012
