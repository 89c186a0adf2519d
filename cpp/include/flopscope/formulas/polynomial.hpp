// Cost formulas of the np.poly* functions, vander and the window functions
// (primer profile: textbook counts, a multiply-add counted once).
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::polynomial {

Flops polyval(const Signature& s);   // &p &x
Flops polyadd(const Signature& s);   // &a1 &a2 (polysub too)
Flops polymul(const Signature& s);   // &a1 &a2
Flops polydiv(const Signature& s);   // &u &v
Flops polyder(const Signature& s);   // &p m
Flops polyint(const Signature& s);   // &p m k
Flops poly(const Signature& s);      // &seq_of_zeros
Flops roots(const Signature& s);     // &p
Flops polyfit(const Signature& s);   // &x &y deg rcond full &w cov
Flops vander(const Signature& s);    // &x N increasing

// A window of M samples costs `PerSample` operations per sample (M <= 1: free).
template <int PerSample>
Flops window(const Signature& s) {
  const std::int64_t m = s.int_or(0, 0);
  return m <= 1 ? 0 : checked_mul(PerSample, m);
}

// Upstream flopscope 0.12.4's polyval (spec 2.14): 2 deg per point.
namespace flopscope012 {
Flops polyval(const Signature& s);
}  // namespace flopscope012

}  // namespace flopscope::formulas::polynomial
