#include "flopscope/pricing.hpp"

#include "flopscope/cost_model.hpp"

namespace flopscope {

Priced price(const Profile& profile, OpId op, const Signature& signature) {
  const OpInfo& info = OpRegistry::instance().info(op);
  Priced priced;
  if (info.pricer != nullptr) {
    try {
      info.pricer(profile, op, signature, &priced);
    } catch (const InvalidCall&) {
      throw;
    } catch (const SignatureError& e) {  // the pricers check what NumPy checks: certain refusals
      throw InvalidCall(e.what());
    }
  } else if (info.dims != nullptr) {  // a matmul-like contraction: priced as the matmul ufunc
    const cost::GufuncDims d = info.dims(signature);
    priced.cost = cost::matmul(profile, op, d.batch, d.m, d.k, d.n);
    if (profile.complex_contractions_exact() && (signature[0].complex() || signature[1].complex()))
      priced.complex_exact = cost::matmul(profile, op, d.batch, d.m, d.k, d.n, cost::Arithmetic::Complex);
  } else if (info.formula != nullptr) {
    priced.cost = cost::formula_call(profile, op, profile.formula(op, info.formula)(signature));
  }
  return priced;
}

int slot_index(OpId op, std::string_view name) {
  const OpInfo& info = OpRegistry::instance().info(op);
  for (std::size_t i = 0; i < info.slots.size(); ++i)
    if (info.slots[i].name == name) return static_cast<int>(i);
  return -1;
}

WriteFacts write_facts(const Profile& profile, OpId op, const Signature& signature) {
  WriteFacts facts;
  const Profile::WriteRule& rule = profile.write_rule(op);
  if (rule.factor <= 0) return facts;
  facts.billed = true;
  if (rule.counted != Profile::Written::Edges) return facts;
  const int bins = slot_index(op, "bins"), density = slot_index(op, "density"), weights = slot_index(op, "weights");
  using A = Arg::Kind;
  const Arg& b = signature[bins < 0 ? signature.size() : static_cast<std::size_t>(bins)];
  facts.estimator_bins = b.kind == A::Str;
  facts.edges_given = b.kind == A::Ints || b.kind == A::Arrays || (b.kind == A::Array && !b.ints.empty());
  if (rule.density && density >= 0 && signature[static_cast<std::size_t>(density)].kind == A::Bool &&
      signature[static_cast<std::size_t>(density)].i != 0) {
    const Arg& w = signature[weights < 0 ? signature.size() : static_cast<std::size_t>(weights)];
    facts.density_counts = w.kind == A::Array && w.dtype >= 0 ? w.dtype : 7;  // NPY_INT64 (NPY_LONG on LP64)
  }
  facts.billed = !facts.edges_given || facts.density_counts >= 0;
  return facts;
}

}  // namespace flopscope
