// Expected values written from the radix-2 Cooley-Tukey count: 5 n ceil(log2 n)
// per complex transform of length n, 5 (n//2) ceil(log2 n) per real one.
#include <gtest/gtest.h>

#include "flopscope/formulas/fft.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace F = flopscope::formulas::fft;

TEST(FftFormulas, ComplexOneAxis) {
  SigBuilder a; a.array({8});
  EXPECT_EQ(F::fft(a.sig()), 5 * 8 * 3);
  SigBuilder odd; odd.array({1000});
  EXPECT_EQ(F::fft(odd.sig()), 5 * 1000 * 10);
  SigBuilder one; one.array({1});
  EXPECT_EQ(F::fft(one.sig()), 0);
  SigBuilder batch; batch.array({3, 4, 16});  // 12 transforms of 16
  EXPECT_EQ(F::fft(batch.sig()), 12 * 5 * 16 * 4);
  SigBuilder axis; axis.array({3, 4, 16}).absent().integer(1);  // 48 transforms of 4
  EXPECT_EQ(F::fft(axis.sig()), 48 * 5 * 4 * 2);
  SigBuilder pad; pad.array({2, 5}).integer(8);  // zero-padded to 8
  EXPECT_EQ(F::fft(pad.sig()), 2 * 5 * 8 * 3);
  SigBuilder crop; crop.array({2, 5}).integer(3).integer(-1).str("ortho");
  EXPECT_EQ(F::fft(crop.sig()), 2 * 5 * 3 * 2);
  SigBuilder from_empty; from_empty.array({3, 0}).integer(4);  // empty input padded
  EXPECT_EQ(F::fft(from_empty.sig()), 3 * 5 * 4 * 2);
  SigBuilder empty_batch; empty_batch.array({0, 4});
  EXPECT_EQ(F::fft(empty_batch.sig()), 0);
}

TEST(FftFormulas, ComplexOneAxisRefusals) {
  SigBuilder empty; empty.array({0});
  EXPECT_THROW(F::fft(empty.sig()), SignatureError);
  SigBuilder zero; zero.array({4}).integer(0);
  EXPECT_THROW(F::fft(zero.sig()), SignatureError);
  SigBuilder negative; negative.array({4}).integer(-1);
  EXPECT_THROW(F::fft(negative.sig()), SignatureError);
  SigBuilder axis; axis.array({4}).absent().integer(1);
  EXPECT_THROW(F::fft(axis.sig()), SignatureError);
  SigBuilder scalar; scalar.array({});
  EXPECT_THROW(F::fft(scalar.sig()), SignatureError);
  SigBuilder norm; norm.array({4}).none().none().str("bad");
  EXPECT_THROW(F::fft(norm.sig()), SignatureError);
  SigBuilder norm_int; norm_int.array({4}).none().none().integer(1);
  EXPECT_THROW(F::fft(norm_int.sig()), SignatureError);
}

TEST(FftFormulas, RealOneAxis) {
  SigBuilder a; a.array({256});
  EXPECT_EQ(F::rfft(a.sig()), 5 * 128 * 8);
  SigBuilder odd; odd.array({2, 7});
  EXPECT_EQ(F::rfft(odd.sig()), 2 * 5 * 3 * 3);
  SigBuilder pad; pad.array({7}).integer(16);
  EXPECT_EQ(F::rfft(pad.sig()), 5 * 8 * 4);
  // irfft / hfft: m = 5 spectrum values give a real signal of 2(m-1) = 8.
  SigBuilder inv; inv.array({3, 5});
  EXPECT_EQ(F::irfft(inv.sig()), 3 * 5 * 4 * 3);
  SigBuilder inv_n; inv_n.array({5}).integer(9);
  EXPECT_EQ(F::irfft(inv_n.sig()), 5 * 4 * 4);
  SigBuilder inv_one; inv_one.array({1}).integer(1);
  EXPECT_EQ(F::irfft(inv_one.sig()), 0);
  SigBuilder inv_bad; inv_bad.array({1});  // default n = 0
  EXPECT_THROW(F::irfft(inv_bad.sig()), SignatureError);
}

TEST(FftFormulas, ComplexManyAxes) {
  SigBuilder a; a.array({8, 8, 8});
  EXPECT_EQ(F::fftn(a.sig()), 5 * 512 * 9);
  SigBuilder two; two.array({256, 256});
  EXPECT_EQ(F::fft2(two.sig()), 5 * 65536 * 16);
  SigBuilder batch; batch.array({3, 4, 8});  // fft2 over the last two axes, 3 of them
  EXPECT_EQ(F::fft2(batch.sig()), 5 * 3 * 32 * 5);
  SigBuilder all; all.array({3, 4, 8}).absent().none();  // fft2(axes=None) is fftn
  EXPECT_EQ(F::fft2(all.sig()), 5 * 96 * (2 + 2 + 3));
  SigBuilder sized; sized.array({4, 6}).ints({8, 5}).ints({0, 1});
  EXPECT_EQ(F::fftn(sized.sig()), 5 * 40 * (3 + 3));
  SigBuilder keep; keep.array({4, 6}).ints({3, -1}).ints({0, 1});  // -1 keeps the extent
  EXPECT_EQ(F::fftn(keep.sig()), 5 * 18 * (2 + 3));
  SigBuilder last; last.array({3, 4, 6}).ints({8});  // s without axes: the last len(s) axes
  EXPECT_EQ(F::fftn(last.sig()), 5 * 96 * 3);  // output (3, 4, 8)
  SigBuilder one_axis; one_axis.array({3, 4, 6}).absent().ints({1});
  EXPECT_EQ(F::fftn(one_axis.sig()), 5 * 72 * 2);
  SigBuilder repeated; repeated.array({4, 4}).absent().ints({0, 0});  // axis 0 twice
  EXPECT_EQ(F::fftn(repeated.sig()), 5 * 16 * 4);
  SigBuilder none; none.array({4, 4}).absent().ints({});
  EXPECT_EQ(F::fftn(none.sig()), 0);
  SigBuilder scalar; scalar.array({});
  EXPECT_EQ(F::fftn(scalar.sig()), 0);
  SigBuilder empty_batch; empty_batch.array({0, 4}).absent().ints({1});
  EXPECT_EQ(F::fftn(empty_batch.sig()), 0);
}

