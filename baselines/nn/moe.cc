#include "baselines/nn/moe.h"

#include <ATen/ATen.h>

#include <stdexcept>

#include "engram/rank_exchange.h"

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

MoeImpl::MoeImpl(const MoeConfig& config, int64_t hidden) : routed_experts_(config.n_routed_experts) {
  gate = register_module("gate", MoeGate(config, hidden));
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> routed;
  for (int64_t e = 0; e < config.n_routed_experts; ++e) {
    routed.emplace_back(std::to_string(e), SwiGlu(hidden, config.moe_intermediate_size).ptr());
  }
  experts = register_module("experts", torch::nn::ModuleDict(routed));
  local_experts_ = config.n_routed_experts;
  if (config.n_shared_experts > 0) {
    shared_experts = register_module("shared_experts", SwiGlu(hidden, config.moe_intermediate_size * config.n_shared_experts));
  }
}

SwiGluImpl& MoeImpl::expert(int64_t index) { return *experts[std::to_string(index)]->as<SwiGluImpl>(); }

void MoeImpl::shard_experts(std::shared_ptr<RankExchange> exchange, const std::string& label) {
  if (!exchange) throw std::invalid_argument(label + ": expert parallelism needs a rank exchange");
  if (sharded()) throw std::logic_error(label + ": the experts are already sharded");
  const int world = exchange->world_size();
  if (routed_experts_ % world != 0) {
    throw std::invalid_argument(label + ": " + std::to_string(routed_experts_) + " routed experts cannot be split evenly over " +
                                std::to_string(world) + " ranks");
  }
  local_experts_ = routed_experts_ / world;
  first_local_expert_ = exchange->rank() * local_experts_;
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> kept;
  for (int64_t e = first_local_expert_; e < first_local_expert_ + local_experts_; ++e) {
    kept.emplace_back(std::to_string(e), experts[std::to_string(e)]);
  }
  // The other experts' weights go with the old dictionary.
  experts = torch::nn::ModuleDict(replace_module("experts", torch::nn::ModuleDict(kept)));
  exchange_ = std::move(exchange);
  exchange_label_ = label;
}

namespace {

// The (token, slot) assignments sorted by expert, so each expert's share is one contiguous run.
struct SortedAssignments {
  at::Tensor token_of;  // [N * top_k] token index of each assignment
  at::Tensor weights;   // [N * top_k] its routing weight
  std::vector<int64_t> per_expert;  // assignments per expert
};

SortedAssignments sort_by_expert(const Routing& routing, int64_t experts) {
  const int64_t top_k = routing.experts.size(1);
  const at::Tensor flat_experts = routing.experts.reshape(-1);
  const at::Tensor order = flat_experts.argsort(/*stable=*/true);
  SortedAssignments out;
  out.token_of = order.div(top_k, "floor");
  out.weights = routing.weights.reshape(-1).index_select(0, order);
  const at::Tensor counts = at::bincount(flat_experts, {}, experts).cpu();
  out.per_expert.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + experts);
  return out;
}

std::vector<int64_t> sum_per_rank(const std::vector<int64_t>& per_slot, int64_t slots_per_rank) {
  std::vector<int64_t> out(per_slot.size() / static_cast<size_t>(slots_per_rank), 0);
  for (size_t i = 0; i < per_slot.size(); ++i) out[i / static_cast<size_t>(slots_per_rank)] += per_slot[i];
  return out;
}

}  // namespace

at::Tensor MoeImpl::local_routed(const at::Tensor& tokens, const Routing& routing) {
  const SortedAssignments sorted = sort_by_expert(routing, routed_experts_);
  at::Tensor out = at::zeros({tokens.size(0), tokens.size(1)}, tokens.options().dtype(at::kFloat));
  int64_t start = 0;
  for (int64_t e = 0; e < routed_experts_; ++e) {
    const int64_t count = sorted.per_expert[static_cast<size_t>(e)];
    if (count == 0) continue;
    const at::Tensor rows = sorted.token_of.narrow(0, start, count);
    const at::Tensor y = expert(e).forward(tokens.index_select(0, rows));
    out.index_add_(0, rows, y.to(at::kFloat) * sorted.weights.narrow(0, start, count).unsqueeze(1));
    start += count;
  }
  return out;
}

at::Tensor MoeImpl::exchanged_routed(const at::Tensor& tokens, const Routing& routing) {
  const SortedAssignments sorted = sort_by_expert(routing, routed_experts_);
  // Experts are numbered rank-major, so the per-expert counts are already grouped by owning rank.
  const std::vector<int64_t> received_per_expert =
      exchange_->exchange_counts(sorted.per_expert, local_experts_, exchange_label_);
  const std::vector<int64_t> send_per_rank = sum_per_rank(sorted.per_expert, local_experts_);
  const std::vector<int64_t> receive_per_rank = sum_per_rank(received_per_expert, local_experts_);
  const at::Tensor received = exchange_->exchange_rows(tokens.index_select(0, sorted.token_of), send_per_rank,
                                                       receive_per_rank, exchange_label_);

  // Rows arrive grouped by source rank, then by expert; run each local expert once on all of its rows.
  std::vector<std::vector<int64_t>> rows_of(static_cast<size_t>(local_experts_));
  int64_t next = 0;
  for (size_t slot = 0; slot < received_per_expert.size(); ++slot) {
    std::vector<int64_t>& rows = rows_of[slot % static_cast<size_t>(local_experts_)];
    for (int64_t i = 0; i < received_per_expert[slot]; ++i) rows.push_back(next++);
  }
  at::Tensor results = at::empty_like(received);
  for (int64_t j = 0; j < local_experts_; ++j) {
    const std::vector<int64_t>& rows = rows_of[static_cast<size_t>(j)];
    if (rows.empty()) continue;
    const at::Tensor index = at::tensor(rows, at::kLong).to(received.device());
    results.index_copy_(0, index, expert(first_local_expert_ + j).forward(received.index_select(0, index)).to(results.scalar_type()));
  }
  const at::Tensor returned = exchange_->exchange_rows(results, receive_per_rank, send_per_rank, exchange_label_);

  // The same weighted sum, in the same order, as the single-process path.
  at::Tensor out = at::zeros({tokens.size(0), tokens.size(1)}, tokens.options().dtype(at::kFloat));
  out.index_add_(0, sorted.token_of, returned.to(at::kFloat) * sorted.weights.unsqueeze(1));
  return out;
}

torch::Tensor MoeImpl::forward(const torch::Tensor& x) {
  const at::Tensor tokens = x.reshape({-1, x.size(-1)});
  const Routing routing = gate->forward(tokens);
  at::Tensor result = (sharded() ? exchanged_routed(tokens, routing) : local_routed(tokens, routing)).to(x.scalar_type());
  if (shared_experts) result = result + shared_experts->forward(tokens);
  return result.view(x.sizes());
}

}  // namespace engram::model
