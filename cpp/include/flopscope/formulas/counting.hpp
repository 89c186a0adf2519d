// Cost formulas of sets, histograms, searching and counting (primer profile:
// textbook comparison and operation counts; spec section 2.12 gives the forms).
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::counting {

Flops set_op(const Signature& s);        // &ar1 &ar2 ...: (n+m) ceil(log2(n+m))
Flops lexsort(const Signature& s);       // &keys axis
Flops sort_last(const Signature& s);     // &a (sort_complex: the last axis)
Flops histogram(const Signature& s);     // &a bins range density &weights
Flops bin_edges(const Signature& s);     // &a bins range &weights
Flops histogram2d(const Signature& s);   // &x &y bins range density &weights
Flops histogramdd(const Signature& s);   // &sample bins range density &weights
Flops bincount(const Signature& s);      // &x &weights minlength
Flops digitize(const Signature& s);      // &x &bins right
Flops interp(const Signature& s);        // &x &xp &fp left right period
Flops ediff1d(const Signature& s);       // &ary &to_end &to_begin
Flops trapezoid(const Signature& s);     // &y &x dx axis
Flops elements(const Signature& s);      // &a: one operation per element

// Upstream flopscope 0.12.4's forms (spec 2.12, 2.14), selected by a profile's
// `formulas flopscope-0.12` (op_table/formula_variants.inc).
namespace flopscope012 {
Flops intersect1d(const Signature& s);  // sort(n) + sort(m) + sort(n + m)
Flops isin(const Signature& s);         // sort(n + m), or at least 2nm on NumPy's loop path
Flops trapezoid(const Signature& s);    // 4 per element of y
// Histograms as upstream bills them (the edges it computes are billed apart, as a linspace):
Flops histogram(const Signature& s);            // n ceil(log2 bins or len(edges)); a name: n (passes + ceil(log2 n))
Flops histogram_bin_edges(const Signature& s);  // n; a name: n passes
Flops histogram2d(const Signature& s);          // n sum over both dimensions of ceil(log2 bins or len(edges))
Flops histogramdd(const Signature& s);          // the same over D dimensions
}  // namespace flopscope012

}  // namespace flopscope::formulas::counting
