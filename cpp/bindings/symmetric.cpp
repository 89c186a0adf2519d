#include "symmetric.hpp"

#include "flopscope/formulas/core.hpp"

#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string>
#include <unordered_map>
#include <vector>

#include "flopscope/ops.hpp"
#include "flopscope/profile.hpp"

namespace nb = nanobind;

namespace flopscope::py::sym {

namespace {

// What a SymmetricBase instance adds to ndarray's layout.
struct Tag {
  Id id;
  std::uint32_t generation;  // of its buffer's anchor when tagged
};
Py_ssize_t tag_offset = 0;

Tag* tag_ptr(PyObject* o) { return reinterpret_cast<Tag*>(reinterpret_cast<char*>(o) + tag_offset); }
bool has_tag_field(PyObject* o) { return base_type != nullptr && PyObject_TypeCheck(o, base_type); }

// Writes seen into tagged buffers, by the object that owns the memory (the
// end of the base chain NumPy keeps collapsed): a tag is valid while its
// anchor's count is what it was when the tag was set. Only writes into
// SymmetricTensors add entries, so the table stays small.
std::unordered_map<const void*, std::uint32_t> generations;

const void* anchor_of(PyObject* o) {
  while (PyArray_Check(o)) {
    PyObject* base = PyArray_BASE(reinterpret_cast<PyArrayObject*>(o));
    if (base == nullptr) return o;
    o = base;
  }
  return o;
}
std::uint32_t generation_of(PyObject* o) {
  auto it = generations.find(anchor_of(o));
  return it == generations.end() ? 0 : it->second;
}

cost::Shape span_of(PyArrayObject* a) {
  return {reinterpret_cast<const cost::Extent*>(PyArray_DIMS(a)), static_cast<std::size_t>(PyArray_NDIM(a))};
}

PyObject* make_tagged(PyObject* array, Id id) {
  PyTypeObject* type = tensor_type != nullptr ? tensor_type : base_type;
  PyObject* view = PyArray_View(reinterpret_cast<PyArrayObject*>(array), nullptr, type);
  if (view == nullptr) return nullptr;
  Tag* t = tag_ptr(view);
  t->id = id;
  t->generation = generation_of(view);
  return view;
}

}  // namespace

Id tag_of(PyObject* o) {
  if (!has_tag_field(o)) return 0;
  const Tag* t = tag_ptr(o);
  if (t->id == 0 || t->generation != generation_of(o)) return 0;
  try {
    if (!symmetry::fits(span_of(reinterpret_cast<PyArrayObject*>(o)), t->id)) return 0;  // reshaped in place
  } catch (const std::exception&) {
    return 0;
  }
  return t->id;
}

void void_tag(PyObject* o) {
  if (!has_tag_field(o)) return;
  ++generations[anchor_of(o)];
  tag_ptr(o)->id = 0;
}

void void_outputs(PyObject* out) {
  if (out == nullptr || out == Py_None) return;
  if (PyTuple_Check(out)) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(out); ++i) void_outputs(PyTuple_GET_ITEM(out, i));
    return;
  }
  if (Py_TYPE(out) != state().array_type) void_tag(out);
}

void void_written(OpId op, PyObject* const* args, Py_ssize_t nargs, bool in_place) {
  if (in_place && nargs > 0) void_tag(args[0]);
  const symmetry::Role r = symmetry::role(op).role;
  if (r == symmetry::Role::WritesFirst && nargs > 0) void_tag(args[0]);
  if (r == symmetry::Role::WritesSecond && nargs > 1) void_tag(args[1]);
}

PyObject* tag_result(PyObject* result, Id id) {
  if (id == 0 || result == nullptr) return result;
  if (PyTuple_CheckExact(result)) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(result); ++i) {
      PyObject* item = PyTuple_GET_ITEM(result, i);
      Py_INCREF(item);
      PyObject* tagged = tag_result(item, id);
      if (tagged == nullptr) {
        Py_DECREF(result);
        return nullptr;
      }
      if (PyTuple_SetItem(result, i, tagged) != 0) return nullptr;  // result is fresh: ours alone
    }
    return result;
  }
  if (!PyArray_Check(result) || Py_TYPE(result) != state().array_type) return result;
  auto* a = reinterpret_cast<PyArrayObject*>(result);
  if (PyArray_NDIM(a) != symmetry::ndim(id) || !symmetry::fits(span_of(a), id)) return result;
  PyObject* tagged = make_tagged(result, id);
  Py_DECREF(result);
  return tagged;
}

