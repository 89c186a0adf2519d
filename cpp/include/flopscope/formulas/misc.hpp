// Cost formulas of the priced creation helpers (primer profile: 1 FLOP per
// element computed), selection (select, piecewise) and pad. Slots (see op_table/misc.inc) are NumPy's parameters in order.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::misc {

Flops linspace(const Signature& s);        // &start &stop num endpoint retstep dtype axis
Flops logspace(const Signature& s);        // &start &stop num endpoint &base dtype axis
Flops geomspace(const Signature& s);       // &start &stop num endpoint dtype axis
Flops each_element(const Signature& s);    // asarray_chkfinite: &a ...
Flops select(const Signature& s);          // &*condlist &*choicelist &default
Flops piecewise(const Signature& s);       // &x &condlist nfuncs (the conditions, stacked)
Flops pad(const Signature& s);             // &array #pad_width mode * #stat_length reflect_type

// &a &b ...: one per element of the broadcast of a and b (primer "Pointwise").
Flops pair_elements(const Signature& s);

// tril / triu (&m k): free (primer "Free": copies); validates m.
Flops masked_copy(const Signature& s);

// 0: a row the primer leaves free ("Free": shape queries, selections, random
// draws) that reads its arguments for another profile's formula set
// (broadcast_shapes, compress, random choice and multivariate_normal).
Flops free_of_flops(const Signature& s);

// Upstream flopscope 0.12.4's pad (spec 2.14): numel(out) + the mode's own
// work; tril / triu: the cells they keep (spec 2.5).
namespace flopscope012 {
Flops pad(const Signature& s);
Flops tril(const Signature& s);
Flops triu(const Signature& s);
Flops allclose(const Signature& s);  // isclose (6 per element) + all (n - 1)
Flops broadcast_shapes(const Signature& s);  // the shapes' total length (an int: 1), at least 1
Flops compress(const Signature& s);  // the condition scanned (the gather: writes.compress)
Flops ix_(const Signature& s);       // &+args: the boolean masks scanned (their nonzero: writes.ix_)
Flops logspace(const Signature& s);  // num per broadcast (start, stop, base) element, no spacing
Flops geomspace(const Signature& s);  // num per broadcast (start, stop) element, no spacing
}  // namespace flopscope012

}  // namespace flopscope::formulas::misc
