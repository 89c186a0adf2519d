#include "flopscope/symmetry.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>

namespace flopscope::symmetry {

namespace {

struct Registry {
  std::mutex mutex;
  std::deque<Group> groups;  // id - 1 -> group (a deque: references stay valid)
  std::map<std::pair<int, std::vector<Perm>>, Id> ids;
};
Registry& registry() {
  static Registry r;
  return r;
}

Perm identity_perm(int n) {
  Perm p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  return p;
}

// Interns a set of permutations already known to form a group (a subgroup,
// restriction or relabelling of an interned one): no closure check.
Id intern_trusted(int ndim, std::set<Perm> elements) {
  if (elements.size() <= 1) return 0;
  std::vector<Perm> sorted(elements.begin(), elements.end());  // the identity sorts first
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto key = std::make_pair(ndim, sorted);
  if (auto it = r.ids.find(key); it != r.ids.end()) return it->second;
  r.groups.push_back(Group{ndim, std::move(sorted)});
  const Id id = static_cast<Id>(r.groups.size());
  r.ids.emplace(std::move(key), id);
  return id;
}

// Fixed index tuples of one permutation of positions with these extents: the
// product over its cycles of the cycle's (smallest) extent.
unsigned __int128 fixed_tuples(std::span<const cost::Extent> extents, const Perm& g) {
  unsigned __int128 n = 1;
  std::vector<char> seen(extents.size(), 0);
  for (std::size_t i = 0; i < extents.size(); ++i) {
    if (seen[i]) continue;
    cost::Extent e = extents[i];
    for (std::size_t j = i; !seen[j]; j = static_cast<std::size_t>(g[j])) {
      seen[j] = 1;
      e = std::min(e, extents[j]);
    }
    if (e <= 0) return 0;
    n *= static_cast<unsigned __int128>(e);
    if (n > (static_cast<unsigned __int128>(1) << 100)) throw CostOverflowError();
  }
  return n;
}

}  // namespace

Id intern(int ndim, std::vector<Perm> elements) {
  if (ndim < 0) throw std::invalid_argument("symmetry: negative number of axes");
  std::set<Perm> set;
  for (Perm& p : elements) {
    if (static_cast<int>(p.size()) != ndim)
      throw std::invalid_argument("symmetry: a group element does not permute " + std::to_string(ndim) + " axes");
    Perm check = p;
    std::sort(check.begin(), check.end());
    if (check != identity_perm(ndim))
      throw std::invalid_argument("symmetry: a group element is not a permutation of the axes");
    set.insert(std::move(p));
  }
  set.insert(identity_perm(ndim));
  // Closed under composition (finite, so a group).
  for (const Perm& a : set)
    for (const Perm& b : set) {
      Perm c(static_cast<std::size_t>(ndim));
      for (int i = 0; i < ndim; ++i) c[i] = a[static_cast<std::size_t>(b[i])];
      if (!set.count(c)) throw std::invalid_argument("symmetry: the elements are not closed under composition");
    }
  return intern_trusted(ndim, std::move(set));
}

const Group& group(Id id) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (id == 0 || id > r.groups.size()) throw std::out_of_range("symmetry: unknown group id");
  return r.groups[id - 1];
}

int ndim(Id id) { return id == 0 ? 0 : group(id).ndim; }

bool fits(cost::Shape shape, Id id) {
  if (id == 0) return true;
  const Group& g = group(id);
  if (static_cast<int>(shape.size()) != g.ndim) return false;
  for (const Perm& p : g.elements)
    for (std::size_t i = 0; i < shape.size(); ++i)
      if (shape[i] != shape[static_cast<std::size_t>(p[i])]) return false;
  return true;
}

Flops orbit_count(std::span<const cost::Extent> extents, const std::vector<Perm>& elements) {
  if (elements.empty()) return cost::numel(extents);
  // Burnside's lemma: |X/G| = (1/|G|) sum_{g in G} |X^g|.
  unsigned __int128 sum = 0;
  for (const Perm& g : elements) sum += fixed_tuples(extents, g);
  const unsigned __int128 orbits = sum / elements.size();
  if (orbits > static_cast<unsigned __int128>(std::numeric_limits<Flops>::max())) throw CostOverflowError();
  return static_cast<Flops>(orbits);
}

