#pragma once
// Parameter, FLOP and memory accounting of a model config: pure functions of ModelConfig, no LibTorch.
//
// Conventions (chosen so that the paper's Table 1 counts come out; see presets.h for the check):
//
// * Total parameters: every tensor of parameter_manifest(config), token embedding and lm_head included
//   (the paper's "Total Params": Dense-4B total minus activated is 0.3B, one V x d matrix).
//
// * Activated parameters per token, by group:
//   - embedding: the whole V x d matrix, reported separately: "activated without token embedding"
//     (the paper's "Activated (w/o token embed)") leaves it out, "activated" adds it back;
//   - lm_head: V x d, always activated. With tied embeddings the head matmul reuses the embedding
//     matrix, which is then counted once, here (the embedding group's activated count is 0 and its
//     total holds the matrix): activated <= total, as transformers' num_parameters() counts it;
//   - routed experts: top-k / n_routed of their total (k whole experts per MoE layer);
//   - Engram tables: only the rows a token reads, (max_ngram-1) * n_head_per_ngram rows of
//     head_dim = n_embed_per_ngram / n_head_per_ngram values per Engram layer (d_mem values per layer);
//   - everything else is dense and fully activated: attention, dense FFN, shared experts, router,
//     backbone norms, the mHC hyper-connection weights (mhc.md 4.1: "dense and always active") and
//     the Engram projections (value/key projections, gate norms, short conv): they run for every token.
//   The paper's 3.8B cannot tell whether it includes the Engram projections (33M at 27B scale, under
//   its 0.05B rounding); we include them because they cost FLOPs for every token, and the 27B/40B
//   presets land on 3.8B either way.
//
// * Sparse parameters (paper section 3.1): P_sparse = P_tot - P_act with P_tot and P_act both without
//   token embedding and lm_head, i.e. the routed-expert parameters no token uses plus the Engram table
//   rows it does not read. rho = inactive routed-expert parameters / P_sparse (Eq. 7): 1 for a pure
//   MoE, undefined (no sparse parameters) for a dense model. This is the definition that gives the
//   paper's 74.3% for Engram-27B (2 + 55 experts, 5.79B of tables).
//
// * FLOPs: forward pass, per token, 2 FLOPs per multiply-add. Counted: every matmul of activated
//   weights (attention projections in the non-absorbed MLA form, dense FFN, shared and top-k routed
//   experts, router, lm_head), attention scores and values 2 * h * (qk_head_dim + v_head_dim) per key,
//   mHC per mhc.md 4.2 ((2n^3 + 6n^2 + 6n) * d per sublayer plus (2n^2 + 4n) * d for the head), Engram
//   value/key projections, gate dot products and gating, and its depthwise conv. Lookups (token
//   embedding, Engram tables) are not FLOPs. RMSNorms, SwiGLU's activation, softmax, rotary and
//   residual adds are O(d) elementwise work and are not counted (well under 0.1% at these sizes).
//   Training costs about 3x the forward.
//
// * Attention span: `kAtPosition` is one token at position L attending to L keys (itself and the L-1
//   before it: the cost of decoding the L-th token); `kCausalMean` is the mean over all tokens of a
//   causal sequence of length L, (L+1)/2 keys (the per-token cost of a prefill or training step).
//
// * Memory: weights at one dtype for every parameter (float32 4 bytes, bfloat16 2, float8 1). KV cache
//   per token: MLA keeps the compressed latent plus the shared rope key, kv_lora_rank +
//   qk_rope_head_dim values per layer; grouped-query attention keeps 2 * kv_heads * head_dim per layer.
//   The mHC streams and Engram add nothing per cached token (the Engram conv needs only a fixed
//   window per sequence: engram_conv_state_elements).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "baselines/model_config.h"
#include "baselines/parameter_manifest.h"

namespace engram::model {

struct GroupCounts {
  std::array<int64_t, kParamGroupCount> values{};
  int64_t& operator[](ParamGroup group) { return values[static_cast<int>(group)]; }
  int64_t operator[](ParamGroup group) const { return values[static_cast<int>(group)]; }
  int64_t sum() const;
};

struct ParameterAccounting {
  GroupCounts total;      // every parameter, by group
  GroupCounts activated;  // parameters one token uses, by group (conventions above)

  int64_t total_params = 0;
  int64_t activated_params = 0;                    // with the token embedding
  int64_t activated_params_without_embedding = 0;  // the paper's "Activated (w/o token embed)"
  int64_t engram_params = 0;                       // tables + projections, conv and norms
  int64_t engram_rows_read_per_token = 0;          // table rows, all Engram layers
  int64_t sparse_params = 0;                       // P_sparse
  int64_t moe_sparse_params = 0;                   // inactive routed-expert parameters
  int64_t engram_sparse_params = 0;                // unread Engram table parameters
  std::optional<double> rho;                       // moe_sparse / sparse; none when sparse == 0

  int64_t n_moe_layers = 0;
  int64_t n_engram_layers = 0;
  int64_t routed_expert_params = 0;  // one routed expert (SwiGLU), one layer
  int64_t router_params_per_expert = 0;  // its router row (+ correction bias), one layer
};

// Validates the config first (std::invalid_argument naming the field).
ParameterAccounting account_parameters(const ModelConfig& config);

enum class AttentionSpan { kAtPosition, kCausalMean };

// Forward FLOPs per token, by component.
struct FlopCounts {
  double attention_projections = 0;
  double attention_scores = 0;  // QK^T and attention x V
  double dense_ffn = 0;
  double shared_experts = 0;
  double routed_experts = 0;
  double router = 0;
  double engram = 0;
  double hyper_connections = 0;
  double lm_head = 0;
  double total() const;
  // (stable snake_case name, value) in display order.
  std::vector<std::pair<std::string_view, double>> items() const;
};

// context >= 1 (std::invalid_argument otherwise).
FlopCounts forward_flops_per_token(const ModelConfig& config, int64_t context, AttentionSpan span);

struct WeightDtype {
  std::string_view name;  // "float32", "bfloat16", "float8"
  int64_t bytes;
};
const std::vector<WeightDtype>& weight_dtypes();

// Values cached per token over all layers (multiply by a dtype's bytes).
int64_t kv_cache_elements_per_token(const ModelConfig& config);
// Fixed decode state of the Engram short convs, per sequence: (kernel-1) * dilation past positions
// of the n*d conv input per Engram layer. 0 without Engram.
int64_t engram_conv_state_elements(const ModelConfig& config);

}  // namespace engram::model
