// Expected values written from the textbook formulas (Golub & Van Loan).
#include <gtest/gtest.h>

#include <cmath>

#include "flopscope/formulas/linalg.hpp"
#include "signature_builder.hpp"

using flopscope::SignatureError;
using flopscope::testing::SigBuilder;
namespace L = flopscope::formulas::linalg;

TEST(LinalgFormulas, DetSlogdet) {
  SigBuilder a; a.array({4, 4});
  EXPECT_EQ(L::det(a.sig()), 2 * 64 / 3 + 4);      // 42 + 4
  EXPECT_EQ(L::slogdet(a.sig()), 46);
  SigBuilder b; b.array({2, 3, 3, 3});
  EXPECT_EQ(L::det(b.sig()), 6 * (18 + 3));
  SigBuilder r; r.array({3, 4});
  EXPECT_THROW(L::det(r.sig()), SignatureError);
  SigBuilder v; v.array({3});
  EXPECT_THROW(L::slogdet(v.sig()), SignatureError);
}

TEST(LinalgFormulas, Eigen) {
  SigBuilder a; a.array({5, 3, 3});
  EXPECT_EQ(L::eigh(a.sig()), 5 * 9 * 27);
  EXPECT_EQ(L::eigvalsh(a.sig()), 5 * 36);
  EXPECT_EQ(L::eig(a.sig()), 5 * 25 * 27);
  EXPECT_EQ(L::eigvals(a.sig()), 5 * 270);
  SigBuilder e; e.array({0, 0});
  EXPECT_EQ(L::eig(e.sig()), 0);
  SigBuilder r; r.array({2, 3});
  EXPECT_THROW(L::eigh(r.sig()), SignatureError);
}

TEST(LinalgFormulas, Svd) {
  // m = 6, n = 3: full 4*36*3 + 8*6*9 + 9*27 = 432 + 432 + 243.
  SigBuilder full; full.array({6, 3});
  EXPECT_EQ(L::svd(full.sig()), 1107);
  SigBuilder thin; thin.array({6, 3}).boolean(false);
  EXPECT_EQ(L::svd(thin.sig()), 4 * 54 + 8 * 27);
  SigBuilder vals; vals.array({2, 3, 6}).boolean(true).boolean(false);  // m < n: swapped
  EXPECT_EQ(L::svd(vals.sig()), 2 * (4 * 54 - 36));
  SigBuilder sq; sq.array({4, 4});  // square: full == thin
  EXPECT_EQ(L::svd(sq.sig()), 4 * 64 + 8 * 64);
  SigBuilder h; h.array({4, 4}).boolean(true).boolean(true).boolean(true);
  EXPECT_EQ(L::svd(h.sig()), 9 * 64);
  SigBuilder hv; hv.array({4, 4}).boolean(true).boolean(false).boolean(true);
  EXPECT_EQ(L::svd(hv.sig()), 4 * 64 / 3);
  SigBuilder sv; sv.array({6, 3});
  EXPECT_EQ(L::svdvals(sv.sig()), 4 * 54 - 36);
  // top k: the thin decomposition it is cut from, whatever full_matrices says.
  SigBuilder k; k.array({6, 3}).absent().absent().absent().integer(2);
  EXPECT_EQ(L::svd(k.sig()), 4 * 54 + 8 * 27);
  SigBuilder kv; kv.array({6, 3}).boolean(false).boolean(false).absent().integer(3);
  EXPECT_EQ(L::svd(kv.sig()), 4 * 54 - 36);
  for (std::int64_t bad : {0, 4, -1}) {
    SigBuilder b; b.array({6, 3}).boolean(false).absent().absent().integer(bad);
    EXPECT_THROW(L::svd(b.sig()), SignatureError);
    SigBuilder v; v.array({6, 3}).integer(bad);
    EXPECT_THROW(L::svdvals(v.sig()), SignatureError);
  }
  SigBuilder v; v.array({3});
  EXPECT_THROW(L::svd(v.sig()), SignatureError);
  EXPECT_THROW(L::svdvals(v.sig()), SignatureError);
}

TEST(LinalgFormulas, Trace) {
  SigBuilder a; a.array({2, 3, 5});
  EXPECT_EQ(L::trace(a.sig()), 2 * 3);
  SigBuilder up; up.array({3, 5}).integer(3);
  EXPECT_EQ(L::trace(up.sig()), 2);
  SigBuilder down; down.array({3, 5}).integer(-2);
  EXPECT_EQ(L::trace(down.sig()), 1);
  SigBuilder off; off.array({3, 5}).integer(9);
  EXPECT_EQ(L::trace(off.sig()), 0);
}

