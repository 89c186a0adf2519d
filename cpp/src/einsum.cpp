#include "flopscope/einsum.hpp"

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>

namespace flopscope::einsum {
namespace {

using Labels = std::vector<int>;

// Label ids: letters map to 0..51, ellipsis axes to 52 + position from the right.
constexpr int kEllipsisBase = 52;
static_assert(kMaxLabels == kEllipsisBase + 64);

int letter_id(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
  return -1;
}

// Splits one operand's term into labels, expanding '...' to `ndim - letters` axes.
// One allocation: the letters go straight into the result and the broadcast
// labels are inserted where the ellipsis stood.
Labels parse_term(std::string_view term, std::size_t ndim, bool is_output, int ellipsis_ndim) {
  Labels out;
  out.reserve(std::max(term.size(), ndim) + static_cast<std::size_t>(ellipsis_ndim));
  std::size_t ellipsis_at = std::string_view::npos;  // index in `out` where '...' stood
  for (std::size_t i = 0; i < term.size(); ++i) {
    char c = term[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (ellipsis_at != std::string_view::npos || term.substr(i, 3) != "...")
        throw std::invalid_argument("einsum: invalid ellipsis in subscripts '" + std::string(term) + "'");
      ellipsis_at = out.size();
      i += 2;
      continue;
    }
    int id = letter_id(c);
    if (id < 0)
      throw std::invalid_argument(std::string("einsum: invalid subscript character '") + c +
                                  "' (use letters a-z, A-Z and '...')");
    out.push_back(id);
  }
  const std::size_t n_letters = out.size();
  if (ellipsis_at != std::string_view::npos) {
    int n_ell = ellipsis_ndim;
    if (!is_output) {
      if (ndim < n_letters)
        throw std::invalid_argument("einsum: operand has fewer dimensions than subscripts '" +
                                    std::string(term) + "'");
      n_ell = static_cast<int>(ndim - n_letters);
    }
    // Broadcast axes, leftmost first: labels kEllipsisBase + n_ell - 1 down to kEllipsisBase.
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(ellipsis_at), static_cast<std::size_t>(n_ell), 0);
    for (int k = 0; k < n_ell; ++k) out[ellipsis_at + static_cast<std::size_t>(k)] = kEllipsisBase + n_ell - 1 - k;
  } else if (!is_output && ndim != n_letters) {
    throw std::invalid_argument("einsum: subscripts '" + std::string(term) + "' name " +
                                std::to_string(n_letters) + " axes but the operand has " +
                                std::to_string(ndim));
  }
  return out;
}

Flops extent_product(const Expression& expr, const Labels& labels) {
  Flops n = 1;
  for (int l : labels) n = checked_mul(n, expr.extents[static_cast<std::size_t>(l)]);
  return n;
}

// Operands as label sets: a step's cost and its intermediate depend only on which
// labels the joined operands span and which of those are still needed. Label
// ids are < 128 (52 letters and at most 64 broadcast axes).
struct LabelSet {
  std::uint64_t lo = 0, hi = 0;
  static LabelSet of(const Labels& labels) {
    LabelSet s;
    for (int l : labels) (l < 64 ? s.lo : s.hi) |= std::uint64_t{1} << (l & 63);
    return s;
  }
  LabelSet operator|(LabelSet o) const { return {lo | o.lo, hi | o.hi}; }
  LabelSet operator&(LabelSet o) const { return {lo & o.lo, hi & o.hi}; }
  bool operator==(const LabelSet&) const = default;
};

Flops extent_product(const Expression& expr, LabelSet s) {
  Flops n = 1;
  for (int half = 0; half < 2; ++half)
    for (std::uint64_t bits = half ? s.hi : s.lo; bits != 0; bits &= bits - 1)
      n = checked_mul(n, expr.extents[static_cast<std::size_t>(half * 64 + __builtin_ctzll(bits))]);
  return n;
}

// One step joining k operands that span the labels `all`: the intermediate keeps
// those `needed` by the other operands or the output; a label it drops is summed.
struct Step {
  LabelSet result;
  Flops result_size;
  Flops flops;
};
Step price_join(const Profile& profile, OpId op, const Expression& expr, int k, LabelSet all, LabelSet needed,
                cost::Arithmetic arithmetic = cost::Arithmetic::Real) {
  const LabelSet result = all & needed;
  const Flops result_size = extent_product(expr, result);
  const Flops flops = cost::contraction_step(profile, op, k, extent_product(expr, all), result_size,
                                             /*summed=*/!(result == all), arithmetic);
  return {result, result_size, flops};
}

void validate_path(const Path& path, std::size_t n_operands) {
  std::size_t remaining = n_operands;
  for (const auto& step : path) {
    if (step.empty()) throw std::invalid_argument("einsum: empty step in contraction path");
    for (int i : step)
      if (i < 0 || static_cast<std::size_t>(i) >= remaining)
        throw std::invalid_argument("einsum: contraction path refers to operand " + std::to_string(i) +
                                    " of " + std::to_string(remaining));
    std::vector<int> sorted = step;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      throw std::invalid_argument("einsum: contraction path names an operand twice in one step");
    remaining = remaining - step.size() + 1;
  }
  if (!path.empty() && remaining != 1)
    throw std::invalid_argument("einsum: contraction path does not reduce to a single result");
}

}  // namespace