TEST(FftFormulas, ComplexManyAxesRefusals) {
  SigBuilder empty; empty.array({0, 4});
  EXPECT_THROW(F::fftn(empty.sig()), SignatureError);
  SigBuilder lengths; lengths.array({4, 4}).ints({3, 5}).ints({0});
  EXPECT_THROW(F::fftn(lengths.sig()), SignatureError);
  SigBuilder zero; zero.array({4, 4}).ints({0, 3}).ints({0, 1});
  EXPECT_THROW(F::fftn(zero.sig()), SignatureError);
  SigBuilder axis; axis.array({4, 4}).absent().ints({2});
  EXPECT_THROW(F::fftn(axis.sig()), SignatureError);
  SigBuilder vector; vector.array({4});
  EXPECT_THROW(F::fft2(vector.sig()), SignatureError);
  SigBuilder norm; norm.array({4, 4}).none().none().str("Ortho");
  EXPECT_THROW(F::fft2(norm.sig()), SignatureError);
}

TEST(FftFormulas, RealManyAxes) {
  SigBuilder a; a.array({8, 6});  // real signal 48: 5 * 24 * (3 + 3)
  EXPECT_EQ(F::rfftn(a.sig()), 5 * 24 * 6);
  EXPECT_EQ(F::rfft2(a.sig()), 5 * 24 * 6);
  SigBuilder batch; batch.array({3, 5, 3});  // 3 transforms of 15: 15//2 = 7
  EXPECT_EQ(F::rfft2(batch.sig()), 3 * 5 * 7 * (3 + 2));
  SigBuilder sized; sized.array({4, 6}).ints({8, 8}).ints({0, 1});
  EXPECT_EQ(F::rfftn(sized.sig()), 5 * 32 * 6);
  // irfftn: the last axis's real length defaults to 2(m-1): (4, 5) -> (4, 8).
  SigBuilder inv; inv.array({2, 4, 5});
  EXPECT_EQ(F::irfftn(inv.sig()), 5 * 32 * (1 + 2 + 3));  // real (2, 4, 8)
  EXPECT_EQ(F::irfft2(inv.sig()), 2 * 5 * 16 * (2 + 3));
  SigBuilder inv_s; inv_s.array({4, 5}).ints({4, 9}).ints({0, 1});
  EXPECT_EQ(F::irfftn(inv_s.sig()), 5 * 18 * (2 + 4));
  SigBuilder inv_keep; inv_keep.array({4, 5}).ints({4, -1}).ints({0, 1});  // -1: the input's 5
  EXPECT_EQ(F::irfftn(inv_keep.sig()), 5 * 10 * (2 + 3));
  SigBuilder no_axes; no_axes.array({4, 4}).absent().ints({});
  EXPECT_THROW(F::rfftn(no_axes.sig()), SignatureError);
  EXPECT_THROW(F::irfftn(no_axes.sig()), SignatureError);
  SigBuilder inv_bad; inv_bad.array({4, 1});  // default last length 0
  EXPECT_THROW(F::irfftn(inv_bad.sig()), SignatureError);
}

TEST(FftFormulas, Frequencies) {
  SigBuilder a; a.integer(8);
  EXPECT_EQ(F::fftfreq(a.sig()), 8);
  EXPECT_EQ(F::rfftfreq(a.sig()), 5);
  SigBuilder odd; odd.integer(7).number(0.5);
  EXPECT_EQ(F::fftfreq(odd.sig()), 7);
  EXPECT_EQ(F::rfftfreq(odd.sig()), 4);
  SigBuilder one; one.integer(1);
  EXPECT_EQ(F::rfftfreq(one.sig()), 1);
  SigBuilder zero; zero.integer(0);
  EXPECT_THROW(F::fftfreq(zero.sig()), SignatureError);
  SigBuilder negative; negative.integer(-3);  // fftfreq refuses it, rfftfreq has no frequency
  EXPECT_THROW(F::fftfreq(negative.sig()), SignatureError);
  EXPECT_EQ(F::rfftfreq(negative.sig()), 0);
  EXPECT_THROW(F::rfftfreq(zero.sig()), SignatureError);
  SigBuilder real; real.number(4.0);
  EXPECT_THROW(F::fftfreq(real.sig()), SignatureError);
}
