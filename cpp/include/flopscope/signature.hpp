// The priced signature of a call: what a cost formula may depend on. The
// binding reads a Python call into it (operand shapes and dtypes, parameter
// values); formulas (formulas/*.hpp) read it through the accessors below,
// which also validate it (axes in range, known option strings, ...).
// Pure C++: no Python here.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "flopscope/checked.hpp"
#include "flopscope/dtype.hpp"

namespace flopscope {

// The one home of axis normalisation (NumPy's normalize_axis_index): `axis`
// in [-ndim, ndim) as an index in [0, ndim). normalize_axis throws
// SignatureError naming it when out of range; axis_in_range only answers.
bool axis_in_range(std::int64_t axis, int ndim, int* out);
int normalize_axis(std::int64_t axis, int ndim);

// One argument of a call, as far as pricing is concerned.
struct Arg {
  enum class Kind : std::uint8_t {
    Absent,  // not passed
    None,    // None
    Bool,
    Int,
    Float,
    Str,
    Ints,    // a tuple or list of Python ints (axes, shapes, kth, ...); in a "#" slot, nested
    Array,   // an array operand (lists and scalars in operand slots are read as arrays)
    Arrays,  // a sequence of array operands (multi_dot, concatenate, ...)
    Dtype,   // a dtype= argument NumPy can read without running Python (dtype: its type number)
    Other,   // any other object (a callable, ...): passed, but not readable by a formula
  };
  Kind kind = Kind::Absent;
  dtype::Weak weak = dtype::Weak::None;     // Array read from a Python scalar: its kind (NEP 50 weak)
  std::uint32_t symmetry = 0;               // Array: symmetry tag (symmetry.hpp; 0 = none)
  int dtype = -1;                           // Array: NumPy dtype number (-1: a Python scalar); Dtype: the dtype
  std::int64_t i = 0;                       // Int, Bool
  double f = 0;                             // Float
  std::string_view s;                       // Str
  std::span<const std::int64_t> ints;       // Ints: the values, flattened; Array: the shape
  std::int64_t rows = -1;                   // Ints read in a "#" slot as a 2-level nesting: its
                                            // number of rows (-1: a flat sequence)
  std::span<const Arg> items;               // Arrays (of a "#+" slot: Int / Ints / Other values; of a
                                            // "@" slot: one Ints per path step)
  bool complex() const {  // a complex array, or a Python complex read as an operand
    return kind == Kind::Array && ((dtype >= 0 && dtype::from_type_num(dtype).kind == 'c') || weak == dtype::Weak::Complex);
  }
  bool integral() const {  // a bool or integer array, or a Python int / bool read as an operand
    return kind == Kind::Array && (dtype >= 0 ? dtype::from_type_num(dtype).integral()
                                              : weak == dtype::Weak::Int || weak == dtype::Weak::Bool);
  }
};
static_assert(std::is_trivially_destructible_v<Arg>, "call frames hold Args in raw inline storage");

// Raised by formulas and accessors for a call NumPy would refuse, or one whose
// price cannot be known; the binding turns it into ValueError naming the op.
class SignatureError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};
// A call NumPy refuses as well (operands that do not broadcast, an axis out of
// range, unaligned contraction shapes): the binding refuses it with
// ValueError naming the op before NumPy runs. For any other SignatureError it
// lets NumPy give its own refusal (and never keeps a result it could not price).
class InvalidCall : public SignatureError {
 public:
  using SignatureError::SignatureError;
};

// One declared parameter of an op, in NumPy's positional order.
struct Slot {
  enum class Kind : std::uint8_t {
    Param,     // read by value (numbers, strings, ints); arrays and lists as operands
    Operand,   // an array operand
    Operands,  // a sequence of array operands
    Rest,      // every remaining positional argument, each an array operand (NumPy's *varargs)
    RestValues,  // every remaining positional argument, each read as an IntTable (broadcast_shapes' *args)
    IntTable,  // integer values: an int, a sequence or a 2-level nesting of ints, an integer array
    Out,       // NumPy's out=: output buffers (their dtypes take part in the billed dtype)
    Dtype,     // NumPy's dtype=: read as a dtype where NumPy can read it without running Python
    Path,      // einsum's optimize=: False/True/a strategy name, or a path (a list of position tuples)
  };
  std::string name;
  Kind kind = Kind::Param;
  bool keyword_only = false;
  bool billed = false;  // "%name": a Param that, given as an array, takes part in the billed dtype
};

