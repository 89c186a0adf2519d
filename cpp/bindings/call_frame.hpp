// Reading a counted function call's arguments, once, into the core's
// Signature: each argument is matched to the row's slot (NumPy's parameter)
// by position or keyword and read by the slot's kind; operands are converted
// and watched (Operands) and noted for dtype billing (Call). Nothing is priced
// here: the core prices the Signature (pricing.hpp).
#pragma once

#include <algorithm>
#include <cstring>
#include <forward_list>
#include <type_traits>
#include <span>
#include <vector>

#include "arguments.hpp"
#include "call.hpp"
#include "flopscope/ops.hpp"
#include "flopscope/signature.hpp"

namespace flopscope::py {

static_assert(std::is_trivially_copyable_v<Arg>);

// Storage behind the Args of one call's Signature (spans point into it).
// Fixed inline buffers for the common call; overflow in node lists, so that
// nothing already handed out ever moves. Nothing is initialised until used.
class CallFrame {
 public:
  CallFrame() {}
  CallFrame(const CallFrame&) = delete;
  CallFrame& operator=(const CallFrame&) = delete;

  // Room for the call's n slot values. Slots are made Absent only up to the
  // last one an argument fills (slot()): the Signature ends there, and its
  // accessors read every slot past its end as Absent. A sum(a) reads one of
  // its seven slots.
  void start(std::size_t n) {
    base_ = n <= kArgs ? reinterpret_cast<Arg*>(args_) : more_args_.emplace_front(n).data();
    initialized_ = 0;
    objects_[0] = objects_[1] = nullptr;  // read by the symmetric engine's repeat check
  }
  // Slot k (k < n), Absent until filled.
  Arg& slot(std::size_t k) {
    for (; initialized_ <= k; ++initialized_) {
      make_absent(base_ + initialized_);
      if (initialized_ < kArgs) objects_[initialized_] = nullptr;
    }
    return base_[k];
  }
  std::span<Arg> slots() const { return {base_, initialized_}; }
  // The object NumPy is handed for slot i (converted; nullptr: absent, or past
  // the first kArgs slots), and the operands of a "&+" slot: what the
  // symmetric engine needs to see one array passed twice (outer(g, g)).
  PyObject* object(std::size_t i) const { return i < kArgs && i < initialized_ ? objects_[i] : nullptr; }
  PyObject* const* objects() const { return objects_; }  // slots 0 and 1 always readable
  void set_object(std::size_t i, PyObject* o) {
    if (i < kArgs) objects_[i] = o;
  }
  std::span<PyObject* const> rest_objects;
  Signature signature() const { return Signature(slots()); }

  // n fresh Args for the items of an Arrays argument.
  std::span<Arg> items(std::size_t n) {
    if (n_items_used_ + n > kArgs) return more_args_.emplace_front(n);  // constructed by the vector
    Arg* p = reinterpret_cast<Arg*>(items_) + n_items_used_;
    n_items_used_ += n;
    for (std::size_t i = 0; i < n; ++i) make_absent(p + i);
    return {p, n};
  }
  // A fresh operand shape (its address stays valid for the call).
  OperandShape& shape() {
    last_shape_ = n_shapes_ < kShapes ? &shapes_[n_shapes_++] : &more_shapes_.emplace_front();
    return *last_shape_;
  }
  // The shape shape() gave last.
  const OperandShape& last_shape() const { return *last_shape_; }
  // n integers.
  std::span<std::int64_t> ints(std::size_t n) {
    if (n_ints_ + n <= kInts) {
      std::span<std::int64_t> s(ints_ + n_ints_, n);
      n_ints_ += n;
      return s;
    }
    return more_ints_.emplace_front(n);
  }

  // The dtype= argument NumPy was given, as a NumPy type number (-1: none, or
  // one that cannot be read without running Python).
  int dtype_argument = -1;

 private:
  static constexpr std::size_t kArgs = 16, kShapes = 16, kInts = 64;
  // An Absent Arg in raw storage, copied from one template (a few vector
  // moves): zeroing in place compiles to `rep stos`, whose start-up cost
  // showed in fa.sum().
  static void make_absent(Arg* a) {
    static const Arg kAbsent{};
    std::memcpy(static_cast<void*>(a), &kAbsent, sizeof(Arg));
  }
  alignas(Arg) unsigned char args_[kArgs * sizeof(Arg)];
  alignas(Arg) unsigned char items_[kArgs * sizeof(Arg)];
  std::size_t n_items_used_ = 0;
  Arg* base_ = nullptr;
  std::size_t initialized_ = 0;
  PyObject* objects_[kArgs];
  OperandShape shapes_[kShapes];  // trivially constructible: not initialised
  std::size_t n_shapes_ = 0;
  OperandShape* last_shape_ = nullptr;
  std::int64_t ints_[kInts];
  std::size_t n_ints_ = 0;
  std::forward_list<OperandShape> more_shapes_;
  std::forward_list<std::vector<std::int64_t>> more_ints_;
  std::forward_list<std::vector<Arg>> more_args_;
};

// Reads a call of `info`'s row: positional arguments fill the slots in order
// (a "&+" or "#+" slot takes the rest), keywords their slot by name; out= and
// dtype= are read wherever they come (also for a row without such a slot, and
// for a free row a positional dtype such as array(x, np.float32)). Each
// argument NumPy will see is replaced in `stack` by what was read (converted
// operands, an __index__ resolved once). False with an exception set on error.
bool read_call(const char* name, const OpInfo& info, PyObject** stack, Py_ssize_t nargs, PyObject* kwnames,
               Operands& operands, Call& call, CallFrame& frame);

// Reads one value as the Arg a slot of `kind` gives it (for callers that
// price a single argument, such as flopscope.accounting's einsum_path_cost).
bool read_value(Slot::Kind kind, PyObject** slot, Operands& operands, CallFrame& frame, Arg* out);

}  // namespace flopscope::py
