// What the linalg formula sets (the primer's in linalg.cpp, upstream's in
// linalg_flopscope012.cpp) share: operand checks, norm orders and NumPy's
// cases of norm / vector_norm / matrix_norm / multi_dot, each set supplying
// its own per-norm and per-product costs.
#pragma once

#include <cstdint>
#include <string_view>

#include "flopscope/cost_model.hpp"
#include "flopscope/signature.hpp"

namespace flopscope::formulas::linalg::detail {

// n of a stack of square matrices (..., n, n); refused otherwise (NumPy's LinAlgError).
std::int64_t square(const Signature& s, std::size_t i);
Flops cube(std::int64_t n);
// Refuses fewer than 2 dimensions.
void matrices(const Signature& s, std::size_t i);

// A norm order: absent/None, a number (inf included) or a string ('fro', 'nuc').
struct Order {
  bool is_default = true;
  bool is_str = false;
  std::string_view str;
  double p = 0;
};
Order order_of(const Signature& s, std::size_t i);

// One vector norm of n entries; one matrix norm of an m x n matrix.
struct NormCosts {
  Flops (*vector)(std::int64_t n, const Order& o);
  Flops (*matrix)(std::int64_t m, std::int64_t n, const Order& o);
};
Flops norm(const Signature& s, const NormCosts& costs);         // &x ord axis keepdims
Flops vector_norm(const Signature& s, const NormCosts& costs);  // &x * axis keepdims ord
Flops matrix_norm(const Signature& s, const NormCosts& costs);  // &x * keepdims ord
// &*arrays * out, `product(outputs, k)` being the cost of one product.
Flops multi_dot(const Signature& s, Flops (*product)(Flops outputs, Flops k));

// The systems of a linalg.solve call (slots &a &b): n, the right-hand sides
// per system k, and the broadcast batch; SignatureError for what NumPy refuses.
struct Systems {
  std::int64_t n = 0, k = 1;
  Flops batch = 1;
};
Systems solve_systems(const Signature& s);

// matrix_rank (slots &A tol hermitian * rtol): the (matrix, tolerance) pairs it
// thresholds, A's leading dimensions broadcast against an array tol= or rtol=.
Flops threshold_pairs(const Signature& s);

// qr's mode (slot 1), NumPy's deprecated spellings mapped: reduced, complete, r or raw.
std::string_view qr_mode(const Signature& s);

}  // namespace flopscope::formulas::linalg::detail
