#include "flopscope/einsum.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>

namespace flopscope::einsum {
namespace {

using Labels = std::vector<int>;

// Label ids: letters map to 0..51, ellipsis axes to 52 + position from the right.
constexpr int kEllipsisBase = 52;

int letter_id(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
  return -1;
}

// Splits one operand's term into labels, expanding '...' to `ndim - letters` axes.
Labels parse_term(std::string_view term, std::size_t ndim, bool is_output, int ellipsis_ndim) {
  Labels letters_before, letters_after;
  bool seen_ellipsis = false;
  for (std::size_t i = 0; i < term.size(); ++i) {
    char c = term[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (seen_ellipsis || term.substr(i, 3) != "...")
        throw std::invalid_argument("einsum: invalid ellipsis in subscripts '" + std::string(term) + "'");
      seen_ellipsis = true;
      i += 2;
      continue;
    }
    int id = letter_id(c);
    if (id < 0)
      throw std::invalid_argument(std::string("einsum: invalid subscript character '") + c +
                                  "' (use letters a-z, A-Z and '...')");
    (seen_ellipsis ? letters_after : letters_before).push_back(id);
  }
  std::size_t n_letters = letters_before.size() + letters_after.size();
  int n_ell = 0;
  if (seen_ellipsis) {
    if (is_output) {
      n_ell = ellipsis_ndim;
    } else {
      if (ndim < n_letters)
        throw std::invalid_argument("einsum: operand has fewer dimensions than subscripts '" +
                                    std::string(term) + "'");
      n_ell = static_cast<int>(ndim - n_letters);
    }
  } else if (!is_output && ndim != n_letters) {
    throw std::invalid_argument("einsum: subscripts '" + std::string(term) + "' name " +
                                std::to_string(n_letters) + " axes but the operand has " +
                                std::to_string(ndim));
  }
  Labels out = letters_before;
  for (int k = n_ell; k > 0; --k) out.push_back(kEllipsisBase + k - 1);
  out.insert(out.end(), letters_after.begin(), letters_after.end());
  return out;
}

Flops extent_product(const Expression& expr, const Labels& labels) {
  Flops n = 1;
  for (int l : labels) n = checked_mul(n, expr.extents[static_cast<std::size_t>(l)]);
  return n;
}

Labels union_labels(const std::vector<const Labels*>& terms) {
  Labels all;
  for (const Labels* t : terms)
    for (int l : *t)
      if (std::find(all.begin(), all.end(), l) == all.end()) all.push_back(l);
  return all;
}

// Labels an intermediate keeps: those still needed by other operands or the output.
Labels kept_labels(const Labels& step_labels, const std::vector<Labels>& others, const Labels& output) {
  Labels kept;
  for (int l : step_labels) {
    bool needed = std::find(output.begin(), output.end(), l) != output.end();
    for (const auto& o : others)
      if (!needed && std::find(o.begin(), o.end(), l) != o.end()) needed = true;
    if (needed) kept.push_back(l);
  }
  return kept;
}

struct StepResult {
  Labels result;
  Flops flops;
};

StepResult price_step(const Profile& profile, OpId op, const Expression& expr,
                      const std::vector<Labels>& operands, const std::vector<int>& picked,
                      bool is_last) {
  std::vector<const Labels*> terms;
  std::vector<Labels> others;
  for (std::size_t i = 0; i < operands.size(); ++i) {
    if (std::find(picked.begin(), picked.end(), static_cast<int>(i)) != picked.end())
      terms.push_back(&operands[i]);
    else
      others.push_back(operands[i]);
  }
  Labels all = union_labels(terms);
  Labels result = is_last ? expr.output : kept_labels(all, others, expr.output);
  // A label is summed when the step's result drops it.
  bool summed = false;
  for (int l : all)
    if (std::find(result.begin(), result.end(), l) == result.end()) summed = true;
  // A single operand with a repeated label (a diagonal) also reads fewer cells than it spans.
  Flops flops = cost::contraction_step(profile, op, static_cast<int>(terms.size()),
                                       extent_product(expr, all), extent_product(expr, result), summed);
  return {result, flops};
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

Expression parse(std::string_view subscripts, const std::vector<std::vector<cost::Extent>>& shapes) {
  std::string_view lhs = subscripts, rhs;
  bool explicit_output = false;
  if (auto arrow = subscripts.find("->"); arrow != std::string_view::npos) {
    lhs = subscripts.substr(0, arrow);
    rhs = subscripts.substr(arrow + 2);
    explicit_output = true;
  }
  std::vector<std::string_view> terms;
  for (std::size_t start = 0;;) {
    std::size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string_view::npos ? lhs.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (terms.size() != shapes.size())
    throw std::invalid_argument("einsum: subscripts name " + std::to_string(terms.size()) +
                                " operands but " + std::to_string(shapes.size()) + " were given");
  Expression expr;
  expr.extents.assign(kEllipsisBase + 64, 1);
  std::vector<bool> known(expr.extents.size(), false);
  int ellipsis_ndim = 0;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    Labels labels = parse_term(terms[i], shapes[i].size(), false, 0);
    if (labels.size() > shapes[i].size() + 0 && labels.size() != shapes[i].size())
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
    for (int l : expr.output) {
      if (l < kEllipsisBase && !known[static_cast<std::size_t>(l)])
        throw std::invalid_argument("einsum: output subscript does not appear in the inputs");
    }
    Labels sorted = expr.output;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      throw std::invalid_argument("einsum: output subscript repeats a label");
  } else {
    // Implicit output: broadcast axes first, then letters that occur once, alphabetically.
    std::map<int, int> count;
    for (const auto& t : expr.inputs)
      for (int l : t) count[l]++;
    for (int k = ellipsis_ndim; k > 0; --k) expr.output.push_back(kEllipsisBase + k - 1);
    for (auto [l, n] : count)
      if (l < kEllipsisBase && n == 1) expr.output.push_back(l);
  }
  return expr;
}

Flops path_cost(const Profile& profile, OpId op, const Expression& expr, const Path& path,
                std::vector<StepCost>* steps) {
  validate_path(path, expr.inputs.size());
  std::vector<Labels> operands = expr.inputs;
  Path effective = path;
  if (effective.empty()) {
    std::vector<int> all(operands.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    effective.push_back(all);
  }
  Flops total = 0;
  for (std::size_t s = 0; s < effective.size(); ++s) {
    const auto& picked = effective[s];
    StepResult r = price_step(profile, op, expr, operands, picked, s + 1 == effective.size());
    total = checked_add(total, r.flops);
    if (steps) steps->push_back({picked, r.flops});
    std::vector<Labels> next;
    for (std::size_t i = 0; i < operands.size(); ++i)
      if (std::find(picked.begin(), picked.end(), static_cast<int>(i)) == picked.end())
        next.push_back(operands[i]);
    next.push_back(r.result);
    operands = std::move(next);
  }
  return total;
}

Path find_path(const Profile& profile, OpId op, const Expression& expr, std::string_view strategy) {
  const std::size_t n = expr.inputs.size();
  if (n <= 2) {
    Path p;
    if (n == 2) p.push_back({0, 1});
    else if (n == 1) p.push_back({0});
    return p;
  }
  if (strategy == "optimal" && n <= 8) {
    // Exhaustive search over the order of pairwise contractions.
    Flops best = std::numeric_limits<Flops>::max();
    Path best_path, current;
    std::function<void(std::vector<Labels>&, Flops)> search = [&](std::vector<Labels>& ops, Flops so_far) {
      if (so_far >= best) return;
      if (ops.size() == 1) {
        best = so_far;
        best_path = current;
        return;
      }
      for (std::size_t i = 0; i < ops.size(); ++i)
        for (std::size_t j = i + 1; j < ops.size(); ++j) {
          std::vector<int> picked{static_cast<int>(i), static_cast<int>(j)};
          StepResult r = price_step(profile, op, expr, ops, picked, ops.size() == 2);
          std::vector<Labels> next;
          for (std::size_t k = 0; k < ops.size(); ++k)
            if (k != i && k != j) next.push_back(ops[k]);
          next.push_back(r.result);
          current.push_back(picked);
          search(next, checked_add(so_far, r.flops));
          current.pop_back();
        }
    };
    std::vector<Labels> ops = expr.inputs;
    search(ops, 0);
    return best_path;
  }
  // Greedy: the pair whose result shrinks the data most, ties broken by step cost.
  std::vector<Labels> ops = expr.inputs;
  Path path;
  while (ops.size() > 1) {
    std::size_t bi = 0, bj = 1;
    Flops best_delta = std::numeric_limits<Flops>::max(), best_flops = best_delta;
    for (std::size_t i = 0; i < ops.size(); ++i)
      for (std::size_t j = i + 1; j < ops.size(); ++j) {
        std::vector<int> picked{static_cast<int>(i), static_cast<int>(j)};
        StepResult r = price_step(profile, op, expr, ops, picked, ops.size() == 2);
        Flops delta = extent_product(expr, r.result) - extent_product(expr, ops[i]) -
                      extent_product(expr, ops[j]);
        if (delta < best_delta || (delta == best_delta && r.flops < best_flops)) {
          best_delta = delta;
          best_flops = r.flops;
          bi = i;
          bj = j;
        }
      }
    std::vector<int> picked{static_cast<int>(bi), static_cast<int>(bj)};
    StepResult r = price_step(profile, op, expr, ops, picked, ops.size() == 2);
    std::vector<Labels> next;
    for (std::size_t k = 0; k < ops.size(); ++k)
      if (k != bi && k != bj) next.push_back(ops[k]);
    next.push_back(r.result);
    ops = std::move(next);
    path.push_back(picked);
  }
  return path;
}

}  // namespace flopscope::einsum