TEST(LinalgFormulas, Qr) {
  // 5 x 3, k = 3: R = 4*45 - 2*8*9 + 36 = 72 (= 2mn^2 - 2n^3/3); thin Q = 4*3*5*3 - 2*8*9 + 36 = 72;
  // full Q = 4*(25*3 - 5*9) + 36 = 156.
  SigBuilder a; a.array({5, 3});
  EXPECT_EQ(L::qr(a.sig()), 144);
  SigBuilder c; c.array({5, 3}).str("complete");
  EXPECT_EQ(L::qr(c.sig()), 72 + 156);
  SigBuilder r; r.array({2, 5, 3}).str("r");
  EXPECT_EQ(L::qr(r.sig()), 2 * 72);
  SigBuilder e; e.array({5, 3}).str("economic");
  EXPECT_EQ(L::qr(e.sig()), 72);
  // 3 x 5 (m < n), k = 3: R = 4*45 - 2*8*9 + 36 = 72 (= 2m^2 n - 2m^3/3); thin Q 3 x 3: 4*27 - 2*6*9 + 36 = 36.
  SigBuilder w; w.array({3, 5});
  EXPECT_EQ(L::qr(w.sig()), 108);
  SigBuilder bad; bad.array({3, 3}).str("bogus");
  EXPECT_THROW(L::qr(bad.sig()), SignatureError);
}

TEST(LinalgFormulas, LstsqPinv) {
  // 6 x 3, one right-hand side: thin SVD 4*6*9 + 8*27 = 432, then 2*9*3 + 3 = 57.
  SigBuilder a; a.array({6, 3}).array({6});
  EXPECT_EQ(L::lstsq(a.sig()), 432 + 57);
  SigBuilder k; k.array({6, 3}).array({6, 4});
  EXPECT_EQ(L::lstsq(k.sig()), 432 + 4 * 57);
  // pinv 6 x 3: 432 + 3 + 9 + 2*18*3.
  SigBuilder p; p.array({6, 3});
  EXPECT_EQ(L::pinv(p.sig()), 432 + 3 + 9 + 108);
  SigBuilder h; h.array({3, 3}).none().boolean(true);
  EXPECT_EQ(L::pinv(h.sig()), 9 * 27 + 3 + 9 + 54);
  SigBuilder hr; hr.array({3, 4}).none().boolean(true);
  EXPECT_THROW(L::pinv(hr.sig()), SignatureError);
}

TEST(LinalgFormulas, Norms) {
  SigBuilder v; v.array({10});
  EXPECT_EQ(L::norm(v.sig()), 11);
  SigBuilder v1; v1.array({10}).integer(1);
  EXPECT_EQ(L::norm(v1.sig()), 20);
  SigBuilder vi; vi.array({10}).number(-INFINITY);
  EXPECT_EQ(L::norm(vi.sig()), 20);
  SigBuilder vp; vp.array({10}).number(3.0);
  EXPECT_EQ(L::norm(vp.sig()), 31);
  SigBuilder vf; vf.array({10}).str("fro");
  EXPECT_THROW(L::norm(vf.sig()), SignatureError);
  SigBuilder flat; flat.array({2, 3, 4});  // no ord, no axis: the flattened 2-norm
  EXPECT_EQ(L::norm(flat.sig()), 25);
  SigBuilder ax; ax.array({2, 3, 4}).none().integer(1);  // 8 vectors of 3
  EXPECT_EQ(L::norm(ax.sig()), 8 * 4);
  SigBuilder m1; m1.array({3, 4}).integer(1);  // abs + column sums 24, 4 comparisons
  EXPECT_EQ(L::norm(m1.sig()), 28);
  SigBuilder mi; mi.array({3, 4}).number(INFINITY);
  EXPECT_EQ(L::norm(mi.sig()), 27);
  SigBuilder mn; mn.array({2, 3, 4}).str("nuc").ints({1, 2});  // singular values 4*4*9 - 36, + 3
  EXPECT_EQ(L::norm(mn.sig()), 2 * (108 + 3));
  SigBuilder bad; bad.array({2, 3, 4}).integer(1);
  EXPECT_THROW(L::norm(bad.sig()), SignatureError);
  SigBuilder m3; m3.array({3, 4}).integer(3).ints({0, 1});
  EXPECT_THROW(L::norm(m3.sig()), SignatureError);
  SigBuilder vn; vn.array({2, 3, 4}).ints({0, 2}).absent().integer(1);  // 3 vectors of 8
  EXPECT_EQ(L::vector_norm(vn.sig()), 3 * 16);
  SigBuilder mat; mat.array({5, 3, 4});
  EXPECT_EQ(L::matrix_norm(mat.sig()), 5 * 13);
  SigBuilder empty; empty.array({0, 4}).absent().integer(0);
  EXPECT_EQ(L::vector_norm(empty.sig()), 0);
}

