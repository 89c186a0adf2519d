// Cost formulas of order statistics, moments, differences, convolutions and
// unique (primer profile: textbook counts, a multiply-add counted once).
// Slots (op_table/statistics.inc) are NumPy's parameters in order.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::statistics {

Flops median(const Signature& s);         // &a axis out overwrite_input keepdims
Flops nanmedian(const Signature& s);      // &a axis out overwrite_input keepdims
Flops quantiles(const Signature& s);      // &a &q axis out overwrite_input method keepdims * weights
Flops nanquantiles(const Signature& s);   // as quantiles
Flops average(const Signature& s);        // &a axis &weights returned * keepdims
Flops cov(const Signature& s);            // &m &y rowvar bias ddof &fweights &aweights * dtype
Flops corrcoef(const Signature& s);       // &x &y rowvar * dtype
Flops diff(const Signature& s);           // &a n axis &prepend &append
Flops gradient(const Signature& s);       // &f &+varargs * axis edge_order
Flops unwrap(const Signature& s);         // &p discont axis * period
Flops convolve(const Signature& s);       // &a &v mode (default 'full')
Flops correlate(const Signature& s);      // &a &v mode (default 'valid')
Flops kron(const Signature& s);           // &a &b
Flops cross(const Signature& s);          // &a &b axisa axisb axisc axis
Flops unique(const Signature& s);         // &ar return_index return_inverse return_counts axis ...
Flops unique_flat(const Signature& s);    // &x (unique_all / counts / inverse / values)

// Upstream flopscope 0.12.4's forms (spec 2.7, 2.14), selected by a profile's
// `formulas flopscope-0.12` (op_table/formula_variants.inc).
namespace flopscope012 {
Flops median(const Signature& s);        // the input size
Flops nanmedian(const Signature& s);     // + the nan scan
Flops quantiles(const Signature& s);     // per slice n min(k, 1 + 4 ceil(log2 min(k, n))) + 4k
Flops nanquantiles(const Signature& s);  // + the nan scan
Flops unwrap(const Signature& s);        // 13 per element
Flops average(const Signature& s);       // the sum (n - M) + a division per output; weighted 3n - M
Flops cov(const Signature& s);           // 2 f^2 s + 2 f s (f variables, s observations)
Flops corrcoef(const Signature& s);      // cov + 2 f^2 + f
}  // namespace flopscope012

}  // namespace flopscope::formulas::statistics