Flops orbit_count(cost::Shape shape, Id id) {
  if (id == 0) return cost::numel(shape);
  const Group& g = group(id);
  if (static_cast<int>(shape.size()) != g.ndim) return cost::numel(shape);
  return orbit_count(shape, g.elements);
}

Id pointwise(std::span<const Operand> operands, cost::Shape out) {
  const int nd = static_cast<int>(out.size());
  // Per output axis, per operand: does the operand vary along it (has the axis, not stretched)?
  std::vector<std::vector<char>> varies(operands.size(), std::vector<char>(static_cast<std::size_t>(nd), 0));
  std::set<Perm> candidates;
  bool have = false;
  for (std::size_t k = 0; k < operands.size(); ++k) {
    const Operand& o = operands[k];
    const int ond = static_cast<int>(o.shape.size());
    const int shift = nd - ond;
    if (shift < 0) return 0;
    for (int a = 0; a < ond; ++a) varies[k][static_cast<std::size_t>(a + shift)] = o.shape[a] == out[a + shift];
    if (o.id == 0) continue;
    const Group& g = group(o.id);
    if (g.ndim != ond) return 0;
    std::set<Perm> lifted;
    for (const Perm& p : g.elements) {
      bool ok = true;
      for (int a = 0; a < ond && ok; ++a)
        if (p[a] != a && !(varies[k][static_cast<std::size_t>(a + shift)] &&
                           varies[k][static_cast<std::size_t>(p[a] + shift)]))
          ok = false;  // moves an axis the operand is stretched along
      if (!ok) continue;
      Perm q = identity_perm(nd);
      for (int a = 0; a < ond; ++a) q[static_cast<std::size_t>(a + shift)] = p[a] + shift;
      lifted.insert(std::move(q));
    }
    if (!have) {
      candidates = std::move(lifted);
      have = true;
    } else {
      std::set<Perm> both;
      std::set_intersection(candidates.begin(), candidates.end(), lifted.begin(), lifted.end(),
                            std::inserter(both, both.begin()));
      candidates = std::move(both);
    }
  }
  if (!have) return 0;
  // Untagged operands: their values differ along every axis they vary along.
  std::set<Perm> kept;
  for (const Perm& p : candidates) {
    bool ok = true;
    for (std::size_t k = 0; k < operands.size() && ok; ++k) {
      if (operands[k].id != 0) continue;
      for (int a = 0; a < nd && ok; ++a)
        if (varies[k][static_cast<std::size_t>(a)] && p[static_cast<std::size_t>(a)] != a) ok = false;
    }
    if (ok) kept.insert(p);
  }
  return intern_trusted(nd, std::move(kept));
}

Reduction reduce(Id id, std::span<const bool> reduced, bool keepdims) {
  if (id == 0) return {};
  const Group& g = group(id);
  if (static_cast<int>(reduced.size()) != g.ndim) return {};
  const int nd = g.ndim;
  std::set<Perm> stabilizer;
  for (const Perm& p : g.elements) {
    bool ok = true;
    for (int a = 0; a < nd && ok; ++a)
      if (reduced[static_cast<std::size_t>(a)] != reduced[static_cast<std::size_t>(p[a])]) ok = false;
    if (ok) stabilizer.insert(p);
  }
  std::vector<int> position(static_cast<std::size_t>(nd), -1);  // kept axis -> its output axis
  int n_out = 0;
  for (int a = 0; a < nd; ++a)
    if (keepdims || !reduced[static_cast<std::size_t>(a)]) position[static_cast<std::size_t>(a)] = n_out++;
  std::set<Perm> restricted;
  for (const Perm& p : stabilizer) {
    Perm q = identity_perm(n_out);
    for (int a = 0; a < nd; ++a)
      if (!reduced[static_cast<std::size_t>(a)]) q[static_cast<std::size_t>(position[a])] = position[p[a]];
    restricted.insert(std::move(q));
  }
  const Id stab = intern_trusted(nd, std::move(stabilizer));
  return {stab, intern_trusted(n_out, std::move(restricted))};
}

