#include "baselines/nn/moe.h"

#include <ATen/ATen.h>

namespace engram::model {

MoeGateImpl::MoeGateImpl(const MoeConfig& config, int64_t hidden) : config_(config) {
  weight = register_parameter("weight", torch::empty({config.n_routed_experts, hidden}));
  if (config.topk_method == "noaux_tc") {
    e_score_correction_bias = register_buffer("e_score_correction_bias", torch::zeros({config.n_routed_experts}));
  }
}

Routing MoeGateImpl::forward(const torch::Tensor& tokens) {
  const int64_t n = tokens.size(0), experts = config_.n_routed_experts;
  const at::Tensor logits = at::linear(tokens.to(at::kFloat), weight.to(at::kFloat));
  const at::Tensor scores = config_.scoring_func == "sigmoid" ? logits.sigmoid() : logits.softmax(-1);
  at::Tensor choice = scores;
  if (e_score_correction_bias.defined()) choice = scores + e_score_correction_bias.to(at::kFloat).unsqueeze(0);
  if (config_.topk_method != "greedy" && config_.n_group > 1) {
    const at::Tensor grouped = choice.view({n, config_.n_group, experts / config_.n_group});
    // noaux_tc ranks a group by its two best experts; group_limited_greedy by its best one.
    const at::Tensor group_scores = config_.topk_method == "noaux_tc"
                                        ? std::get<0>(grouped.topk(std::min<int64_t>(2, grouped.size(-1)), -1)).sum(-1)
                                        : std::get<0>(grouped.max(-1));
    const at::Tensor keep = std::get<1>(group_scores.topk(config_.topk_group, -1, true, false));
    const at::Tensor group_mask = at::zeros_like(group_scores).scatter_(1, keep, 1.0);
    const at::Tensor expert_mask =
        group_mask.unsqueeze(-1).expand({n, config_.n_group, experts / config_.n_group}).reshape({n, experts});
    choice = choice.masked_fill(expert_mask.logical_not(), 0.0);
  }
  Routing routing;
  routing.experts = std::get<1>(choice.topk(config_.num_experts_per_tok, -1, true, false));
  routing.weights = scores.gather(1, routing.experts);
  if (config_.norm_topk_prob) {  // transformers normalises even a single expert's weight
    routing.weights = routing.weights / (routing.weights.sum(-1, true) + 1e-20);
  }
  routing.weights = routing.weights * config_.routed_scaling_factor;
  return routing;
}

MoeImpl::MoeImpl(const MoeConfig& config, int64_t hidden) {
  gate = register_module("gate", MoeGate(config, hidden));
  experts = register_module("experts", torch::nn::ModuleList());
  for (int64_t e = 0; e < config.n_routed_experts; ++e) experts->push_back(SwiGlu(hidden, config.moe_intermediate_size));
  if (config.n_shared_experts > 0) {
    shared_experts = register_module("shared_experts", SwiGlu(hidden, config.moe_intermediate_size * config.n_shared_experts));
  }
}

torch::Tensor MoeImpl::forward(const torch::Tensor& x) {
  const at::Tensor tokens = x.reshape({-1, x.size(-1)});
  const Routing routing = gate->forward(tokens);
  const int64_t top_k = routing.experts.size(1);
  // Sort the (token, slot) assignments by expert so each expert sees one contiguous batch.
  const at::Tensor flat_experts = routing.experts.reshape(-1);
  const at::Tensor order = flat_experts.argsort(/*stable=*/true);
  const at::Tensor token_of = order.div(top_k, "floor");
  const at::Tensor counts = at::bincount(flat_experts, {}, experts->size()).cpu();
  const auto* count = counts.data_ptr<int64_t>();
  const at::Tensor sorted_weights = routing.weights.reshape(-1).index_select(0, order);
  at::Tensor out = at::zeros({tokens.size(0), tokens.size(1)}, tokens.options().dtype(at::kFloat));
  int64_t start = 0;
  for (int64_t e = 0; e < static_cast<int64_t>(experts->size()); ++e) {
    if (count[e] == 0) continue;
    const at::Tensor rows = token_of.narrow(0, start, count[e]);
    const at::Tensor y = experts[e]->as<SwiGluImpl>()->forward(tokens.index_select(0, rows));
    out.index_add_(0, rows, y.to(at::kFloat) * sorted_weights.narrow(0, start, count[e]).unsqueeze(1));
    start += count[e];
  }
  at::Tensor result = out.to(x.scalar_type());
  if (shared_experts) result = result + shared_experts->forward(tokens);
  return result.view(x.sizes());
}

}  // namespace engram::model
