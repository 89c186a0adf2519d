// Expected values written from the primer rule: one FLOP per element computed.
#include <gtest/gtest.h>

#include "flopscope/formulas/misc.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace M = flopscope::formulas::misc;

TEST(MiscFormulas, LogspaceOnePowerPerSample) {
  SigBuilder d; d.array({}).array({});
  EXPECT_EQ(M::logspace(d.sig()), 50);  // num defaults to 50
  SigBuilder n; n.array({}).array({}).integer(7);
  EXPECT_EQ(M::logspace(n.sig()), 7);
  SigBuilder b; b.array({2, 1}).array({3}).integer(4).absent().array({3});
  EXPECT_EQ(M::logspace(b.sig()), 4 * 6);
  SigBuilder z; z.array({}).array({}).integer(0);
  EXPECT_EQ(M::logspace(z.sig()), 0);
  SigBuilder neg; neg.array({}).array({}).integer(-1);
  EXPECT_THROW(M::logspace(neg.sig()), SignatureError);
  SigBuilder bad; bad.array({2}).array({3}).integer(4);
  EXPECT_THROW(M::logspace(bad.sig()), SignatureError);
}

TEST(MiscFormulas, GeomspaceOnePowerPerSample) {
  SigBuilder g; g.array({2}).array({}).integer(5);
  EXPECT_EQ(M::geomspace(g.sig()), 10);
  SigBuilder e; e.array({0}).array({}).integer(5);
  EXPECT_EQ(M::geomspace(e.sig()), 0);
  SigBuilder neg; neg.array({}).array({}).integer(-3);
  EXPECT_THROW(M::geomspace(neg.sig()), SignatureError);
}

TEST(MiscFormulas, AsarrayChkfiniteOnePerElement) {
  SigBuilder a; a.array({3, 4});
  EXPECT_EQ(M::each_element(a.sig()), 12);
  SigBuilder e; e.array({2, 0});
  EXPECT_EQ(M::each_element(e.sig()), 0);
}
