#pragma once
// DeepSeekMoE with Hugging Face names: mlp.gate.{weight, e_score_correction_bias},
// mlp.experts.E.{gate,up,down}_proj and mlp.shared_experts.{gate,up,down}_proj.

#include <torch/nn/module.h>
#include <torch/nn/modules/container/moduledict.h>

#include <memory>
#include <string>

#include "baselines/model_config.h"
#include "baselines/nn/layers.h"

namespace engram {
class RankExchange;
}

namespace engram::model {

struct Routing {
  at::Tensor experts;  // [N, top_k] int64
  at::Tensor weights;  // [N, top_k], float32, already normalised and scaled
};

// Scores every token against every routed expert and picks top-k: softmax or sigmoid scores; the
// auxiliary-loss-free bias (noaux_tc) steers only the choice, never the weights; group-limited
// routing keeps the best topk_group of n_group expert groups first.
class MoeGateImpl : public torch::nn::Module {
 public:
  MoeGateImpl(const MoeConfig& config, int64_t hidden);
  Routing forward(const torch::Tensor& tokens);  // tokens [N, d]
  torch::Tensor weight;
  torch::Tensor e_score_correction_bias;  // defined for noaux_tc

 private:
  MoeConfig config_;
};
TORCH_MODULE(MoeGate);

class MoeImpl : public torch::nn::Module {
 public:
  MoeImpl(const MoeConfig& config, int64_t hidden);
  // x [B, T, d] -> [B, T, d]. Tokens are grouped per expert and each expert runs once on its group.
  torch::Tensor forward(const torch::Tensor& x);
  // Expert parallelism (DeepSeek's scheme): this rank keeps routed experts
  // [rank * E / W, (rank + 1) * E / W) and frees the others; from then on every forward is a
  // collective over `exchange` (all ranks call it the same number of times). Tokens travel to the
  // ranks owning their experts and back through all-to-alls; the gate and the shared experts stay
  // replicated. Throws when W does not divide the number of routed experts. `label` names this
  // layer's exchanges in the timings.
  void shard_experts(std::shared_ptr<RankExchange> exchange, const std::string& label);
  bool sharded() const { return exchange_ != nullptr; }

  MoeGate gate{nullptr};
  // Keyed by the global expert index ("0" .. "E-1", the checkpoint's names); a sharded layer holds
  // only its own experts.
  torch::nn::ModuleDict experts;
  SwiGlu shared_experts{nullptr};

 private:
  SwiGluImpl& expert(int64_t index);
  // The routed part on this rank's tokens, summed with the routing weights, float32 [N, d].
  at::Tensor local_routed(const at::Tensor& tokens, const Routing& routing);
  at::Tensor exchanged_routed(const at::Tensor& tokens, const Routing& routing);

  int64_t routed_experts_ = 0;
  std::shared_ptr<RankExchange> exchange_;
  std::string exchange_label_;
  int64_t first_local_expert_ = 0;
  int64_t local_experts_ = 0;
};
TORCH_MODULE(Moe);

}  // namespace engram::model