TEST(LinalgFormulas, RankCond) {
  SigBuilder a; a.array({6, 3});
  EXPECT_EQ(L::matrix_rank(a.sig()), 4 * 54 - 36 + 6);
  SigBuilder v; v.array({7});
  EXPECT_EQ(L::matrix_rank(v.sig()), 7);
  SigBuilder h; h.array({2, 3, 3}).none().boolean(true);
  EXPECT_EQ(L::matrix_rank(h.sig()), 2 * (36 + 3 + 6));
  SigBuilder c; c.array({6, 3});
  EXPECT_EQ(L::cond(c.sig()), 4 * 54 - 36 + 1);
  SigBuilder c1; c1.array({3, 3}).integer(1);  // inv 54 + 2 * (18 + 3) + 1
  EXPECT_EQ(L::cond(c1.sig()), 54 + 42 + 1);
  SigBuilder cr; cr.array({3, 4}).integer(1);
  EXPECT_THROW(L::cond(cr.sig()), SignatureError);
}

TEST(LinalgFormulas, MatrixPower) {
  SigBuilder e0; e0.array({3, 3}).integer(0);
  EXPECT_EQ(L::matrix_power(e0.sig()), 0);
  SigBuilder e1; e1.array({3, 3}).integer(1);
  EXPECT_EQ(L::matrix_power(e1.sig()), 0);
  SigBuilder e2; e2.array({3, 3}).integer(2);
  EXPECT_EQ(L::matrix_power(e2.sig()), 27);
  SigBuilder e7; e7.array({2, 3, 3}).integer(7);  // 7 = 0b111: 2 squarings + 2 products
  EXPECT_EQ(L::matrix_power(e7.sig()), 2 * 4 * 27);
  SigBuilder e8; e8.array({3, 3}).integer(8);  // 3 squarings
  EXPECT_EQ(L::matrix_power(e8.sig()), 3 * 27);
  SigBuilder neg; neg.array({3, 3}).integer(-2);  // inv 54, then one product
  EXPECT_EQ(L::matrix_power(neg.sig()), 54 + 27);
  SigBuilder f; f.array({3, 3}).number(2.0);
  EXPECT_THROW(L::matrix_power(f.sig()), SignatureError);
}

TEST(LinalgFormulas, MultiDot) {
  // (10x100)(100x5)(5x50): (AB)C = 5000 + 2500 beats A(BC) = 25000 + 50000.
  SigBuilder a; a.arrays({{10, 100}, {100, 5}, {5, 50}});
  EXPECT_EQ(L::multi_dot(a.sig()), 7500);
  // Row vector (1x4), 4x6, column vector (6x1): A(BC) = 24 + 4 beats (AB)C = 24 + 6.
  SigBuilder v; v.arrays({{4}, {4, 6}, {6}});
  EXPECT_EQ(L::multi_dot(v.sig()), 28);
  SigBuilder one; one.arrays({{3, 3}});
  EXPECT_THROW(L::multi_dot(one.sig()), SignatureError);
  SigBuilder mis; mis.arrays({{3, 4}, {5, 6}});
  EXPECT_THROW(L::multi_dot(mis.sig()), SignatureError);
  SigBuilder mid; mid.arrays({{3, 4}, {4}, {4, 2}});
  EXPECT_THROW(L::multi_dot(mid.sig()), SignatureError);
  // Two arrays: NumPy's multi_dot is dot(a, b), any dimensions: 2*3*3 x 2*3*3 / 3.
  SigBuilder two; two.arrays({{2, 3, 3}, {2, 3, 3}});
  EXPECT_EQ(L::multi_dot(two.sig()), 18 * 18 / 3);
}