Id select(Id id, std::span<const int> source, std::span<const int> selection) {
  if (id == 0) return 0;
  const Group& g = group(id);
  if (static_cast<int>(selection.size()) != g.ndim) return 0;
  const int n_out = static_cast<int>(source.size());
  std::vector<int> position(selection.size(), -1);
  for (int i = 0; i < n_out; ++i)
    if (source[i] >= 0) {
      if (source[i] >= g.ndim || selection[static_cast<std::size_t>(source[i])] < 0) return 0;
      position[static_cast<std::size_t>(source[i])] = i;
    }
  std::set<Perm> kept;
  for (const Perm& p : g.elements) {
    bool ok = true;
    for (int a = 0; a < g.ndim && ok; ++a) {
      const int sa = selection[static_cast<std::size_t>(a)];
      if (sa < 0)
        ok = p[a] == a;  // an axis indexed away is fixed
      else
        ok = selection[static_cast<std::size_t>(p[a])] == sa && position[static_cast<std::size_t>(a)] >= 0;
    }
    if (!ok) continue;
    Perm q = identity_perm(n_out);
    for (int a = 0; a < g.ndim; ++a)
      if (position[static_cast<std::size_t>(a)] >= 0)
        q[static_cast<std::size_t>(position[a])] = position[static_cast<std::size_t>(p[a])];
    kept.insert(std::move(q));
  }
  return intern_trusted(n_out, std::move(kept));
}

Id permute(Id id, std::span<const int> axes) {
  if (id == 0) return 0;
  const Group& g = group(id);
  if (static_cast<int>(axes.size()) != g.ndim) return 0;
  std::vector<int> position(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= g.ndim) return 0;
    position[static_cast<std::size_t>(axes[i])] = static_cast<int>(i);
  }
  std::set<Perm> moved;
  for (const Perm& p : g.elements) {
    Perm q(axes.size());
    for (std::size_t i = 0; i < axes.size(); ++i) q[i] = position[static_cast<std::size_t>(p[axes[i]])];
    moved.insert(std::move(q));
  }
  return intern_trusted(g.ndim, std::move(moved));
}

// ---- contractions ----