Expression parse(std::string_view subscripts, std::span<const cost::Shape> shapes) {
  std::string_view lhs = subscripts, rhs;
  bool explicit_output = false;
  if (auto arrow = subscripts.find("->"); arrow != std::string_view::npos) {
    lhs = subscripts.substr(0, arrow);
    rhs = subscripts.substr(arrow + 2);
    explicit_output = true;
  }
  const std::size_t n_terms = static_cast<std::size_t>(std::count(lhs.begin(), lhs.end(), ',')) + 1;
  if (n_terms != shapes.size())
    throw std::invalid_argument("einsum: subscripts name " + std::to_string(n_terms) +
                                " operands but " + std::to_string(shapes.size()) + " were given");
  Expression expr;
  expr.extents.fill(1);
  expr.inputs.reserve(n_terms);
  std::bitset<kMaxLabels> known;
  int ellipsis_ndim = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < n_terms; ++i) {
    const std::size_t comma = lhs.find(',', start);
    const std::string_view term = lhs.substr(start, comma == std::string_view::npos ? lhs.npos : comma - start);
    start = comma + 1;
    Labels labels = parse_term(term, shapes[i].size(), false, 0);
    if (labels.size() != shapes[i].size())
      throw std::invalid_argument("einsum: operand " + std::to_string(i) + " has the wrong number of axes");
    for (std::size_t a = 0; a < labels.size(); ++a) {
      auto l = static_cast<std::size_t>(labels[a]);
      if (l >= expr.extents.size()) throw std::invalid_argument("einsum: too many broadcast axes");
      cost::Extent e = shapes[i][a];
      if (labels[a] >= kEllipsisBase) ellipsis_ndim = std::max(ellipsis_ndim, labels[a] - kEllipsisBase + 1);
      if (!known[l] || expr.extents[l] == 1) {
        expr.extents[l] = known[l] && e == 1 ? expr.extents[l] : e;
        known[l] = true;
      } else if (e != expr.extents[l] && e != 1) {
        throw std::invalid_argument("einsum: dimension " + std::to_string(e) + " of operand " +
                                    std::to_string(i) + " does not match " +
                                    std::to_string(expr.extents[l]) + " for the same subscript");
      }
    }
    expr.inputs.push_back(std::move(labels));
  }
  if (explicit_output) {
    expr.output = parse_term(rhs, 0, true, ellipsis_ndim);
    std::bitset<kMaxLabels> seen;
    for (int l : expr.output) {
      if (l < kEllipsisBase && !known[static_cast<std::size_t>(l)])
        throw std::invalid_argument("einsum: output subscript does not appear in the inputs");
      if (seen[static_cast<std::size_t>(l)]) throw std::invalid_argument("einsum: output subscript repeats a label");
      seen[static_cast<std::size_t>(l)] = true;
    }
  } else {
    // Implicit output: broadcast axes first, then letters that occur once, alphabetically.
    int count[kEllipsisBase] = {};
    for (const auto& t : expr.inputs)
      for (int l : t)
        if (l < kEllipsisBase) count[l]++;
    for (int k = ellipsis_ndim; k > 0; --k) expr.output.push_back(kEllipsisBase + k - 1);
    for (int l = 0; l < kEllipsisBase; ++l)
      if (count[l] == 1) expr.output.push_back(l);
  }
  return expr;
}