Id creation_group(OpId op, PyObject* result, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  using symmetry::Role;
  const symmetry::OpRole role = symmetry::role(op);
  const Role r = role.role;
  if (r != Role::Creation && r != Role::CreationFilled && r != Role::CreationOnDiagonal) return 0;
  if (result == nullptr || Py_TYPE(result) != state().array_type) return 0;
  auto* a = reinterpret_cast<PyArrayObject*>(result);
  const int nd = PyArray_NDIM(a);
  if (nd < 2) return 0;
  for (int i = 1; i < nd; ++i)
    if (PyArray_DIM(a, i) != PyArray_DIM(a, 0)) return 0;
  // full / full_like: constant only for a scalar fill (an array fill broadcasts rows).
  if (r == Role::CreationFilled) {
    PyObject* fill = argument(args, nargs, kwnames, role.position, "fill_value");
    const bool scalar = fill != nullptr && (PyFloat_Check(fill) || PyLong_Check(fill) || PyComplex_Check(fill) ||
                                            PyBool_Check(fill) || PyArray_IsScalar(fill, Generic) ||
                                            (PyArray_Check(fill) && PyArray_NDIM(reinterpret_cast<PyArrayObject*>(fill)) == 0));
    if (!scalar) return 0;
  }
  // eye(N, M, k) and diag(v, k): symmetric on the main diagonal only.
  if (r == Role::CreationOnDiagonal) {
    PyObject* k = argument(args, nargs, kwnames, role.position, "k");  // eye(N, M, k), diag(v, k)
    if (k != nullptr && k != Py_None && (!PyLong_Check(k) || PyLong_AsLong(k) != 0)) {
      PyErr_Clear();
      return 0;
    }
  }
  static std::vector<Id> full_groups;  // S_ndim by ndim
  if (full_groups.size() <= static_cast<std::size_t>(nd)) full_groups.resize(static_cast<std::size_t>(nd) + 1, 0);
  Id& g = full_groups[static_cast<std::size_t>(nd)];
  if (g == 0) {
    std::vector<symmetry::Perm> all;
    symmetry::Perm p(static_cast<std::size_t>(nd));
    for (int i = 0; i < nd; ++i) p[static_cast<std::size_t>(i)] = i;
    if (nd > 8) return 0;  // 8! elements at most
    do all.push_back(p);
    while (std::next_permutation(p.begin(), p.end()));
    g = symmetry::intern(nd, std::move(all));
  }
  return g;
}

namespace {

// The group of a view `result` of the tagged `source` (transpose, swapaxes,
// moveaxis, expand_dims, squeeze, a reshape that keeps the axes): each axis of
// the view is matched to the axis of the source it walks (same extent and
// stride, over the same memory), an axis of extent 1 is new or dropped; 0 when
// the axes cannot be matched (a reshape that merges axes, repeated strides).
Id view_group(PyObject* source, PyObject* result, Id id) {
  if (!PyArray_Check(result) || !PyArray_Check(source)) return 0;
  auto *s = reinterpret_cast<PyArrayObject*>(source), *r = reinterpret_cast<PyArrayObject*>(result);
  if (PyArray_DATA(s) != PyArray_DATA(r) || PyArray_SIZE(s) != PyArray_SIZE(r) || PyArray_SIZE(s) < 2) return 0;
  const int ns = PyArray_NDIM(s), nr = PyArray_NDIM(r);
  std::vector<int> source_of(static_cast<std::size_t>(nr), -1), selection(static_cast<std::size_t>(ns), -1);
  for (int j = 0; j < ns; ++j) selection[static_cast<std::size_t>(j)] = PyArray_DIM(s, j) == 1 ? -1 : j;
  std::vector<char> used(static_cast<std::size_t>(ns), 0);
  for (int i = 0; i < nr; ++i) {
    if (PyArray_DIM(r, i) == 1) continue;  // new (or kept) unit axis: fixed
    int match = -1;
    for (int j = 0; j < ns; ++j)
      if (!used[static_cast<std::size_t>(j)] && PyArray_DIM(s, j) == PyArray_DIM(r, i) &&
          PyArray_STRIDE(s, j) == PyArray_STRIDE(r, i)) {
        if (match >= 0) return 0;  // ambiguous
        match = j;
      }
    if (match < 0) return 0;
    used[static_cast<std::size_t>(match)] = 1;
    source_of[static_cast<std::size_t>(i)] = match;
  }
  // Unit axes of the source may only be fixed points (they are, by fits()).
  std::vector<int> src;
  for (int i = 0; i < nr; ++i) src.push_back(source_of[static_cast<std::size_t>(i)]);
  for (int j = 0; j < ns; ++j)
    if (selection[static_cast<std::size_t>(j)] >= 0 && !used[static_cast<std::size_t>(j)]) return 0;
  // Every matched axis selected alike (whole): its own extent class.
  for (int j = 0; j < ns; ++j)
    if (selection[static_cast<std::size_t>(j)] >= 0)
      selection[static_cast<std::size_t>(j)] = static_cast<int>(PyArray_DIM(s, j));
  return symmetry::select(id, src, selection);
}

}  // namespace