TEST(LinalgFormulas, ProductsAndTensors) {
  // linalg.matmul / linalg.vecdot: the extents the contraction engine prices.
  SigBuilder mm; mm.array({2, 1, 3, 4}).array({5, 4, 6});  // batch (2, 5)
  const auto d = L::matmul_dims(mm.sig());
  EXPECT_EQ(d.batch, 10);
  EXPECT_EQ(d.m, 3);
  EXPECT_EQ(d.k, 4);
  EXPECT_EQ(d.n, 6);
  SigBuilder mv; mv.array({3, 4}).array({4});
  const auto v = L::matmul_dims(mv.sig());
  EXPECT_EQ(v.batch * v.m * v.k * v.n, 12);
  SigBuilder bad; bad.array({3, 4}).array({3, 4});
  EXPECT_THROW(L::matmul_dims(bad.sig()), SignatureError);
  SigBuilder vd; vd.array({5, 1, 3}).array({4, 3});
  const auto e = L::vecdot_dims(vd.sig());
  EXPECT_EQ(e.batch, 20);
  EXPECT_EQ(e.batch * e.m * e.k * e.n, 60);
  SigBuilder va; va.array({3, 5}).array({3, 5}).integer(0);  // x1 x2 axis=0
  EXPECT_EQ(L::vecdot_dims(va.sig()).batch, 5);
  EXPECT_EQ(L::vecdot_dims(va.sig()).k, 3);
  SigBuilder ti; ti.array({4, 6, 8, 3});
  EXPECT_EQ(L::tensorinv(ti.sig()), 2 * 24 * 24 * 24);
  SigBuilder tb; tb.array({4, 6, 8, 3}).integer(1);
  EXPECT_THROW(L::tensorinv(tb.sig()), SignatureError);
  SigBuilder ts; ts.array({6, 4, 2, 3, 4}).array({6, 4});
  EXPECT_EQ(L::tensorsolve(ts.sig()), 2 * 24 * 24 * 24 / 3 + 2 * 24 * 24);
}

// The systems NumPy solves are a's and b's leading dimensions broadcast
// together (NumPy >= 2.0: b is a vector only when 1-d), each 2n^3/3 + 2n^2 k.
TEST(LinalgFormulas, SolveBroadcastBatch) {
  SigBuilder b_batch; b_batch.array({100, 100}).array({1000, 100, 1});  // one a, 1,000 right-hand sides' stacks
  EXPECT_EQ(L::solve(b_batch.sig()), 1000 * (2 * 1000000 / 3 + 2 * 10000));  // 686,666,000
  SigBuilder both; both.array({5, 1, 4, 4}).array({3, 4, 2});  // (5, 1) x (3,) -> 15 systems, k = 2
  EXPECT_EQ(L::solve(both.sig()), 15 * (2 * 64 / 3 + 2 * 16 * 2));
  SigBuilder mat; mat.array({4, 4, 4}).array({4, 4});  // b of a.ndim - 1 dims is a 4 x 4 matrix
  EXPECT_EQ(L::solve(mat.sig()), 4 * (2 * 64 / 3 + 2 * 16 * 4));
  SigBuilder vec; vec.array({6, 4, 4}).array({4});  // 1-d b: one vector per matrix of a
  EXPECT_EQ(L::solve(vec.sig()), 6 * (2 * 64 / 3 + 2 * 16));
  SigBuilder empty; empty.array({4, 4}).array({0, 4, 1});
  EXPECT_EQ(L::solve(empty.sig()), 0);
  SigBuilder rows; rows.array({3, 4, 4}).array({3, 4});  // (3, 4) is a matrix of 3 rows, not 4
  EXPECT_THROW(L::solve(rows.sig()), SignatureError);
  SigBuilder loops; loops.array({2, 3, 3}).array({4, 3, 1});
  EXPECT_THROW(L::solve(loops.sig()), SignatureError);
  SigBuilder scalar; scalar.array({3, 3}).array({});
  EXPECT_THROW(L::solve(scalar.sig()), SignatureError);
}

// matrix_rank compares each matrix's q singular values with each tolerance it
// is paired with: an array tol= / rtol= broadcasts against the stack.
TEST(LinalgFormulas, MatrixRankThresholdPairs) {
  const std::int64_t values = 4 * 54 - 36, q = 3;  // a 6 x 3 matrix
  SigBuilder tol; tol.array({6, 3}).array({1000});
  EXPECT_EQ(L::matrix_rank(tol.sig()), values + q + 1000 * q);
  SigBuilder rtol; rtol.array({6, 3}).absent().absent().array({1000});  // A tol hermitian rtol
  EXPECT_EQ(L::matrix_rank(rtol.sig()), values + q + 1000 * q);
  SigBuilder stack; stack.array({2, 6, 3}).array({5, 1});  // (2,) x (5, 1) -> 10 pairs
  EXPECT_EQ(L::matrix_rank(stack.sig()), 2 * (values + q) + 10 * q);
  SigBuilder scalar; scalar.array({2, 6, 3}).number(1e-3);  // one pair per matrix
  EXPECT_EQ(L::matrix_rank(scalar.sig()), 2 * (values + 2 * q));
  SigBuilder bad; bad.array({2, 6, 3}).array({3});
  EXPECT_THROW(L::matrix_rank(bad.sig()), SignatureError);
}
