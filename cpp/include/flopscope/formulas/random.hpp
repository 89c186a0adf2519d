// Cost formulas of the random selections and of multivariate_normal, for the
// rows that read their arguments (op_table/misc.inc). The primer bills random
// generation nothing ("Random generation itself is free": misc::free_of_flops);
// upstream flopscope 0.12.4's counts are the flopscope012 set. `Self` is 1 for the methods of a
// Generator or RandomState (their first slot is the generator), 0 for the
// module-level functions.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::random {

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