PyObject* after_free_op(const Profile& profile, OpId op, PyObject* result, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames) {
  if (result == nullptr) return nullptr;
  if (OpRegistry::instance().info(op).rule != CostRule::Free) return result;
  if (profile.symmetry_creation) {  // zeros_like(S) included
    if (const Id created = creation_group(op, result, args, nargs, kwnames); created != 0)
      return tag_result(result, created);
  }
  if (nargs == 0 || !is_tensor(args[0])) return result;
  const Id id = tag_of(args[0]);
  if (id == 0) return result;
  const symmetry::Role r = symmetry::role(op).role;
  if (r == symmetry::Role::Conversion && profile.symmetry_creation && is_tensor(result)) {  // upstream: asarray(S) is a plain array
      PyObject* plain = PyArray_View(reinterpret_cast<PyArrayObject*>(result), nullptr, state().array_type);
      Py_DECREF(result);
      return plain;
    }
  if (Py_TYPE(result) != state().array_type) return result;
  if (r == symmetry::Role::Copy) return tag_result(result, id);  // a copy of the tensor: the same symmetry
  return tag_result(result, view_group(args[0], result, id));
}

Id formula_result_group(const Profile& profile, OpId op, PyObject* const* args, Py_ssize_t nargs) {
  if (!profile.symmetry_orbits || symmetry::role(op).role != symmetry::Role::KeepsGroup || nargs < 1) return 0;
  return tag_of(args[0]);
}

void price_pointwise(const Profile& profile, OpId op, const OperandShape* shapes, int n, int nout, Flops* cost,
                     Id* out) {
  std::vector<symmetry::Operand> operands;
  for (int i = 0; i < n; ++i) operands.push_back({shapes[i].span(), shapes[i].symmetry});
  Flops elements = -1;
  if (symmetry::pointwise_counts(profile.symmetry_orbits, operands, &elements, out) && elements >= 0)
    *cost = cost::pointwise(profile, op, elements, nout);
}

bool reduction_counts(const char* op, const Profile& profile, const OperandShape& in, PyObject* axis,
                      PyObject* keepdims, Flops* in_count, Flops* out_count, Id* out) {
  bool flags[64];  // the reduced axes (NumPy arrays have at most 64 dimensions)
  if (!read_reduced_axes(op, in.ndim, axis, flags)) return false;
  const symmetry::ReductionCounts c = symmetry::reduction_counts(
      profile.symmetry_orbits, in.span(), in.symmetry, {flags, static_cast<std::size_t>(in.ndim)}, keepdims == Py_True);
  *in_count = c.input;
  *out_count = c.output;
  *out = c.group;
  return true;
}

