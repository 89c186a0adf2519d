# The default profile: exactly the table of the flopscope primer (the user's description),
# "Operation FLOP Costs". Free creation/views/indexing/joins/copies/casts;
# pointwise 1 FLOP per output element; reductions the input size;
# (M,N) @ (N,K) costs M*N*K (a multiply-add counted once); the dtype of a real
# call never matters. Complex operands: at the end of this file.
source flopscope-primer.txt, "Operation FLOP Costs"
contraction.multiply_add_flops 1
contraction.output_correction false
reduction.subtract_output false
weight.default 1
# Symmetric tensors (docs/cost-model.md, "symmetric tensors"): the primer's
# "Pointwise (1 FLOP/element)" and "Reductions (input size)" count every
# element, so a symmetric operand is priced as its dense array (symmetry.orbits
# off). Tags still propagate, through slices too; A @ A.T is recognised as
# symmetric (tag only).
symmetry.transposed_views true
symmetry.slices true

# Complex operands (docs/cost-model.md, "complex operands"). The primer's table
# is real; a complex value is two reals, and packing real work into complex
# numbers must save nothing. A call whose operands (their NEP 50 result type,
# out= buffers included) are complex bills its count x the op's factor below:
# the real operations one complex operation takes, each counted as the primer
# counts a real one (a pointwise operation 1, a contraction's multiply-add once).
# Real calls are billed exactly as above.
# Default: the op's real work on both parts (add, subtract, negative, conjugate,
# rint, the truth tests, where, sum, mean, var, cumsum, trace, diff, ...).
complex_factor.default 2
# A ufunc's methods (multiply.reduce, multiply.outer, exp.at, ...) take its factor.
ufunc_methods.complex_factor ufunc
# Contractions (matmul, dot, inner, outer, vdot, tensordot, einsum, vecdot,
# matvec, vecmat, linalg.matmul, ...), counted exactly by the contraction
# engine: a complex multiply-add is 4 real ones (re += ac - bd, im += ad + bc:
# two real multiply-adds each); an add with no multiply (a one-operand einsum
# that sums) 2, as a complex sum.
contraction.complex_multiply_flops 4
contraction.complex_add_flops 2
# The same multiply-adds in ops priced by a formula: 4.
complex_factor.kron 4
complex_factor.convolve 4
complex_factor.correlate 4
complex_factor.cross 4
complex_factor.polyval 4
complex_factor.polymul 4
complex_factor.polydiv 4
complex_factor.polyfit 4
complex_factor.poly 4
complex_factor.roots 4
complex_factor.cov 4
complex_factor.corrcoef 4
# Pointwise: the textbook real count of the complex formula, each real +, -,
# *, /, sqrt, exp, log, sin, cos, sinh, cosh, atan2 one FLOP (the primer's
# "Pointwise (1 FLOP/element)").
# (a + bi)(c + di) = (ac - bd) + (ad + bc)i: 4 multiplies, 2 adds.
complex_factor.multiply 6
# NumPy's loop squares z as the product z * z.
complex_factor.square 6
# 1 / (c + di) = (c - di) / (c^2 + d^2): 2 multiplies, an add, 2 divides, a negation.
complex_factor.reciprocal 6
# (a + bi) / (c + di) = ((ac + bd) + (bc - ad)i) / (c^2 + d^2): 6 multiplies, 3 adds, 2 divides.
complex_factor.divide 11
# |a + bi| = sqrt(a^2 + b^2): 2 multiplies, an add, a square root.
complex_factor.absolute 4
# z / |z|: the modulus (4) and 2 divides.
complex_factor.sign 6
# arg z = atan2(b, a): one atan2, as for a real operand. real_if_close,
# iscomplex and isreal test the imaginary part alone: one test, as for a real one.
complex_factor.angle 1
complex_factor.real_if_close 1
complex_factor.iscomplex 1
complex_factor.isreal 1
# exp(a + bi) = e^a cos b + i e^a sin b: exp, cos, sin, 2 multiplies; expm1 one
# subtract more; exp2 first scales both parts by ln 2.
complex_factor.exp 5
complex_factor.expm1 6
complex_factor.exp2 7
# log z = log|z| + i atan2(b, a): the modulus (4), a log, an atan2; log2 and
# log10 then scale both parts (2); log1p adds 1 first.
complex_factor.log 6
complex_factor.log2 8
complex_factor.log10 8
complex_factor.log1p 7
# sqrt z: t = sqrt((|a| + |z|) / 2) (the modulus 4, an abs, an add, a halving, a
# square root) and b / 2t (a multiply, a divide).
complex_factor.sqrt 10
# sin(a + bi) = sin a cosh b + i cos a sinh b, and cos, sinh, cosh alike: 4
# transcendental functions, 2 multiplies.
complex_factor.sin 6
complex_factor.cos 6
complex_factor.sinh 6
complex_factor.cosh 6
# tan(a + bi) = (sin 2a + i sinh 2b) / (cos 2a + cosh 2b), tanh alike: 2
# doublings, 4 transcendental functions, an add, 2 divides.
complex_factor.tan 9
complex_factor.tanh 9
# The inverse functions through a complex log and square root: arcsin z =
# -i log(iz + sqrt(1 - z^2)) and arccos, arcsinh, arccosh alike: a complex
# square (6), square root (10), log (6) and 2 complex adds (4); arctan z =
# (i/2) log((i + z) / (i - z)) and arctanh alike: 2 complex adds (4), a divide
# (11), a log (6), a scaling (2).
complex_factor.arcsin 26
complex_factor.arccos 26
complex_factor.arcsinh 26
complex_factor.arccosh 26
complex_factor.arctan 23
complex_factor.arctanh 23
# z^w = exp(w log z): a complex log (6), multiply (6) and exp (5); logspace
# and geomspace compute one such power per sample.
complex_factor.power 17
complex_factor.float_power 17
complex_factor.logspace 17
complex_factor.geomspace 17
# sinc z = sin(pi z) / (pi z): a scaling (2), a complex sin (6) and divide (11).
complex_factor.sinc 19
# vander: each column the previous one times x, a complex multiply.
complex_factor.vander 6
# Reductions: prod and its forms multiply (6 per element); sum, mean, var, std,
# cumsum, ... add both parts (the default, 2).
complex_factor.prod 6
complex_factor.cumprod 6
complex_factor.nanprod 6
complex_factor.nancumprod 6
complex_factor.cumulative_prod 6
# Comparisons, selections and orderings compare lexicographically: unchanged.
complex_factor.equal 1
complex_factor.not_equal 1
complex_factor.less 1
complex_factor.less_equal 1
complex_factor.greater 1
complex_factor.greater_equal 1
complex_factor.maximum 1
complex_factor.minimum 1
complex_factor.fmax 1
complex_factor.fmin 1
complex_factor.clip 1
complex_factor.array_equal 1
complex_factor.array_equiv 1
complex_factor.max 1
complex_factor.min 1
complex_factor.amax 1
complex_factor.amin 1
complex_factor.nanmax 1
complex_factor.nanmin 1
complex_factor.argmax 1
complex_factor.argmin 1
complex_factor.nanargmax 1
complex_factor.nanargmin 1
complex_factor.ptp 1
complex_factor.sort 1
complex_factor.argsort 1
complex_factor.partition 1
complex_factor.argpartition 1
complex_factor.searchsorted 1
complex_factor.lexsort 1
complex_factor.sort_complex 1
complex_factor.unique 1
complex_factor.unique_all 1
complex_factor.unique_counts 1
complex_factor.unique_inverse 1
complex_factor.unique_values 1
complex_factor.isin 1
complex_factor.intersect1d 1
complex_factor.union1d 1
complex_factor.setdiff1d 1
complex_factor.setxor1d 1
# Linear algebra of complex matrices: LAPACK's complex routines do 4 real
# multiply-adds per complex one, the standard real-equivalent count of the
# O(n^3) factorisations (LU, QR, SVD, eigen, Cholesky, solves, inverses;
# Golub & Van Loan). Norms take the same factor. trace is a sum (2).
complex_factor.linalg.* 4
complex_factor.linalg.trace 2
# FFTs already count a complex transform's real FLOPs (5 n log2 n: Van Loan),
# whatever the input's dtype.
complex_factor.fft.* 1
# NumPy's samplers compute in float64 (a complex parameter is refused or cast).
complex_factor.random.* 1
