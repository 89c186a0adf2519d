# Upstream flopscope 0.12.4's billing ("Profile C"), as data: charged =
# int(flop_cost x dtype_rate x complex_factor x weight). Sources: spec
# flopscope-spec.md section 2.1 (the equation), 2.2 (weights), 2.3 (dtype
# rates and compute dtypes), 2.4 (complex factors), 2.7 (reductions n - 1),
# 2.8 (contractions: a multiply-add is 2 FLOPs, one add per output cell less).
# What this profile does not reproduce yet is listed in docs/cost-model.md.
source flopscope-spec.md section 2 (upstream flopscope 0.12.4)
contraction.multiply_add_flops 2
contraction.output_correction true
reduction.subtract_output true
# 2.6: a pointwise call costs at least 1, even on empty operands.
pointwise.floor 1
# Measured (scripts/differential): a 0-d or empty reduction costs 1 too.
reduction.floor 1
# 2.7 "Profile C extras", each measured with scripts/differential: n = input
# size, M = output size; the form is per_input per_output.
# mean (and unweighted average): the sum plus a divide per output.
reduction.form.mean 1 0
# A nan* op scans its input once more for NaNs (nanmax and nanmin do not).
reduction.form.nansum 2 -1
reduction.form.nanprod 2 -1
reduction.form.nanargmax 2 -1
reduction.form.nanargmin 2 -1
reduction.form.nancumsum 2 -1
reduction.form.nancumprod 2 -1
reduction.form.nanmean 2 0
# var and std in four passes: 2n + 2(n - M) + 2M (std: + M square roots).
reduction.form.var 4 0
reduction.form.std 4 1
reduction.form.nanvar 5 0
reduction.form.nanstd 5 1
# ptp = max and min: 2n - M; count_nonzero: one test per element.
reduction.form.ptp 2 -1
reduction.form.count_nonzero 1 0

# 2.3: one billed FLOP = one 32-bit-class real op.
dtype_rate.bool 1
dtype_rate.int8 1
dtype_rate.uint8 1
dtype_rate.int16 1
dtype_rate.uint16 1
dtype_rate.float16 1
dtype_rate.int32 1
dtype_rate.uint32 1
dtype_rate.float32 1
dtype_rate.int64 2
dtype_rate.uint64 2
dtype_rate.float64 2
dtype_rate.complex64 1
dtype_rate.complex128 2
dtype_rate.float128 4
dtype_rate.complex256 4
dtype_rate.default 2

# 2.3: ops that compute wider than their inputs.
compute.exp float_of_int
compute.exp2 float_of_int
compute.expm1 float_of_int
compute.log float_of_int
compute.log2 float_of_int
compute.log10 float_of_int
compute.log1p float_of_int
compute.sqrt float_of_int
compute.cbrt float_of_int
compute.sin float_of_int
compute.cos float_of_int
compute.tan float_of_int
compute.arcsin float_of_int
compute.arccos float_of_int
compute.arctan float_of_int
compute.sinh float_of_int
compute.cosh float_of_int
compute.tanh float_of_int
compute.arcsinh float_of_int
compute.arccosh float_of_int
compute.arctanh float_of_int
compute.deg2rad float_of_int
compute.rad2deg float_of_int
compute.degrees float_of_int
compute.radians float_of_int
compute.arctan2 float_of_int
compute.hypot float_of_int
compute.logaddexp float_of_int
compute.logaddexp2 float_of_int
compute.true_divide float64_of_int
compute.divide float64_of_int
compute.mean float64_of_int
compute.var float64_of_int
compute.std float64_of_int
compute.nanmean float64_of_int
compute.nanvar float64_of_int
compute.nanstd float64_of_int
compute.average float64_of_int
compute.median float64_of_int
compute.sum int64_accumulator
compute.prod int64_accumulator
compute.cumsum int64_accumulator
compute.cumprod int64_accumulator
compute.linalg.* float64_of_int
compute.fft.* fft
compute.stats.* float64
compute.cov float64
compute.corrcoef float64
compute.interp float64
compute.polyfit float64
compute.polyder float64
compute.polyint float64

# 2.4: complex factors (real dtypes: 1).
complex_factor.default 2
complex_factor.multiply 6
complex_factor.prod 6
complex_factor.square 5
complex_factor.divide 11
complex_factor.true_divide 11
complex_factor.reciprocal 6
complex_factor.var 2.5
complex_factor.std 2.5
complex_factor.absolute 4
complex_factor.log 2.25
complex_factor.exp 3.1
complex_factor.sin 3.4
complex_factor.cos 3.4
complex_factor.tan 3.6
complex_factor.linalg.* 4
complex_factor.fft.* 1
complex_factor.polyval 4
complex_factor.cross 4.7
complex_factor.interp 3
complex_factor.cov 4
complex_factor.corrcoef 4
complex_factor.matmul 4
complex_factor.einsum 4
complex_factor.dot 4
complex_factor.inner 4
complex_factor.tensordot 4
complex_factor.vdot 4

# 2.2: weight tiers {0, 1, 4, 16}.
weight.default 1
weight.exp 16
weight.exp2 16
weight.expm1 16
weight.log 16
weight.log2 16
weight.log10 16
weight.log1p 16
weight.cbrt 16
weight.sin 16
weight.cos 16
weight.tan 16
weight.sinh 16
weight.cosh 16
weight.tanh 16
weight.arcsin 16
weight.arccos 16
weight.arctan 16
weight.arcsinh 16
weight.arccosh 16
weight.arctanh 16
weight.sinc 16
weight.i0 16
weight.power 16
weight.float_power 16
weight.angle 16
weight.arctan2 16
weight.hypot 16
weight.logaddexp 16
weight.logaddexp2 16
weight.floor_divide 16
weight.remainder 16
weight.fmod 16
weight.divmod 16
weight.gcd 16
weight.lcm 16
weight.geomspace 16
weight.logspace 16
weight.sort 4
weight.argsort 4
weight.lexsort 4
weight.partition 4
weight.argpartition 4
weight.searchsorted 4
weight.unique 4
weight.unique_all 4
weight.unique_counts 4
weight.unique_inverse 4
weight.unique_values 4
weight.union1d 4
weight.intersect1d 4
weight.setdiff1d 4
weight.setxor1d 4
weight.isin 4
weight.histogram 4
weight.histogram2d 4
weight.histogramdd 4
weight.histogram_bin_edges 4
weight.bincount 4
weight.digitize 4
weight.take 4
weight.take_along_axis 4
weight.choose 4
weight.where 4