namespace {

// b reads the same memory as a with its axes permuted (A.T): the permutation
// (b's axis i is a's axis perm[i]), or empty.
std::vector<int> transposed_view(PyObject* a, PyObject* b) {
  if (!PyArray_Check(a) || !PyArray_Check(b)) return {};
  auto *x = reinterpret_cast<PyArrayObject*>(a), *y = reinterpret_cast<PyArrayObject*>(b);
  const int nd = PyArray_NDIM(x);
  if (nd < 2 || PyArray_NDIM(y) != nd || PyArray_DATA(x) != PyArray_DATA(y) || PyArray_TYPE(x) != PyArray_TYPE(y))
    return {};
  std::vector<int> perm(static_cast<std::size_t>(nd), -1);
  std::vector<char> used(static_cast<std::size_t>(nd), 0);
  bool identity = true;
  for (int i = 0; i < nd; ++i) {
    for (int j = 0; j < nd; ++j) {
      if (used[static_cast<std::size_t>(j)] || PyArray_STRIDE(y, i) != PyArray_STRIDE(x, j) ||
          PyArray_DIM(y, i) != PyArray_DIM(x, j) || PyArray_STRIDE(x, j) == 0)
        continue;
      perm[static_cast<std::size_t>(i)] = j;
      used[static_cast<std::size_t>(j)] = 1;
      identity = identity && i == j;
      break;
    }
    if (perm[static_cast<std::size_t>(i)] < 0) return {};
  }
  // Strides must tell the axes apart.
  for (int i = 0; i < nd; ++i)
    for (int j = i + 1; j < nd; ++j)
      if (PyArray_STRIDE(x, i) == PyArray_STRIDE(x, j)) return {};
  if (identity) return {};
  return perm;
}

std::vector<symmetry::EinsumOperand> einsum_operands(const Profile& profile, PyObject* const* operands,
                                                     const OperandShape* shapes, int n, bool keep_tags) {
  std::vector<symmetry::EinsumOperand> ops(static_cast<std::size_t>(n));
  int classes = 0;
  for (int i = 0; i < n; ++i) {
    auto& o = ops[static_cast<std::size_t>(i)];
    o.id = keep_tags ? shapes[i].symmetry : 0;
    for (int j = 0; j < i && o.identity < 0; ++j) {
      if (!PyArray_Check(operands[i])) break;
      if (operands[j] == operands[i]) {
        auto& r = ops[static_cast<std::size_t>(j)];
        if (r.identity < 0) r.identity = classes++;
        o.identity = r.identity;
        o.base = r.base;
      } else if (profile.symmetry_transposed_views && ops[static_cast<std::size_t>(j)].base.empty()) {
        std::vector<int> perm = transposed_view(operands[j], operands[i]);
        if (perm.empty()) continue;
        auto& r = ops[static_cast<std::size_t>(j)];
        if (r.identity < 0) r.identity = classes++;
        o.identity = r.identity;
        o.base = perm;
      }
    }
  }
  return ops;
}

// The symmetric engine's answers, by everything they depend on: estimators
// repeat the same contraction every layer, and the engine's group
// enumeration costs microseconds (einsum('ij,jk->ik', A, A) 4x4: 4.1 us a
// call without it, 1.7 with). Cleared when full.
struct EngineAnswer {
  Flops cost;
  Id out;
};
std::unordered_map<std::string, EngineAnswer>& engine_cache() {  // by expression and path (price_with)
  static std::unordered_map<std::string, EngineAnswer> cache;
  return cache;
}
std::unordered_map<std::string, EngineAnswer>& einsum_call_cache() {  // by einsum call as read (price_row)
  static std::unordered_map<std::string, EngineAnswer> cache;
  return cache;
}

std::string engine_key(const Profile& profile, OpId op, const einsum::Expression& expr, const einsum::Path& path,
                       const std::vector<symmetry::EinsumOperand>& ops) {
  std::string key;
  auto put = [&](std::int64_t v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(reinterpret_cast<std::intptr_t>(&profile));  // profiles are immutable and live for the process
  put(op);
  for (const auto& labels : expr.inputs) {
    put(-1);
    for (int l : labels) {
      put(l);
      put(expr.extents[static_cast<std::size_t>(l)]);
    }
  }
  put(-2);
  for (int l : expr.output) put(l);
  put(-3);
  for (const auto& step : path) {
    put(-4);
    for (int i : step) put(i);
  }
  for (const auto& o : ops) {
    put(-5);
    put(o.id);
    put(o.identity);
    for (int b : o.base) put(b);
  }
  return key;
}

void price_with(const Profile& profile, OpId op, const einsum::Expression& expr, const einsum::Path& path,
                const std::vector<symmetry::EinsumOperand>& ops, bool complex, Flops* cost, Id* out) {
  std::string key = engine_key(profile, op, expr, path, ops);
  auto& cache = engine_cache();
  EngineAnswer answer;
  if (auto hit = cache.find(key); hit != cache.end()) {
    answer = hit->second;
  } else {
    answer.cost = symmetry::path_cost(profile, op, expr, path, ops, profile.symmetry_orbits, &answer.out);
    if (cache.size() >= 4096) cache.clear();
    cache.emplace(std::move(key), answer);
  }
  if (out != nullptr) *out = answer.out;
  if (profile.symmetry_orbits && !complex) *cost = answer.cost;
}

}  // namespace

bool contraction_needs_slow(const Profile& profile, PyObject* const* operands, int n) {
  for (int i = 1; i < n; ++i)
    for (int j = 0; j < i; ++j) {
      if (operands[i] == operands[j] && PyArray_Check(operands[i])) return true;
      if (profile.symmetry_transposed_views && !transposed_view(operands[j], operands[i]).empty()) return true;
    }
  return false;
}

void price_einsum(const Profile& profile, OpId op, const einsum::Expression& expr, const einsum::Path& path,
                  PyObject* const* operands, const OperandShape* shapes, int n, Flops* cost, Id* out) {
  bool complex = false;
  for (int i = 0; i < n; ++i) complex = complex || shapes[i].complex();
  price_with(profile, op, expr, path, einsum_operands(profile, operands, shapes, n, true), complex, cost, out);
}

void price_product(const Profile& profile, OpId op, char kind, PyObject* const* operands,
                   const OperandShape* shapes, const std::vector<int>& a_axes, const std::vector<int>& b_axes,
                   Flops* cost, Id* out) {
  const OperandShape &a = shapes[0], &b = shapes[1];
  // One untagged array times itself (A @ A, dot(A, A)): the product term A_ij A_jk maps
  // onto itself under no relabelling, so nothing is symmetric; answered without the engine.
  if ((kind == 'm' || kind == 'd') && a.symmetry == 0 && b.symmetry == 0 && operands[0] == operands[1]) return;
  auto letter = [](int i) { return static_cast<char>(i < 26 ? 'a' + i : 'A' + (i - 26)); };
  std::string sa, sb, so;
  std::vector<std::vector<cost::Extent>> dims = {std::vector<cost::Extent>(a.dims, a.dims + a.ndim),
                                                 std::vector<cost::Extent>(b.dims, b.dims + b.ndim)};
  bool keep_tags = true;
  int next = 0;
  if (a.ndim + b.ndim > 50) return;
  switch (kind) {
    case 'o':  // outer flattens both operands
      dims = {{a.numel()}, {b.numel()}};
      sa = "a", sb = "b", so = "ab";
      keep_tags = a.ndim <= 1 && b.ndim <= 1;
      break;
    case 'm':
      if (a.ndim == 0 || b.ndim == 0) return;
      if (a.ndim == 1 && b.ndim == 1) sa = "i", sb = "i", so = "";
      else if (a.ndim == 1) sa = "j", sb = "...jk", so = "...k";
      else if (b.ndim == 1) sa = "...ij", sb = "j", so = "...i";
      else sa = "...ij", sb = "...jk", so = "...ik";
      break;
    case 'd':
    case 'i': {
      if (a.ndim == 0 || b.ndim == 0) return;
      const int contracted_b = kind == 'd' && b.ndim >= 2 ? b.ndim - 2 : b.ndim - 1;
      const char c = letter(next++);
      for (int i = 0; i < a.ndim - 1; ++i) sa += letter(next++);
      so = sa;
      sa += c;
      for (int i = 0; i < b.ndim; ++i) {
        if (i == contracted_b) {
          sb += c;
        } else {
          const char l = letter(next++);
          sb += l;
          so += l;
        }
      }
      break;
    }
    case 't': {
      std::vector<char> la(static_cast<std::size_t>(a.ndim), 0), lb(static_cast<std::size_t>(b.ndim), 0);
      for (std::size_t k = 0; k < a_axes.size(); ++k) {
        const char c = letter(next++);
        la[static_cast<std::size_t>(a_axes[k])] = c;
        lb[static_cast<std::size_t>(b_axes[k])] = c;
      }
      for (int i = 0; i < a.ndim; ++i)
        if (la[static_cast<std::size_t>(i)] == 0) so += (la[static_cast<std::size_t>(i)] = letter(next++));
      for (int i = 0; i < b.ndim; ++i)
        if (lb[static_cast<std::size_t>(i)] == 0) so += (lb[static_cast<std::size_t>(i)] = letter(next++));
      sa.assign(la.begin(), la.end());
      sb.assign(lb.begin(), lb.end());
      break;
    }
    default: return;
  }
  einsum::Expression expr;
  try {
    expr = einsum::parse(sa + "," + sb + "->" + so, dims);
  } catch (const std::invalid_argument&) {
    return;  // the dense pricing already refused or will: NumPy's error
  }
  auto ops = einsum_operands(profile, operands, shapes, 2, keep_tags);
  price_with(profile, op, expr, {}, ops, a.complex() || b.complex(), cost, out);
}

namespace {
OperandShape shape_of(const Arg& a) {
  return {static_cast<int>(a.ints.size()), reinterpret_cast<const npy_intp*>(a.ints.data()),
          a.dtype >= 0 ? a.dtype : NPY_NOTYPE, a.symmetry, a.weak};
}

// What an einsum call's symmetric answer depends on: the profile, the
// subscripts, each operand's shape, dtype and tag, which operands are one
// array (and, where transposed views count, which share memory and with what
// strides), and optimize=.
std::string call_key(const Profile& profile, OpId op, const Signature& s, std::span<PyObject* const> objects) {
  std::string key;
  auto put = [&](std::int64_t v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(reinterpret_cast<std::intptr_t>(&profile));  // profiles are immutable and live for the process
  put(op);
  key.append(s[0].s);
  const std::span<const Arg> items = s[1].items;
  for (std::size_t i = 0; i < items.size(); ++i) {
    put(-1);
    put(items[i].dtype);
    put(static_cast<std::int64_t>(items[i].weak));
    put(items[i].symmetry);
    for (std::int64_t d : items[i].ints) put(d);
    std::size_t same = i;  // the first operand that is this array
    while (same > 0 && objects[same - 1] != objects[i]) --same;
    put(static_cast<std::int64_t>(objects[same] == objects[i] ? same : i));
    if (profile.symmetry_transposed_views && PyArray_Check(objects[i])) {
      auto* a = reinterpret_cast<PyArrayObject*>(objects[i]);
      std::size_t shared = i;
      for (std::size_t j = 0; j < i; ++j)
        if (PyArray_Check(objects[j]) && PyArray_DATA(reinterpret_cast<PyArrayObject*>(objects[j])) == PyArray_DATA(a)) {
          shared = j;
          break;
        }
      put(static_cast<std::int64_t>(shared));
      for (int d = 0; d < PyArray_NDIM(a); ++d) put(PyArray_STRIDE(a, d));
    }
  }
  const Arg& optimize = s[6];
  put(-2);
  put(static_cast<std::int64_t>(optimize.kind));
  put(optimize.i);
  key.append(optimize.s);
  for (const Arg& step : optimize.items) {
    put(-3);
    for (std::int64_t v : step.ints) put(v);
  }
  return key;
}
}  // namespace

bool is_contraction(OpId op) {
  namespace core = formulas::core;
  const Pricer p = OpRegistry::instance().info(op).pricer;
  return p == core::dot || p == core::inner || p == core::outer || p == core::tensordot || p == core::einsum;
}

void price_row(const Profile& profile, OpId op, const Signature& s, PyObject* const* slot_objects, std::size_t n_slots,
               std::span<PyObject* const> rest_objects, bool tagged, Priced* priced) {
  namespace core = formulas::core;
  const Pricer pricer = OpRegistry::instance().info(op).pricer;
  Id out = 0;
  if (pricer == core::einsum) {
    const int n = static_cast<int>(rest_objects.size());
    if (n == 0 || static_cast<std::size_t>(n) != s[1].items.size() ||
        !contraction_needs(profile, rest_objects.data(), n, tagged))
      return;
    // An estimator repeats the same contraction every layer: its answer is
    // remembered by what it depends on (the call as read, and which operands
    // are one array), so that a repeat skips the parse, the path and the engine.
    std::string key = call_key(profile, op, s, rest_objects);
    auto& cache = einsum_call_cache();
    const Flops copy = s[2].kind == Arg::Kind::Array ? einsum::out_copy_cost(profile, s.numel(2)) : 0;
    EngineAnswer answer;
    if (auto hit = cache.find(key); hit != cache.end()) {
      answer = hit->second;
    } else {
      std::vector<OperandShape> shapes;
      for (const Arg& a : s[1].items) shapes.push_back(shape_of(a));
      einsum::Expression expr;
      einsum::Path path;
      core::einsum_plan(profile, op, s, &expr, &path);
      answer.cost = priced->cost - copy;  // the contraction; out='s copy is added back
      answer.out = 0;
      price_einsum(profile, op, expr, path, rest_objects.data(), shapes.data(), n, &answer.cost, &answer.out);
      if (cache.size() >= 4096) cache.clear();
      cache.emplace(std::move(key), answer);
    }
    priced->cost = checked_add(answer.cost, copy);
    priced->result_symmetry = answer.out;
    return;
  }
  const char kind = pricer == core::dot ? 'd' : pricer == core::inner ? 'i' : pricer == core::outer ? 'o'
                    : pricer == core::tensordot                        ? 't'
                                                                       : 0;
  if (kind == 0 || n_slots < 2 || slot_objects[0] == nullptr || slot_objects[1] == nullptr) return;
  PyObject* given[2] = {slot_objects[0], slot_objects[1]};
  if (!contraction_needs(profile, given, 2, tagged)) return;
  const OperandShape shapes[2] = {shape_of(s[0]), shape_of(s[1])};
  std::vector<int> ax, bx;
  if (kind == 't') core::tensordot_axes(s, &ax, &bx);
  price_product(profile, op, kind, given, shapes, ax, bx, &priced->cost, &out);
  priced->result_symmetry = out;
}

PyObject* tag_row_result(const Profile& profile, OpId op, PyObject* result, Id priced_group, bool tagged,
                         PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (result == nullptr) return nullptr;
  Id group = priced_group;
  if (group == 0 && tagged && OpRegistry::instance().info(op).formula != nullptr)
    group = formula_result_group(profile, op, args, nargs);  // inv(S), as upstream
  if (group != 0) return tag_result(result, group);
  if (profile.symmetry_creation || (nargs > 0 && is_tensor(args[0])))
    return after_free_op(profile, op, result, args, nargs, kwnames);  // eye(n), transpose(S)
  return result;
}

PyObject* warn_lost(PyObject* result, const OperandShape* shapes, int n, const char* op, bool reduction) {
  if (result == nullptr || !loss_warnings || loss_warning == nullptr) return result;
  Id lost = 0;
  for (int i = 0; i < n && lost == 0; ++i) lost = shapes[i].symmetry;
  if (lost == 0) return result;
  std::string dims;
  const symmetry::Group& g = symmetry::group(lost);
  for (int a = 0; a < g.ndim; ++a)
    for (const symmetry::Perm& p : g.elements)
      if (p[static_cast<std::size_t>(a)] != a) {
        dims += (dims.empty() ? "" : ", ") + std::to_string(a);
        break;
      }
  if (dims.find(',') == std::string::npos) dims += ",";
  const std::string message = "Symmetry lost along dims (" + dims + "): " + op +
                              (reduction ? " removed all symmetric dim groups"
                                         : " \u2014 no symmetry groups shared by both operands") +
                              ". Use as_symmetric() to re-tag if you know the result is symmetric. Suppress with "
                              "flops.configure(symmetry_warnings=False).";
  if (PyErr_WarnEx(loss_warning, message.c_str(), 1) != 0) {  // UTF-8, as PyErr_WarnEx reads it
    Py_DECREF(result);
    return nullptr;
  }
  return result;
}

// ---- the C type and the _core functions ----

namespace {

int ass_subscript(PyObject* self, PyObject* key, PyObject* value) {
  if (!state().immutable) void_tag(self);  // configure(immutable=True) refuses the write instead
  return state().array_type->tp_as_mapping->mp_ass_subscript(self, key, value);
}

PyType_Slot base_slots[] = {
    {Py_mp_ass_subscript, reinterpret_cast<void*>(ass_subscript)},
    {Py_tp_doc, const_cast<char*>("flopscope array carrying a symmetry tag (flops.SymmetricTensor's base).")},
    {0, nullptr},
};

std::vector<std::vector<int>> elements_of(Id id) {
  if (id == 0) return {};
  return symmetry::group(id).elements;
}

}  // namespace

void register_module(nb::module_& m) {
  const Py_ssize_t base_size = state().array_type->tp_basicsize;
  tag_offset = (base_size + 7) / 8 * 8;
  PyType_Spec spec = {"flopscope._core.SymmetricBase", static_cast<int>(tag_offset + sizeof(Tag)), 0,
                      Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, base_slots};
  PyObject* bases = PyTuple_Pack(1, reinterpret_cast<PyObject*>(state().array_type));
  base_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpecWithBases(&spec, bases));
  Py_XDECREF(bases);
  if (base_type == nullptr) throw nb::python_error();
  base_type->tp_hash = PyObject_HashNotImplemented;
  m.attr("SymmetricBase") = nb::handle(reinterpret_cast<PyObject*>(base_type));

