#pragma once
// DeepSeekMoE with Hugging Face names: mlp.gate.{weight, e_score_correction_bias},
// mlp.experts.E.{gate,up,down}_proj and mlp.shared_experts.{gate,up,down}_proj.

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include "baselines/model_config.h"
#include "baselines/nn/layers.h"

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
  MoeGate gate{nullptr};
  torch::nn::ModuleList experts;
  SwiGlu shared_experts{nullptr};
};
TORCH_MODULE(Moe);

}  // namespace engram::model