namespace {

using Labels = std::vector<int>;

// The label permutations (label id -> label id, over `all`, the labels of the
// subgraph `members`) that map the subgraph's product onto itself operand for
// operand: each member p onto a member sigma(p) of its identity class, its
// axes read through the declared group of sigma(p). Every such map, as a
// permutation of positions in `all`. Only the identity when the enumeration
// would pass kMaxEnumeration.
std::vector<Perm> subgraph_automorphisms(const einsum::Expression& expr, std::span<const EinsumOperand> ops,
                                         const std::vector<int>& members, const Labels& all) {
  std::vector<Perm> out;
  const int n_all = static_cast<int>(all.size());
  out.push_back(identity_perm(n_all));
  std::vector<int> local(einsum::kMaxLabels, -1);
  for (int i = 0; i < n_all; ++i) local[static_cast<std::size_t>(all[i])] = i;
  // Identity classes among the members.
  std::map<int, std::vector<int>> classes;
  bool any = false;
  for (int p : members) {
    const EinsumOperand& o = ops[static_cast<std::size_t>(p)];
    if (o.identity >= 0) classes[o.identity].push_back(p);
    if (o.id != 0) any = true;
  }
  for (auto& [c, m] : classes)
    if (m.size() > 1) any = true;
  if (!any) return out;
  // Bound the enumeration: sigma choices x declared-group choices.
  double combos = 1;
  for (auto& [c, m] : classes)
    for (std::size_t k = 2; k <= m.size(); ++k) combos *= static_cast<double>(k);
  for (int p : members) {
    const EinsumOperand& o = ops[static_cast<std::size_t>(p)];
    if (o.id != 0) combos *= static_cast<double>(group(o.id).elements.size());
  }
  if (combos > static_cast<double>(kMaxEnumeration)) return out;

  std::vector<std::vector<int>> class_members;
  for (auto& [c, m] : classes) class_members.push_back(m);
  std::vector<std::vector<int>> class_images = class_members;  // current permutation of each class
  for (auto& m : class_images) std::sort(m.begin(), m.end());
  std::set<Perm> found;
  found.insert(identity_perm(n_all));
  auto axis_of = [&](int q, int base_axis) {  // q's axis that reads base axis `base_axis`
    const auto& b = ops[static_cast<std::size_t>(q)].base;
    if (b.empty()) return base_axis;
    for (std::size_t a = 0; a < b.size(); ++a)
      if (b[a] == base_axis) return static_cast<int>(a);
    return -1;
  };
  auto base_of = [&](int p, int axis) {
    const auto& b = ops[static_cast<std::size_t>(p)].base;
    return b.empty() ? axis : b[static_cast<std::size_t>(axis)];
  };
  while (true) {
    // sigma: member -> image.
    std::map<int, int> sigma;
    for (int p : members) sigma[p] = p;
    for (std::size_t c = 0; c < class_members.size(); ++c)
      for (std::size_t i = 0; i < class_members[c].size(); ++i) sigma[class_members[c][i]] = class_images[c][i];
    // Declared-group choices for each member's image (odometer).
    std::vector<const std::vector<Perm>*> choices;
    for (int p : members) {
      const EinsumOperand& o = ops[static_cast<std::size_t>(sigma[p])];
      choices.push_back(o.id != 0 && o.base.empty() ? &group(o.id).elements : nullptr);
    }
    std::vector<std::size_t> pick(members.size(), 0);
    while (true) {
      Perm pi(static_cast<std::size_t>(n_all), -1);
      bool ok = true;
      for (std::size_t m = 0; m < members.size() && ok; ++m) {
        const int p = members[m], q = sigma[p];
        const Labels& lp = expr.inputs[static_cast<std::size_t>(p)];
        const Labels& lq = expr.inputs[static_cast<std::size_t>(q)];
        if (lp.size() != lq.size()) {
          ok = false;
          break;
        }
        for (std::size_t a = 0; a < lp.size() && ok; ++a) {
          int qa = axis_of(q, base_of(p, static_cast<int>(a)));
          if (qa < 0) {
            ok = false;
            break;
          }
          if (choices[m] != nullptr) qa = (*choices[m])[pick[m]][static_cast<std::size_t>(qa)];
          const int from = local[static_cast<std::size_t>(lp[a])];
          const int to = local[static_cast<std::size_t>(lq[static_cast<std::size_t>(qa)])];
          if (from < 0 || to < 0 || (pi[static_cast<std::size_t>(from)] >= 0 && pi[static_cast<std::size_t>(from)] != to))
            ok = false;
          else
            pi[static_cast<std::size_t>(from)] = to;
        }
      }
      if (ok) {
        std::vector<char> hit(static_cast<std::size_t>(n_all), 0);
        for (int i = 0; i < n_all && ok; ++i) {
          if (pi[static_cast<std::size_t>(i)] < 0 || hit[static_cast<std::size_t>(pi[i])]) ok = false;
          else hit[static_cast<std::size_t>(pi[i])] = 1;
        }
        // A label maps only to one of the same extent.
        for (int i = 0; i < n_all && ok; ++i)
          if (expr.extents[static_cast<std::size_t>(all[i])] != expr.extents[static_cast<std::size_t>(all[pi[i]])]) ok = false;
        if (ok) found.insert(pi);
      }
      std::size_t m = 0;
      for (; m < members.size(); ++m) {
        if (choices[m] != nullptr && ++pick[m] < choices[m]->size()) break;
        pick[m] = 0;
      }
      if (m == members.size()) break;
    }
    std::size_t c = 0;
    for (; c < class_images.size(); ++c)
      if (std::next_permutation(class_images[c].begin(), class_images[c].end())) break;
    if (c == class_images.size()) break;
  }
  return {found.begin(), found.end()};
}

// The elements of `perms` (over positions of `all`) that map the positions in
// `subset` (flags) onto themselves, restricted to the positions of `onto` (a
// list of positions of `all`), as permutations of positions in `onto`.
std::vector<Perm> restrict_to(const std::vector<Perm>& perms, const std::vector<int>& onto,
                              const std::vector<char>& keep_set) {
  std::set<Perm> out;
  std::vector<int> position(keep_set.size(), -1);
  for (std::size_t i = 0; i < onto.size(); ++i) position[static_cast<std::size_t>(onto[i])] = static_cast<int>(i);
  for (const Perm& p : perms) {
    bool ok = true;
    for (std::size_t i = 0; i < p.size() && ok; ++i)
      if (keep_set[i] != keep_set[static_cast<std::size_t>(p[i])]) ok = false;
    if (!ok) continue;
    Perm q(onto.size());
    for (std::size_t i = 0; i < onto.size(); ++i) q[i] = position[static_cast<std::size_t>(p[onto[i]])];
    out.insert(std::move(q));
  }
  return {out.begin(), out.end()};
}

struct StepPrice {
  Flops flops;
  std::vector<Perm> output_group;  // over the step's result labels (in `result` order)
  Labels result;
};

StepPrice price_step(const Profile& profile, OpId op, const einsum::Expression& expr,
                     std::span<const EinsumOperand> ops, const std::vector<int>& members, const Labels& step_labels,
                     const Labels& result, int k, bool orbits, cost::Arithmetic arithmetic) {
  Labels all;  // every label of the subgraph
  for (int p : members)
    for (int l : expr.inputs[static_cast<std::size_t>(p)])
      if (std::find(all.begin(), all.end(), l) == all.end()) all.push_back(l);
  std::sort(all.begin(), all.end());
  const std::vector<Perm> autos = subgraph_automorphisms(expr, ops, members, all);
  auto positions_of = [&](const Labels& ls) {
    std::vector<int> pos;
    for (int l : ls) pos.push_back(static_cast<int>(std::find(all.begin(), all.end(), l) - all.begin()));
    return pos;
  };
  auto flags_of = [&](const Labels& ls) {
    std::vector<char> f(all.size(), 0);
    for (int l : ls) f[static_cast<std::size_t>(std::find(all.begin(), all.end(), l) - all.begin())] = 1;
    return f;
  };
  const std::vector<int> result_pos = positions_of(result), step_pos = positions_of(step_labels);
  const std::vector<char> result_flags = flags_of(result), step_flags = flags_of(step_labels);
  // G2: the maps that keep the result labels, acting on them.
  StepPrice r;
  r.result = result;
  r.output_group = restrict_to(autos, result_pos, result_flags);
  if (!orbits) return r;
  std::vector<cost::Extent> result_ext, step_ext;
  for (int l : result) result_ext.push_back(expr.extents[static_cast<std::size_t>(l)]);
  for (int l : step_labels) step_ext.push_back(expr.extents[static_cast<std::size_t>(l)]);
  const Flops out_orbits = orbit_count(result_ext, r.output_group);
  Flops summed_extent = 1;
  for (int l : step_labels)
    if (std::find(result.begin(), result.end(), l) == result.end())
      summed_extent = checked_mul(summed_extent, expr.extents[static_cast<std::size_t>(l)]);
  Flops m = checked_mul(summed_extent, out_orbits);
  // G1: the maps that keep the step's labels and its result labels, acting on the step's labels.
  std::vector<Perm> on_step;
  for (const Perm& p : autos) {
    bool ok = true;
    for (std::size_t i = 0; i < p.size() && ok; ++i)
      if (result_flags[i] != result_flags[static_cast<std::size_t>(p[i])]) ok = false;
    if (ok) on_step.push_back(p);
  }
  m = std::min(m, orbit_count(step_ext, restrict_to(on_step, step_pos, step_flags)));
  const bool summed = result.size() != step_labels.size();
  r.flops = cost::contraction_step(profile, op, k, m, out_orbits, summed, arithmetic);
  return r;
}

}  // namespace

