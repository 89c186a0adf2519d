// Cost formulas of the priced creation helpers (primer profile: 1 FLOP per
// element computed). Slots (see op_table/misc.inc) are NumPy's parameters in order.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::misc {

Flops logspace(const Signature& s);        // &start &stop num endpoint &base dtype axis
Flops geomspace(const Signature& s);       // &start &stop num endpoint dtype axis
Flops each_element(const Signature& s);    // asarray_chkfinite: &a ...

}  // namespace flopscope::formulas::misc
