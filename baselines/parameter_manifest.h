#pragma once
// Every parameter tensor a model config implies: its Hugging Face / reference name, its shape and the
// accounting group it belongs to. A pure function of the config (no LibTorch), so that parameter
// counts are derived from the same shapes the modules in baselines/nn/ create, and so that a module's
// named_parameters() or a checkpoint can be checked against it name by name.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "baselines/model_config.h"

namespace engram::model {

// Accounting groups, in display order. `engram_projections` is everything of an Engram module except
// its hash tables: value and key projections (with biases), the gate RMSNorms and the short conv with
// its RMSNorms. `norms` are the backbone RMSNorms (per-layer pre-norms and the final norm); the MLA
// q_a/kv_a layernorms belong to `attention`, as checkpoint_summary groups them.
enum class ParamGroup {
  kEmbedding,
  kLmHead,
  kAttention,
  kDenseFfn,
  kSharedExperts,
  kRoutedExperts,
  kRouter,
  kEngramTables,
  kEngramProjections,
  kHyperConnections,
  kNorms,
};
inline constexpr int kParamGroupCount = 11;

// Stable snake_case names used in tables and JSON ("embedding", ..., "engram_tables", "norms").
std::string_view group_name(ParamGroup group);
const std::array<ParamGroup, kParamGroupCount>& all_param_groups();

struct ParameterSpec {
  std::string name;  // e.g. "model.layers.3.mlp.experts.17.down_proj.weight"
  std::vector<int64_t> shape;
  ParamGroup group;
  int64_t numel() const;
};

// Parameters only (buffers such as the Engram row offsets or rotary caches are not listed), in
// module order: embedding, layers 0..L-1 (engram, attention, mlp, norms, hyper-connections), final
// norm, hc_head, lm_head. Throws std::invalid_argument (via ModelConfig::validate) on a bad config.
std::vector<ParameterSpec> parameter_manifest(const ModelConfig& config);

}  // namespace engram::model