// Parses an op's slot list: NumPy's parameter names in order, separated by
// spaces; "&name" marks an array operand, "&*name" a sequence of them,
// "&+name" NumPy's *name (the remaining positional operands), "#name"
// integer values (pad widths), "#+name" NumPy's *name read as such values
// (shapes), "%name" a value that takes part in the billed dtype when it is an
// array (histogram_bin_edges' bins given as edges), and names after a lone "*"
// are keyword-only. A parameter named "out" is NumPy's output buffer(s),
// one named "dtype" NumPy's dtype argument, and "@name" einsum's optimize=
// (a strategy or a path).
// E.g. "&a n axis norm".
std::vector<Slot> parse_slots(std::string_view text);

class Signature {
 public:
  explicit Signature(std::span<const Arg> args) : args_(args) {}

  std::size_t size() const { return args_.size(); }
  const Arg& operator[](std::size_t i) const {
    static const Arg absent;
    return i < args_.size() ? args_[i] : absent;
  }
  // Passed and not None.
  bool given(std::size_t i) const {
    auto k = (*this)[i].kind;
    return k != Arg::Kind::Absent && k != Arg::Kind::None;
  }

  // Shape of an array argument; a number (Int/Float/Bool) is a 0-d operand.
  std::span<const std::int64_t> shape(std::size_t i) const {
    const Arg& a = (*this)[i];
    if (a.kind == Arg::Kind::Array) [[likely]] return a.ints;
    return scalar_shape(i);
  }
  int ndim(std::size_t i) const { return static_cast<int>(shape(i).size()); }
  Flops numel(std::size_t i) const {
    Flops n = 1;
    for (std::int64_t d : shape(i)) n = checked_mul(n, d);
    return n;
  }
  // Extent of axis `axis` (negative counts from the end) of argument i.
  std::int64_t dim(std::size_t i, int axis) const;

  std::int64_t int_or(std::size_t i, std::int64_t fallback) const;
  bool bool_or(std::size_t i, bool fallback) const;
  std::string_view str_or(std::size_t i, std::string_view fallback) const;
  // A number given as int or float (e.g. an `ord` or a `q`); fallback when absent/None.
  double number_or(std::size_t i, double fallback) const;
  // An axis argument normalised into [0, ndim); fallback when absent/None.
  int axis_or(std::size_t i, int ndim, int fallback) const;
  // An axis argument that may be an int, a tuple of ints or None (all axes),
  // normalised and checked for repeats.
  std::vector<int> axes_or_all(std::size_t i, int ndim) const;
  // A sequence of ints (or one int) such as kth or s=; empty when absent/None.
  std::vector<std::int64_t> ints_or_empty(std::size_t i) const;
  // The output size of reducing array argument `array` over the axis argument
  // `axis` (None or absent: all axes; an int; a tuple of ints), checked as
  // NumPy checks it (in range, no repeats). A 0-d operand reduces to one
  // element whatever the axis (NumPy accepts 0 / -1 there and refuses the
  // rest itself). No allocation: a reduction is on the hot path.
  Flops reduced_numel(std::size_t array, std::size_t axis) const;
  // The same axis argument as flags: reduced[d] for each axis d of the array.
  void reduced_axes(std::size_t array, std::size_t axis, bool* reduced) const;
  // The extent along the axis argument `axis` of array argument `array` (an
  // int, `fallback` when absent; None: the flattened array) and the number
  // of slices of that length: how sort / partition / cumsum see an array.
  void slices_along(std::size_t array, std::size_t axis, int fallback, Flops* length, Flops* slices) const;

 private:
  // shape() of a number (a 0-d operand); throws for anything else.
  std::span<const std::int64_t> scalar_shape(std::size_t i) const;
  std::span<const Arg> args_;
};

// A cost formula: FLOPs of one call before the profile's weights. Throws
// SignatureError for invalid input and CostOverflowError past 64 bits.
using Formula = Flops (*)(const Signature&);

// The loop and core extents of a matmul-like contraction (cost::GufuncDims),
// for a row priced by the contraction engine instead of a formula.
namespace cost { struct GufuncDims; }
using ContractionDims = cost::GufuncDims (*)(const Signature&);

namespace formula_util {
// ceil(log2 n) for n >= 1, 0 for n <= 1.
int ceil_log2(std::int64_t n);
// Product of the extents of `shape` except the last `core` ones (the batch).
Flops batch(std::span<const std::int64_t> shape, int core);
// Comparisons of sorting n values, n * ceil(log2 n) with ceil(log2 n) floored
// at 1, and 0 for n = 0 (the sort rule of cost_model.hpp, spec section 2.12).
Flops sort_comparisons(Flops n);
}  // namespace formula_util

}  // namespace flopscope
