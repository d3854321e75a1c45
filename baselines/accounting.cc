#include "baselines/accounting.h"

#include <stdexcept>
#include <string>

namespace engram::model {

int64_t GroupCounts::sum() const {
  int64_t s = 0;
  for (int64_t v : values) s += v;
  return s;
}

namespace {

int64_t count_moe_layers(const ModelConfig& c) {
  int64_t n = 0;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) n += c.is_moe_layer(i) ? 1 : 0;
  return n;
}

// Multiply-adds of one layer's attention projections (rank-2 weights only; biases and the q_a/kv_a
// norms are elementwise).
int64_t attention_matmul_weights(const ModelConfig& c) {
  const int64_t d = c.hidden_size, h = c.num_attention_heads;
  if (c.mla) {
    const MlaConfig& m = *c.mla;
    const int64_t qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
    const int64_t q = m.q_lora_rank == 0 ? d * h * qk : d * m.q_lora_rank + m.q_lora_rank * h * qk;
    return q + d * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank * h * (m.qk_nope_head_dim + m.v_head_dim) +
           h * m.v_head_dim * d;
  }
  const int64_t hd = c.head_dim > 0 ? c.head_dim : d / h;
  return d * (h + 2 * c.num_key_value_heads) * hd + h * hd * d;
}

}  // namespace

ParameterAccounting account_parameters(const ModelConfig& c) {
  ParameterAccounting a;
  for (const ParameterSpec& spec : parameter_manifest(c)) a.total[spec.group] += spec.numel();  // validates
  a.activated = a.total;
  const int64_t d = c.hidden_size;

  a.n_moe_layers = count_moe_layers(c);
  if (c.moe) {
    a.routed_expert_params = 3 * d * c.moe->moe_intermediate_size;
    a.router_params_per_expert = d + (c.moe->topk_method == "noaux_tc" ? 1 : 0);
    a.activated[ParamGroup::kRoutedExperts] = a.n_moe_layers * c.moe->num_experts_per_tok * a.routed_expert_params;
  }
  if (c.engram) {
    a.n_engram_layers = static_cast<int64_t>(c.engram->hash.layer_ids.size());
    a.engram_rows_read_per_token = a.n_engram_layers * c.engram->hash.heads_per_layer();
    a.activated[ParamGroup::kEngramTables] = a.engram_rows_read_per_token * c.engram->head_dim();
  }
  // The head matmul runs for every token. With tied embeddings it uses the embedding matrix, which
  // then counts once, as the head (the lookup is free, the matmul is not): activated never exceeds
  // total, and both match transformers' num_parameters() for a dense model.
  a.activated[ParamGroup::kLmHead] = c.vocab_size * d;
  if (c.tie_word_embeddings) a.activated[ParamGroup::kEmbedding] = 0;

  a.total_params = a.total.sum();
  a.activated_params = a.activated.sum();
  a.activated_params_without_embedding = a.activated_params - a.activated[ParamGroup::kEmbedding];
  a.engram_params = a.total[ParamGroup::kEngramTables] + a.total[ParamGroup::kEngramProjections];
  a.moe_sparse_params = a.total[ParamGroup::kRoutedExperts] - a.activated[ParamGroup::kRoutedExperts];
  a.engram_sparse_params = a.total[ParamGroup::kEngramTables] - a.activated[ParamGroup::kEngramTables];
  a.sparse_params = a.moe_sparse_params + a.engram_sparse_params;
  if (a.sparse_params > 0) a.rho = static_cast<double>(a.moe_sparse_params) / static_cast<double>(a.sparse_params);
  return a;
}

double FlopCounts::total() const {
  double t = 0;
  for (const auto& [name, value] : items()) t += value;
  return t;
}

std::vector<std::pair<std::string_view, double>> FlopCounts::items() const {
  return {{"attention_projections", attention_projections},
          {"attention_scores", attention_scores},
          {"dense_ffn", dense_ffn},
          {"shared_experts", shared_experts},
          {"routed_experts", routed_experts},
          {"router", router},
          {"engram", engram},
          {"hyper_connections", hyper_connections},
          {"lm_head", lm_head}};
}