Flops path_cost(const Profile& profile, OpId op, const einsum::Expression& expr, const einsum::Path& path,
                std::span<const EinsumOperand> operands, bool orbits, Id* output, cost::Arithmetic arithmetic) {
  const std::size_t n = expr.inputs.size();
  if (output != nullptr) *output = 0;
  Flops dense = 0;
  if (!orbits) dense = einsum::path_cost(profile, op, expr, path, nullptr, arithmetic);
  if (operands.size() != n) return orbits ? einsum::path_cost(profile, op, expr, path, nullptr, arithmetic) : dense;
  struct Current {
    std::vector<int> members;
    Labels labels;
  };
  std::vector<Current> current;
  for (std::size_t i = 0; i < n; ++i) {
    Labels ls;
    for (int l : expr.inputs[i])
      if (std::find(ls.begin(), ls.end(), l) == ls.end()) ls.push_back(l);
    current.push_back({{static_cast<int>(i)}, ls});
  }
  einsum::Path steps = path;
  if (steps.empty()) {
    std::vector<int> every(n);
    std::iota(every.begin(), every.end(), 0);
    steps.push_back(every);
  }
  Flops total = 0;
  StepPrice last{};
  for (const auto& picked : steps) {
    Current joined;
    Labels needed = expr.output;
    std::vector<Current> next;
    for (std::size_t i = 0; i < current.size(); ++i) {
      if (std::find(picked.begin(), picked.end(), static_cast<int>(i)) != picked.end()) {
        joined.members.insert(joined.members.end(), current[i].members.begin(), current[i].members.end());
        for (int l : current[i].labels)
          if (std::find(joined.labels.begin(), joined.labels.end(), l) == joined.labels.end())
            joined.labels.push_back(l);
      } else {
        needed.insert(needed.end(), current[i].labels.begin(), current[i].labels.end());
        next.push_back(current[i]);
      }
    }
    Labels result;
    // The last step's result is the output, in its order; others keep needed labels.
    if (next.empty()) {
      result = expr.output;
    } else {
      for (int l : joined.labels)
        if (std::find(needed.begin(), needed.end(), l) != needed.end()) result.push_back(l);
    }
    std::sort(joined.members.begin(), joined.members.end());
    last = price_step(profile, op, expr, operands, joined.members, joined.labels, result,
                      static_cast<int>(picked.size()), orbits, arithmetic);
    if (orbits) total = checked_add(total, last.flops);
    joined.labels = result;
    next.push_back(std::move(joined));
    current = std::move(next);
  }
  if (output != nullptr && !expr.output.empty()) {
    std::set<Perm> elements(last.output_group.begin(), last.output_group.end());
    *output = intern_trusted(static_cast<int>(expr.output.size()), std::move(elements));
  }
  return orbits ? total : dense;
}