Expression parse(std::string_view subscripts, const std::vector<std::vector<cost::Extent>>& shapes) {
  std::vector<cost::Shape> spans(shapes.begin(), shapes.end());
  return parse(subscripts, spans);
}

Flops path_cost(const Profile& profile, OpId op, const Expression& expr, const Path& path,
                std::vector<StepCost>* steps, cost::Arithmetic arithmetic) {
  validate_path(path, expr.inputs.size());
  const LabelSet output = LabelSet::of(expr.output);
  if (path.empty()) {
    // One step over all operands (NumPy's einsum without optimize=).
    LabelSet all;
    for (const auto& t : expr.inputs) all = all | LabelSet::of(t);
    const Step r = price_join(profile, op, expr, static_cast<int>(expr.inputs.size()), all, output, arithmetic);
    if (steps) {
      std::vector<int> every(expr.inputs.size());
      for (std::size_t i = 0; i < every.size(); ++i) every[i] = static_cast<int>(i);
      steps->push_back({std::move(every), r.flops});
    }
    return r.flops;
  }
  std::vector<LabelSet> operands, next;
  operands.reserve(expr.inputs.size());
  next.reserve(expr.inputs.size());
  for (const auto& t : expr.inputs) operands.push_back(LabelSet::of(t));
  Flops total = 0;
  for (const auto& picked : path) {
    LabelSet all, needed = output;
    next.clear();
    for (std::size_t i = 0; i < operands.size(); ++i) {
      if (std::find(picked.begin(), picked.end(), static_cast<int>(i)) != picked.end()) {
        all = all | operands[i];
      } else {
        needed = needed | operands[i];
        next.push_back(operands[i]);
      }
    }
    const Step r = price_join(profile, op, expr, static_cast<int>(picked.size()), all, needed, arithmetic);
    total = checked_add(total, r.flops);
    if (steps) steps->push_back({picked, r.flops});
    next.push_back(r.result);
    std::swap(operands, next);
  }
  return total;
}

namespace {

// Greedy: at each step the pair whose result shrinks the data most (result size
// minus both operand sizes), ties broken by the cheaper step, then by position.
Path greedy_path(const Profile& profile, OpId op, const Expression& expr) {
  const LabelSet output = LabelSet::of(expr.output);
  struct Item {
    LabelSet labels;
    Flops size;  // elements it holds (repeated labels of an input count twice)
  };
  std::vector<Item> items;
  for (const auto& t : expr.inputs) items.push_back({LabelSet::of(t), extent_product(expr, t)});
  Path path;
  while (items.size() > 1) {
    std::size_t bi = 0, bj = 1;
    Flops best_delta = std::numeric_limits<Flops>::max(), best_flops = best_delta;
    Step best{};
    for (std::size_t i = 0; i < items.size(); ++i)
      for (std::size_t j = i + 1; j < items.size(); ++j) {
        LabelSet needed = output;
        if (items.size() > 2)
          for (std::size_t k = 0; k < items.size(); ++k)
            if (k != i && k != j) needed = needed | items[k].labels;
        const Step step = price_join(profile, op, expr, 2, items[i].labels | items[j].labels, needed);
        Flops delta = step.result_size - items[i].size - items[j].size;
        if (delta < best_delta || (delta == best_delta && step.flops < best_flops)) {
          best_delta = delta;
          best_flops = step.flops;
          best = step;
          bi = i;
          bj = j;
        }
      }
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(bj));
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(bi));
    items.push_back({best.result, best.result_size});
    path.push_back({static_cast<int>(bi), static_cast<int>(bj)});
  }
  return path;
}