FlopCounts forward_flops_per_token(const ModelConfig& c, int64_t context, AttentionSpan span) {
  if (context < 1) throw std::invalid_argument("context length must be at least 1, got " + std::to_string(context));
  const ParameterAccounting a = account_parameters(c);  // validates
  const double d = static_cast<double>(c.hidden_size), h = static_cast<double>(c.num_attention_heads);
  const double layers = static_cast<double>(c.num_hidden_layers);
  FlopCounts f;

  f.attention_projections = 2.0 * layers * static_cast<double>(attention_matmul_weights(c));
  double qk_dim = 0, v_dim = 0;
  if (c.mla) {
    qk_dim = static_cast<double>(c.mla->qk_nope_head_dim + c.mla->qk_rope_head_dim);
    v_dim = static_cast<double>(c.mla->v_head_dim);
  } else {
    qk_dim = v_dim = static_cast<double>(c.head_dim > 0 ? c.head_dim : c.hidden_size / c.num_attention_heads);
  }
  const double keys = span == AttentionSpan::kAtPosition ? static_cast<double>(context) : (context + 1.0) / 2.0;
  f.attention_scores = layers * 2.0 * h * (qk_dim + v_dim) * keys;

  // FFN weights are all matrices, so 2 FLOPs per activated parameter.
  f.dense_ffn = 2.0 * static_cast<double>(a.activated[ParamGroup::kDenseFfn]);
  f.shared_experts = 2.0 * static_cast<double>(a.activated[ParamGroup::kSharedExperts]);
  f.routed_experts = 2.0 * static_cast<double>(a.activated[ParamGroup::kRoutedExperts]);
  if (c.moe) f.router = 2.0 * static_cast<double>(a.n_moe_layers * c.moe->n_routed_experts) * d;
  f.lm_head = 2.0 * static_cast<double>(c.vocab_size) * d;

  if (c.hc_mult > 1) {
    const double n = static_cast<double>(c.hc_mult);
    const double per_sublayer = (2 * n * n * n + 6 * n * n + 6 * n) * d;  // mhc.md 4.2
    const double head = (2 * n * n + 4 * n) * d;
    f.hyper_connections = 2.0 * layers * per_sublayer + head;
  }
  if (c.engram) {
    const EngramConfig& e = *c.engram;
    const double n = static_cast<double>(c.hc_mult), eh = static_cast<double>(e.engram_hidden_size());
    const double projections = 2.0 * (n + 1.0) * eh * d;  // shared value projection + one key per branch
    const double gating = n * (2.0 * d + d);              // RMSNorm(h)·RMSNorm(k) dot product, alpha * v
    const double conv = 2.0 * n * d * static_cast<double>(e.kernel_size);  // depthwise, kernel taps
    f.engram = static_cast<double>(a.n_engram_layers) * (projections + gating + conv);
  }
  return f;
}

const std::vector<WeightDtype>& weight_dtypes() {
  static const std::vector<WeightDtype> dtypes = {{"float32", 4}, {"bfloat16", 2}, {"float8", 1}};
  return dtypes;
}

int64_t kv_cache_elements_per_token(const ModelConfig& c) {
  c.validate();
  if (c.mla) return c.num_hidden_layers * (c.mla->kv_lora_rank + c.mla->qk_rope_head_dim);
  const int64_t hd = c.head_dim > 0 ? c.head_dim : c.hidden_size / c.num_attention_heads;
  return c.num_hidden_layers * 2 * c.num_key_value_heads * hd;
}

int64_t engram_conv_state_elements(const ModelConfig& c) {
  if (!c.engram) return 0;
  const EngramConfig& e = *c.engram;
  const int64_t window = (e.kernel_size - 1) * e.conv_dilation();
  return static_cast<int64_t>(e.hash.layer_ids.size()) * window * c.hc_mult * c.hidden_size;
}

}  // namespace engram::model