// ---- the symmetric-tensor functions ----

Flops validation(Flops n, Flops k, bool upstream) {
  if (upstream) return std::max<Flops>(k > 0 && n > 0 ? checked_mul(k, checked_add(checked_mul(7, n), -1)) : 0, 1);
  return k <= 0 || n <= 0 ? 0 : checked_mul(k, n);
}

Flops reynolds(Flops n, Flops order, bool upstream) {
  if (n <= 0) return upstream ? 1 : 0;
  return checked_mul(upstream ? checked_add(order, 1) : order, n);
}

Flops canonical_copy(Flops n, bool upstream) { return upstream ? std::max<Flops>(n, 1) : 0; }

ReductionCounts reduction_counts(bool orbits, cost::Shape shape, Id id, std::span<const bool> reduced, bool keepdims) {
  std::vector<cost::Extent> kept;
  for (std::size_t a = 0; a < shape.size(); ++a)
    if (!reduced[a]) kept.push_back(shape[a]);
    else if (keepdims) kept.push_back(1);
  const Reduction r = reduce(id, reduced, keepdims);
  ReductionCounts counts;
  counts.group = r.output;
  counts.input = orbits ? orbit_count(shape, r.stabilizer) : cost::numel(shape);
  counts.scanned = orbits ? orbit_count(shape, id) : cost::numel(shape);
  counts.output = orbits ? orbit_count(kept, r.output) : cost::numel(kept);
  return counts;
}

bool pointwise_counts(bool orbits, std::span<const Operand> operands, Flops* elements, Id* group) {
  std::vector<cost::Shape> shapes;
  for (const Operand& o : operands) shapes.push_back(o.shape);
  std::vector<cost::Extent> out;
  if (!cost::broadcast_shapes(shapes, &out)) return false;
  *group = pointwise(operands, out);
  if (orbits && *group != 0) *elements = orbit_count(out, *group);
  return true;
}

namespace {
struct RoleRow {
  const char* op;
  Role role;
  int position = -1;
};
constexpr RoleRow kRoles[] = {
#include "op_table/symmetry_roles.inc"
};
}  // namespace

OpRole role(OpId op) {
  // Resolved once per op id (ids are dense).
  static std::vector<OpRole> by_op;
  static std::vector<bool> resolved;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (op < 0) return {};
  const auto i = static_cast<std::size_t>(op);
  if (i >= by_op.size()) {
    by_op.resize(i + 256);
    resolved.resize(i + 256, false);
  }
  if (!resolved[i]) {
    const std::string& name = OpRegistry::instance().info(op).name;
    for (const RoleRow& row : kRoles)
      if (name == row.op) by_op[i] = {row.role, row.position};
    resolved[i] = true;
  }
  return by_op[i];
}

}  // namespace flopscope::symmetry
