// NumPy's numeric dtypes as far as billing is concerned (kind and width), the
// promotion of several operands (NEP 50: Python scalars are "weak"), and the
// dtype an op computes in. Pure C++: NumPy's dtype numbers are its stable ABI
// constants, mapped here without Python.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace flopscope::dtype {

struct Dtype {
  char kind = 0;  // 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex; 0 = none
  int bits = 0;   // item width (complex: both parts)
  bool operator==(const Dtype&) const = default;
  bool integral() const { return kind == 'b' || kind == 'i' || kind == 'u'; }  // bool or an integer
};

// A Python scalar operand (NEP 50 "weak"): its kind only.
enum class Weak : std::uint8_t { None, Bool, Int, Float, Complex };

// NumPy's type number (NPY_DOUBLE = 12, ...) as a Dtype; kind 0 for a
// non-numeric or unknown number.
Dtype from_type_num(int type_num);
// NumPy's promotion of two numeric dtypes (np.promote_types).
Dtype promote(Dtype a, Dtype b);
// np.result_type of array dtypes and weak Python scalars: the arrays promote;
// a weak scalar only lifts the kind (int array * 2.0 -> float64, float32 *
// 2.0 -> float32, float32 * 1j -> complex64); only scalars: int64 / float64 /
// complex128 / bool.
Dtype result_type(std::span<const Dtype> arrays, std::span<const Weak> weak);

// The dtype an op computes in, from its operands' result type (spec 2.3).
enum class Compute : std::uint8_t {
  Same,            // the result type
  FloatOfInt,      // float-only ufuncs: bool/int8/uint8 -> float16, 16-bit -> float32, wider -> float64
  Float64OfInt,    // integer inputs computed in float64 (mean, var, LAPACK, integer division)
  Float64,         // always float64, complex in complex128 (stats, cov, interp, polyfit, float_power)
  Int64Accumulator,// sum/prod of narrow integers and bools: int64
  Fft,             // <= 32-bit float/complex -> complex64, else complex128 (integers: complex128)
  ComplexResult,   // sort_complex's result: 8/16-bit integers -> complex64, other reals -> complex128
  WithInt64,       // promoted with int64 (a histogram's counts): integers -> int64, floats -> float64, complex -> complex128
  FloatOfIntWithInt,  // FloatOfInt after promotion with a Python int (angle of a real z is arctan2(0, z)): bool -> float64
  Bool,            // always bool (NumPy's broadcast_shapes broadcasts np.empty(shape, bool) arrays)
};
Dtype compute(Compute rule, Dtype in);

// "float32", "complex128", "int64", "bool", ... (the keys of a profile's rate table).
std::string_view name(Dtype d);

}  // namespace flopscope::dtype
