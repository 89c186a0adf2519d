#include "flopscope/formulas/symmetry.hpp"

#include "flopscope/symmetry.hpp"

#include <algorithm>

namespace flopscope::formulas::symmetry {
namespace {
Flops validation_of(const Signature& s, bool upstream) {
  return flopscope::symmetry::validation(s.numel(0), s.int_or(1, 0), upstream);
}
Flops symmetrize_of(const Signature& s, bool upstream) {
  if (s.str_or(2, "reynolds-projection") == "canonical-copy")
    return flopscope::symmetry::canonical_copy(s.numel(0), upstream);
  return flopscope::symmetry::reynolds(s.numel(0), s.int_or(1, 1), upstream);
}
Flops random_symmetric_of(const Signature& s, bool upstream) {
  const Flops n = s.int_or(0, 0);
  const bool canonical = s.str_or(2, "reynolds-projection") == "canonical-copy";
  const Flops projection = canonical ? flopscope::symmetry::canonical_copy(n, upstream)
                                     : flopscope::symmetry::reynolds(n, s.int_or(1, 1), upstream);
  if (!upstream) return projection;
  return std::max<Flops>(checked_add(n, n > 0 ? projection : 0), 1);
}
}  // namespace

Flops validation(const Signature& s) { return validation_of(s, false); }
Flops random_symmetric(const Signature& s) { return random_symmetric_of(s, false); }
Flops symmetrize(const Signature& s) { return symmetrize_of(s, false); }

namespace flopscope012 {
Flops validation(const Signature& s) { return validation_of(s, true); }
Flops symmetrize(const Signature& s) { return symmetrize_of(s, true); }
Flops random_symmetric(const Signature& s) { return random_symmetric_of(s, true); }
}  // namespace flopscope012

}  // namespace flopscope::formulas::symmetry
