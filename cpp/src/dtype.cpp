#include "flopscope/dtype.hpp"

#include <algorithm>

namespace flopscope::dtype {

Dtype from_type_num(int t) {
  // NumPy's enum NPY_TYPES (stable ABI): BOOL 0, BYTE 1, UBYTE 2, SHORT 3, USHORT 4,
  // INT 5, UINT 6, LONG 7, ULONG 8, LONGLONG 9, ULONGLONG 10, FLOAT 11, DOUBLE 12,
  // LONGDOUBLE 13, CFLOAT 14, CDOUBLE 15, CLONGDOUBLE 16, HALF 23. LONG is 64-bit
  // on the LP64 platforms flopscope builds for.
  switch (t) {
    case 0: return {'b', 8};
    case 1: return {'i', 8};
    case 2: return {'u', 8};
    case 3: return {'i', 16};
    case 4: return {'u', 16};
    case 5: return {'i', 32};
    case 6: return {'u', 32};
    case 7: case 9: return {'i', 64};
    case 8: case 10: return {'u', 64};
    case 11: return {'f', 32};
    case 12: return {'f', 64};
    case 13: return {'f', 128};
    case 14: return {'c', 64};
    case 15: return {'c', 128};
    case 16: return {'c', 256};
    case 23: return {'f', 16};
    default: return {};
  }
}

namespace {

// The narrowest float that holds every value of an integer of `bits` (NumPy's rule).
int float_bits_for_int(int bits) { return bits <= 8 ? 16 : bits == 16 ? 32 : 64; }

Dtype as_float(Dtype d) {  // the float (or complex) a dtype promotes to with a float
  switch (d.kind) {
    case 'b': return {'f', 16};
    case 'i': case 'u': return {'f', float_bits_for_int(d.bits)};
    default: return d;
  }
}

}  // namespace

Dtype promote(Dtype a, Dtype b) {
  if (a.kind == 0) return b;
  if (b.kind == 0) return a;
  if (a.kind == 'b') return b;
  if (b.kind == 'b') return a;
  const bool a_int = a.kind == 'i' || a.kind == 'u', b_int = b.kind == 'i' || b.kind == 'u';
  if (a_int && b_int) {
    if (a.kind == b.kind) return {a.kind, std::max(a.bits, b.bits)};
    const Dtype s = a.kind == 'i' ? a : b, u = a.kind == 'u' ? a : b;
    if (s.bits > u.bits) return s;
    return u.bits >= 64 ? Dtype{'f', 64} : Dtype{'i', 2 * u.bits};
  }
  const Dtype fa = as_float(a), fb = as_float(b);
  if (fa.kind == 'c' || fb.kind == 'c') {
    const int part = std::max(fa.kind == 'c' ? fa.bits / 2 : fa.bits, fb.kind == 'c' ? fb.bits / 2 : fb.bits);
    return {'c', 2 * std::max(part, 32)};
  }
  return {'f', std::max(fa.bits, fb.bits)};
}

Dtype result_type(std::span<const Dtype> arrays, std::span<const Weak> weak) {
  Dtype out;
  for (const Dtype& d : arrays) out = promote(out, d);
  Weak strongest = Weak::None;
  for (Weak w : weak) strongest = std::max(strongest, w);
  if (out.kind == 0) {  // only Python scalars
    switch (strongest) {
      case Weak::Bool: return {'b', 8};
      case Weak::Int: return {'i', 64};
      case Weak::Float: return {'f', 64};
      case Weak::Complex: return {'c', 128};
      case Weak::None: return {};
    }
  }
  const bool integral = out.integral();
  if (strongest == Weak::Int && out.kind == 'b') return {'i', 64};
  if (strongest == Weak::Float && integral) return {'f', 64};
  if (strongest == Weak::Complex) {
    if (integral) return {'c', 128};
    if (out.kind == 'f') return {'c', 2 * std::max(out.bits, 32)};
  }
  return out;
}

Dtype compute(Compute rule, Dtype in) {
  const bool integral = in.integral();
  switch (rule) {
    case Compute::Same: return in;
    case Compute::FloatOfInt: return integral ? as_float(in) : in;
    case Compute::Float64OfInt: return integral ? Dtype{'f', 64} : in;
    case Compute::Float64: return in.kind == 'c' ? Dtype{'c', 128} : Dtype{'f', 64};
    case Compute::Int64Accumulator: return integral && in.bits < 64 ? Dtype{in.kind == 'u' ? 'u' : 'i', 64} : in;
    case Compute::Fft:
      if (integral) return {'c', 128};
      return (in.kind == 'f' ? in.bits : in.bits / 2) <= 32 ? Dtype{'c', 64} : Dtype{'c', 128};
    case Compute::ComplexResult:  // NumPy's sort_complex: int8/16 and uint8/16 as 'F', other reals as 'D'
      if (in.kind == 'c') return in;
      return (in.kind == 'i' || in.kind == 'u') && in.bits <= 16 ? Dtype{'c', 64} : Dtype{'c', 128};
    case Compute::WithInt64: return promote(in, Dtype{'i', 64});
    case Compute::Bool: return {'b', 8};
    case Compute::FloatOfIntWithInt: return in.kind == 'b' ? Dtype{'f', 64} : integral ? as_float(in) : in;
  }
  return in;
}

std::string_view name(Dtype d) {
  switch (d.kind) {
    case 'b': return "bool";
    case 'i': return d.bits == 8 ? "int8" : d.bits == 16 ? "int16" : d.bits == 32 ? "int32" : "int64";
    case 'u': return d.bits == 8 ? "uint8" : d.bits == 16 ? "uint16" : d.bits == 32 ? "uint32" : "uint64";
    case 'f': return d.bits == 16 ? "float16" : d.bits == 32 ? "float32" : d.bits == 64 ? "float64" : "float128";
    case 'c': return d.bits == 64 ? "complex64" : d.bits == 128 ? "complex128" : "complex256";
    default: return "";
  }
}

}  // namespace flopscope::dtype