// Optimal: dynamic programming over subsets of operands. The intermediate of a
// subset S spans its labels that the other operands or the output still need,
// whatever order built it, so the cheapest tree for S is the cheapest split of S
// into two cheapest subtrees plus the step joining them: O(3^n) exact search over
// every pairwise contraction tree.
Path optimal_path(const Profile& profile, OpId op, const Expression& expr) {
  const std::size_t n = expr.inputs.size();
  const std::uint32_t full = (std::uint32_t{1} << n) - 1;
  const LabelSet output = LabelSet::of(expr.output);
  std::vector<LabelSet> input(n);
  for (std::size_t i = 0; i < n; ++i) input[i] = LabelSet::of(expr.inputs[i]);
  // Labels of each subset's operands (as a union) and of the subset's tensor.
  std::vector<LabelSet> spans(full + 1), tensor(full + 1);
  for (std::uint32_t s = 1; s <= full; ++s) {
    const int low = __builtin_ctz(s);
    spans[s] = spans[s & (s - 1)] | input[static_cast<std::size_t>(low)];
  }
  for (std::uint32_t s = 1; s <= full; ++s) {
    const std::uint32_t rest = full & ~s;
    tensor[s] = (s & (s - 1)) == 0 ? input[static_cast<std::size_t>(__builtin_ctz(s))]
                                   : spans[s] & (spans[rest] | output);
  }
  constexpr Flops kInfinite = std::numeric_limits<Flops>::max();
  std::vector<Flops> best(full + 1, kInfinite);
  std::vector<std::uint32_t> split(full + 1, 0);
  for (std::size_t i = 0; i < n; ++i) best[std::uint32_t{1} << i] = 0;
  for (std::uint32_t s = 1; s <= full; ++s) {
    if ((s & (s - 1)) == 0) continue;
    // Joining any split of s yields tensor[s] (see above), so its size is fixed.
    Flops result_size;
    try {
      result_size = extent_product(expr, tensor[s]);
    } catch (const CostOverflowError&) {
      continue;
    }
    // Each unordered split {a, s - a} once: a holds the lowest operand of s.
    const std::uint32_t low = s & (~s + 1);
    for (std::uint32_t a = (s - 1) & s; a != 0; a = (a - 1) & s) {
      if ((a & low) == 0) continue;
      const std::uint32_t b = s & ~a;
      if (best[a] == kInfinite || best[b] == kInfinite) continue;
      try {
        const LabelSet all = tensor[a] | tensor[b];
        const Flops step = cost::contraction_step(profile, op, 2, extent_product(expr, all), result_size,
                                                  /*summed=*/!(all == tensor[s]));
        const Flops total = checked_add(checked_add(best[a], best[b]), step);
        if (total < best[s]) {
          best[s] = total;
          split[s] = a;
        }
      } catch (const CostOverflowError&) {
        // A tree through this split does not fit in 64 bits: never the cheapest.
      }
    }
  }
  // Replay the tree bottom-up as a NumPy-style path over the shrinking operand list.
  std::vector<std::uint32_t> current(n);
  for (std::size_t i = 0; i < n; ++i) current[i] = std::uint32_t{1} << i;
  Path path;
  std::function<void(std::uint32_t)> emit = [&](std::uint32_t s) {
    if ((s & (s - 1)) == 0) return;
    const std::uint32_t a = split[s], b = s & ~a;
    emit(a);
    emit(b);
    auto pos = [&](std::uint32_t m) {
      return static_cast<int>(std::find(current.begin(), current.end(), m) - current.begin());
    };
    int i = pos(a), j = pos(b);
    if (i > j) std::swap(i, j);
    current.erase(current.begin() + j);
    current.erase(current.begin() + i);
    current.push_back(s);
    path.push_back({i, j});
  };
  if (best[full] == kInfinite) throw CostOverflowError();
  emit(full);
  return path;
}

}  // namespace

Path find_path(const Profile& profile, OpId op, const Expression& expr, std::string_view strategy) {
  const std::size_t n = expr.inputs.size();
  if (n <= 2) {
    Path p;
    if (n == 2) p.push_back({0, 1});
    else if (n == 1) p.push_back({0});
    return p;
  }
  if (strategy == "optimal" && n <= kMaxOptimalOperands) return optimal_path(profile, op, expr);
  return greedy_path(profile, op, expr);
}

Path unoptimized_pricing_path(const Profile& profile, OpId op, const Expression& expr) {
  const std::size_t n = expr.inputs.size();
  if (!profile.einsum_path_summed || n < 3) return {};
  return find_path(profile, op, expr, n <= 4 ? "optimal" : "greedy");
}

Flops out_copy_cost(const Profile& profile, Flops numel_out) { return profile.einsum_out_copy ? numel_out : 0; }

}  // namespace flopscope::einsum