  m.def("_sym_register", [](nb::handle cls) {
    auto* t = reinterpret_cast<PyTypeObject*>(cls.ptr());
    if (!PyType_Check(cls.ptr()) || !PyType_IsSubtype(t, base_type) || t->tp_basicsize != base_type->tp_basicsize)
      throw nb::type_error("flopscope: the SymmetricTensor class must subclass SymmetricBase with __slots__ = ()");
    Py_INCREF(t);
    tensor_type = t;
  });
  m.def("_sym_set_warnings", [](nb::handle category, bool on) {
    if (!category.is_none()) {
      Py_XDECREF(loss_warning);
      loss_warning = category.ptr();
      Py_INCREF(loss_warning);
    }
    loss_warnings = on;
  }, nb::arg("category").none(), nb::arg("on"));
  m.def("sym_intern", [](int ndim, std::vector<std::vector<int>> elements) {
    return symmetry::intern(ndim, std::move(elements));
  }, "Interns a permutation group (its elements, each a permutation of ndim axes); 0 for the trivial group.");
  m.def("sym_elements", &elements_of, "The elements of an interned group.");
  m.def("sym_orbits", [](std::vector<cost::Extent> shape, Id id) { return symmetry::orbit_count(shape, id); },
        "Orbits (distinct elements) of a shape under an interned group (Burnside).");
  m.def("sym_fits", [](std::vector<cost::Extent> shape, Id id) { return symmetry::fits(shape, id); });
  m.def("sym_select", [](Id id, std::vector<int> source, std::vector<int> selection) {
    return symmetry::select(id, source, selection);
  });
  m.def("sym_permute", [](Id id, std::vector<int> axes) { return symmetry::permute(id, axes); });
  m.def("sym_reduce", [](Id id, std::vector<int> reduced, bool keepdims) {
    std::unique_ptr<bool[]> flags(new bool[reduced.size() + 1]);
    for (std::size_t i = 0; i < reduced.size(); ++i) flags[i] = reduced[i] != 0;
    const auto r = symmetry::reduce(id, {flags.get(), reduced.size()}, keepdims);
    return std::make_pair(r.stabilizer, r.output);
  });
  m.def("sym_tag", [](nb::handle array, Id id) -> nb::object {
    if (!PyArray_Check(array.ptr())) throw nb::type_error("sym_tag: an array is required");
    auto* a = reinterpret_cast<PyArrayObject*>(array.ptr());
    if (id != 0 && (PyArray_NDIM(a) != symmetry::ndim(id) || !symmetry::fits(span_of(a), id)))
      throw nb::value_error("sym_tag: the group does not fit the array's shape");
    PyObject* r = make_tagged(array.ptr(), id);
    if (r == nullptr) throw nb::python_error();
    return nb::steal(r);
  }, "A SymmetricTensor view of an array, tagged with an interned group.");
  m.def("sym_tag_of", [](nb::handle o) { return tag_of(o.ptr()); }, "The valid tag of an array (0: none).");
  m.def("sym_void", [](nb::handle o) { void_tag(o.ptr()); }, "Voids an array's tag (a write into its buffer).");
  m.def("sym_retag", [](nb::handle o, Id id) {
    // A fresh view of a SymmetricTensor (slicing, transpose, copy) takes the propagated group.
    if (!has_tag_field(o.ptr())) throw nb::type_error("sym_retag: a SymmetricTensor is required");
    auto* a = reinterpret_cast<PyArrayObject*>(o.ptr());
    if (id != 0 && (PyArray_NDIM(a) != symmetry::ndim(id) || !symmetry::fits(span_of(a), id))) return;
    Tag* t = tag_ptr(o.ptr());
    t->id = id;
    t->generation = generation_of(o.ptr());
  });
  m.def("sym_profile_flag", [](const std::string& name) {
    const Profile& p = current_meter().profile();
    if (name == "orbits") return p.symmetry_orbits;
    if (name == "slices") return p.symmetry_slices;
    if (name == "transposed_views") return p.symmetry_transposed_views;
    if (name == "creation") return p.symmetry_creation;
    throw nb::value_error("unknown symmetry flag");
  });
  m.def("sym_path_cost",
        [](const std::string& subscripts, std::vector<std::vector<cost::Extent>> shapes, std::vector<Id> ids,
           std::vector<int> identity, std::vector<std::vector<int>> path, const std::string& profile_name,
           bool orbits) {
          const Profile& profile = profile_by_name(profile_name);
          auto expr = einsum::parse(subscripts, shapes);
          std::vector<symmetry::EinsumOperand> ops(shapes.size());
          for (std::size_t i = 0; i < ops.size(); ++i) {
            ops[i].id = i < ids.size() ? ids[i] : 0;
            ops[i].identity = i < identity.size() ? identity[i] : -1;
          }
          static const OpId einsum_op = OpRegistry::instance().find("einsum");
          Id out = 0;
          const Flops cost = symmetry::path_cost(profile, einsum_op, expr, path, ops, orbits, &out);
          return std::make_pair(cost, out);
        },
        "The symmetric engine's price of an einsum (no weight, no dtype rate) and its output group.");
}

}  // namespace flopscope::py::sym
