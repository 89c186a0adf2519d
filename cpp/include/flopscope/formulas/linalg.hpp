// Cost formulas of fnp.linalg (primer profile): the textbook operation count
// of each factorisation, per matrix, times the batch (the leading dimensions).
// Slots (see op_table/linalg.inc) are NumPy's parameters in order.
#pragma once

#include "flopscope/cost_model.hpp"
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
Flops qr(const Signature& s);            // &a mode
Flops lstsq(const Signature& s);         // &a &b rcond
Flops pinv(const Signature& s);          // &a rcond hermitian * rtol
Flops norm(const Signature& s);          // &x ord axis keepdims
Flops vector_norm(const Signature& s);   // &x * axis keepdims ord
Flops matrix_norm(const Signature& s);   // &x * keepdims ord
Flops matrix_rank(const Signature& s);   // &A tol hermitian * rtol
Flops cond(const Signature& s);          // &x p
Flops matrix_power(const Signature& s);  // &a n
Flops multi_dot(const Signature& s);     // &*arrays * out
Flops tensorinv(const Signature& s);     // &a ind
Flops tensorsolve(const Signature& s);   // &a &b axes

// The same counts for one matrix, for formulas that factorise one
// (random.multivariate_normal): Golub-Reinsch SVD of an m x n matrix (values
// only, thin or full), eigh 9n^3, Cholesky n^3/3.
Flops svd_matrix(std::int64_t m, std::int64_t n, bool uv, bool full);
Flops eigh_matrix(std::int64_t n);
Flops cholesky_matrix(std::int64_t n);

// linalg.matmul (&x1 &x2) and linalg.vecdot (&x1 &x2 * axis), priced by the
// contraction engine as the matmul and vecdot ufuncs are: their core
// dimensions and batch; SignatureError when they do not match.
cost::GufuncDims matmul_dims(const Signature& s);
cost::GufuncDims vecdot_dims(const Signature& s);

}  // namespace flopscope::formulas::linalg
