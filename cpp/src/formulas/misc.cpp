// Primer profile (flopscope-primer.txt): one FLOP per element computed.
#include "flopscope/formulas/misc.hpp"

#include <algorithm>
#include <vector>

namespace flopscope::formulas::misc {
namespace {

// NumPy's broadcast of the given operand shapes (right-aligned; 1 stretches).
std::vector<std::int64_t> broadcast(const Signature& s, std::initializer_list<std::size_t> slots) {
  std::vector<std::int64_t> out;
  for (std::size_t i : slots) {
    if (!s.given(i)) continue;
    auto sh = s.shape(i);
    if (sh.size() > out.size()) out.insert(out.begin(), sh.size() - out.size(), 1);
    const std::size_t off = out.size() - sh.size();
    for (std::size_t k = 0; k < sh.size(); ++k) {
      std::int64_t& d = out[off + k];
      if (sh[k] == d || sh[k] == 1) continue;
      if (d != 1) throw SignatureError("operands could not be broadcast together");
      d = sh[k];
    }
  }
  return out;
}

// logspace/geomspace: one power per output element, num samples for each
// broadcast (start, stop[, base]) element; like linspace's spacing, plus the power.
Flops spaced(const Signature& s, std::initializer_list<std::size_t> operands) {
  const std::int64_t num = s.int_or(2, 50);
  if (num < 0) throw SignatureError("Number of samples must be non-negative");
  Flops n = num;
  for (std::int64_t d : broadcast(s, operands)) n = checked_mul(n, d);
  return n;
}

}  // namespace

Flops logspace(const Signature& s) { return spaced(s, {0, 1, 4}); }
Flops geomspace(const Signature& s) { return spaced(s, {0, 1}); }

// asarray_chkfinite: one finiteness test per element.
Flops each_element(const Signature& s) { return s.numel(0); }

}  // namespace flopscope::formulas::misc
