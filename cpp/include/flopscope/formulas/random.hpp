// Cost formulas of the random selections and of the samplers that do
// arithmetic on their draws, for the rows that read their arguments
// (op_table/misc.inc). The primer bills random generation nothing ("Random
// generation itself is free": misc::free_of_flops), but the arithmetic a
// sampler does beyond drawing (factorising a covariance, normalising,
// conditioning) is priced here, per NumPy's algorithm; upstream flopscope
// 0.12.4's counts are the flopscope012 set. `Self` is 1 for the methods of a
// Generator or RandomState (their first slot is the generator), 0 for the
// module-level functions.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::random {

// multivariate_normal(mean, cov, size, check_valid, tol[, method]), NumPy's
// algorithm (numpy/random/_generator.pyx; mtrand.pyx, always 'svd'), d =
// len(mean), N = the draws: factorise cov (svd 12d^3, eigh 9d^3, cholesky
// d^3/3: the linalg formulas); unless check_valid='ignore', svd's check
// allclose(dot(vh.T * s, vh), cov) d^3 + 2d^2, eigh's any(s < -tol) 2d; the
// factor u * sqrt(s) d + d^2 (eigh sqrt(abs(s)) 2d + d^2); the transform
// x @ factor.T + mean, N d^2 + N d. Drawing the N d normals is free.
template <int Self>
Flops multivariate_normal(const Signature& s);
// dirichlet(alpha, size): k = len(alpha), per drawn vector the k gammas
// summed (k) and each divided by the sum (k): 2 N k (NumPy's dirichlet: the
// gamma draws normalised; Generator's stick-breaking branch for max(alpha) <
// 0.1 does a similar per-element update).
template <int Self>
Flops dirichlet(const Signature& s);
// multinomial(n, pvals, size): d = pvals.shape[-1], per drawn vector NumPy's
// random_multinomial conditions d - 1 binomials: p_j / remaining_p, the count
// left and the probability left, 3 (d - 1); per pvals vector the check that
// sum(pvals[:-1]) <= 1, d - 1.
template <int Self>
Flops multinomial(const Signature& s);
// Generator.multivariate_hypergeometric(colors, nsample, size, method): c
// colors, the total sum(colors) (c); per variate, 'marginals' (NumPy's
// random_multivariate_hypergeometric_marginals) updates the population and the
// count left per color, 2 (c - 1); 'count' counts each of the nsample items drawn.
Flops multivariate_hypergeometric(const Signature& s);

namespace flopscope012 {
// choice(a, size, replace, p[, axis]): k items placed (times the elements of
// each item of an array), or with p= 3n + k (ceil(log2 n) + 1); without
// replacement n, or with p= n ceil(log2 n) (measured).
template <int Self>
Flops choice(const Signature& s);
// multivariate_normal(mean, cov, size): 16 N d + 2 N d^2 + 26 d^3 (measured).
template <int Self>
Flops multivariate_normal(const Signature& s);
}  // namespace flopscope012

}  // namespace flopscope::formulas::random
