// Cost formulas of the symmetric-tensor functions (flops.as_symmetric,
// is_symmetric, symmetrize; spec 5.4). The counts themselves are
// flopscope::symmetry's (symmetry.hpp); these read them off the call.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::symmetry {

// as_symmetric / is_symmetric(data, generators): one all-close comparison of
// the data with its permutation per non-identity generator (primer: allclose
// is pointwise, 1 per element: k n).
Flops validation(const Signature& s);
// symmetrize(data, order, mode): "reynolds-projection" |G| n (|G| - 1 adds and a
// divide per element, the transposes free); "canonical-copy" a gather, free.
Flops symmetrize(const Signature& s);
// random.symmetric(n, order, mode): the draws are free (primer "Random
// generation itself is free"), then symmetrize's projection of the n values.
Flops random_symmetric(const Signature& s);

namespace flopscope012 {
// upstream 0.12.4: k(7n - 1) (measured: as_symmetric of a 128 x 128 float32
// with one generator bills 114,687).
Flops validation(const Signature& s);
// upstream 0.12.4: (|G| + 1) n for the Reynolds projection, n (at least 1) for
// the canonical copy.
Flops symmetrize(const Signature& s);
// upstream 0.12.4 bills the sample and the projection as one op: n + (|G| + 1) n,
// canonical-copy 2n (at least 1), with no dtype (measured: a 4 x 4 float64 S2 sample bills 64).
Flops random_symmetric(const Signature& s);
}  // namespace flopscope012

}  // namespace flopscope::formulas::symmetry
