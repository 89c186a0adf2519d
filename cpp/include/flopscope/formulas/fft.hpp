// Cost formulas of fnp.fft (primer profile): the radix-2 Cooley-Tukey count,
// 5 n ceil(log2 n) per complex transform of length n, half of it for a real
// signal of length n, times the number of independent transforms.
// Slots (see op_table/fft.inc) are NumPy's parameters in order.
#pragma once

#include "flopscope/signature.hpp"

namespace flopscope::formulas::fft {

Flops fft(const Signature& s);       // &a n axis norm (fft, ifft)
Flops rfft(const Signature& s);      // &a n axis norm (rfft, ihfft: n is the real input length)
Flops irfft(const Signature& s);     // &a n axis norm (irfft, hfft: n is the real output length)
Flops fftn(const Signature& s);      // &a s axes norm (fftn, ifftn)
Flops fft2(const Signature& s);      // &a s axes norm (fft2, ifft2: axes default (-2, -1))
Flops rfftn(const Signature& s);     // &a s axes norm
Flops rfft2(const Signature& s);     // &a s axes norm
Flops irfftn(const Signature& s);    // &a s axes norm
Flops irfft2(const Signature& s);    // &a s axes norm
Flops fftfreq(const Signature& s);   // n d device
Flops rfftfreq(const Signature& s);  // n d device

// Upstream flopscope 0.12.4's real n-d transforms (spec 2.10, "newest"): a
// real 1-d stage on the last axis and complex stages on the half spectrum.
namespace flopscope012 {
Flops rfftn(const Signature& s);
Flops rfft2(const Signature& s);
Flops irfftn(const Signature& s);
Flops irfft2(const Signature& s);
}  // namespace flopscope012

}  // namespace flopscope::formulas::fft
