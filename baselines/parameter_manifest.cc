#include "baselines/parameter_manifest.h"

#include <numeric>

#include "engram/primes.h"

namespace engram::model {

std::string_view group_name(ParamGroup group) {
  switch (group) {
    case ParamGroup::kEmbedding: return "embedding";
    case ParamGroup::kLmHead: return "lm_head";
    case ParamGroup::kAttention: return "attention";
    case ParamGroup::kDenseFfn: return "dense_ffn";
    case ParamGroup::kSharedExperts: return "shared_experts";
    case ParamGroup::kRoutedExperts: return "routed_experts";
    case ParamGroup::kRouter: return "router";
    case ParamGroup::kEngramTables: return "engram_tables";
    case ParamGroup::kEngramProjections: return "engram_projections";
    case ParamGroup::kHyperConnections: return "hyper_connections";
    case ParamGroup::kNorms: return "norms";
  }
  return "unknown";
}

const std::array<ParamGroup, kParamGroupCount>& all_param_groups() {
  static const std::array<ParamGroup, kParamGroupCount> groups = {
      ParamGroup::kEmbedding,     ParamGroup::kLmHead,        ParamGroup::kAttention,
      ParamGroup::kDenseFfn,      ParamGroup::kSharedExperts, ParamGroup::kRoutedExperts,
      ParamGroup::kRouter,        ParamGroup::kEngramTables,  ParamGroup::kEngramProjections,
      ParamGroup::kHyperConnections, ParamGroup::kNorms};
  return groups;
}

int64_t ParameterSpec::numel() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

namespace {

class Builder {
 public:
  explicit Builder(std::vector<ParameterSpec>& out) : out_(out) {}
  void add(std::string name, std::vector<int64_t> shape, ParamGroup group) {
    out_.push_back({std::move(name), std::move(shape), group});
  }
  // A bias-free (or biased) nn.Linear(in, out): weight [out, in] (+ bias [out]).
  void linear(const std::string& prefix, int64_t in, int64_t out, ParamGroup group, bool bias = false) {
    add(prefix + ".weight", {out, in}, group);
    if (bias) add(prefix + ".bias", {out}, group);
  }
  void swiglu(const std::string& prefix, int64_t hidden, int64_t width, ParamGroup group) {
    linear(prefix + ".gate_proj", hidden, width, group);
    linear(prefix + ".up_proj", hidden, width, group);
    linear(prefix + ".down_proj", width, hidden, group);
  }

 private:
  std::vector<ParameterSpec>& out_;
};

void add_attention(Builder& b, const ModelConfig& c, const std::string& p) {
  const int64_t d = c.hidden_size, h = c.num_attention_heads;
  const ParamGroup g = ParamGroup::kAttention;
  if (c.mla) {
    const MlaConfig& m = *c.mla;
    const int64_t qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
    if (m.q_lora_rank == 0) {
      b.linear(p + ".q_proj", d, h * qk, g);
    } else {
      b.linear(p + ".q_a_proj", d, m.q_lora_rank, g);
      b.add(p + ".q_a_layernorm.weight", {m.q_lora_rank}, g);
      b.linear(p + ".q_b_proj", m.q_lora_rank, h * qk, g);
    }
    b.linear(p + ".kv_a_proj_with_mqa", d, m.kv_lora_rank + m.qk_rope_head_dim, g);
    b.add(p + ".kv_a_layernorm.weight", {m.kv_lora_rank}, g);
    b.linear(p + ".kv_b_proj", m.kv_lora_rank, h * (m.qk_nope_head_dim + m.v_head_dim), g);
    b.linear(p + ".o_proj", h * m.v_head_dim, d, g);
    return;
  }
  const int64_t hd = c.head_dim > 0 ? c.head_dim : d / h;
  const int64_t kv = c.num_key_value_heads;
  b.linear(p + ".q_proj", d, h * hd, g, c.attention_bias);
  b.linear(p + ".k_proj", d, kv * hd, g, c.attention_bias);
  b.linear(p + ".v_proj", d, kv * hd, g, c.attention_bias);
  b.linear(p + ".o_proj", h * hd, d, g, c.attention_bias);
}

void add_mlp(Builder& b, const ModelConfig& c, int64_t layer, const std::string& p) {
  const int64_t d = c.hidden_size;
  if (!c.is_moe_layer(layer)) {
    b.swiglu(p, d, c.intermediate_size, ParamGroup::kDenseFfn);
    return;
  }
  const MoeConfig& m = *c.moe;
  b.add(p + ".gate.weight", {m.n_routed_experts, d}, ParamGroup::kRouter);
  if (m.topk_method == "noaux_tc") b.add(p + ".gate.e_score_correction_bias", {m.n_routed_experts}, ParamGroup::kRouter);
  for (int64_t e = 0; e < m.n_routed_experts; ++e) {
    b.swiglu(p + ".experts." + std::to_string(e), d, m.moe_intermediate_size, ParamGroup::kRoutedExperts);
  }
  if (m.n_shared_experts > 0) {
    b.swiglu(p + ".shared_experts", d, m.moe_intermediate_size * m.n_shared_experts, ParamGroup::kSharedExperts);
  }
}

// mhc.md 4.1 / 5.2: fn [n(n+2), n*d], base [n(n+2)], scale [3] per sublayer.
void add_hc(Builder& b, const ModelConfig& c, const std::string& p) {
  const int64_t n = c.hc_mult, d = c.hidden_size;
  b.add(p + ".fn", {n * (n + 2), n * d}, ParamGroup::kHyperConnections);
  b.add(p + ".base", {n * (n + 2)}, ParamGroup::kHyperConnections);
  b.add(p + ".scale", {3}, ParamGroup::kHyperConnections);
}

// Reference names (engram_demo_v1.py Engram module) under model.layers.{i}.engram.
void add_engram(Builder& b, const ModelConfig& c, int64_t table_rows, const std::string& p) {
  const EngramConfig& e = *c.engram;
  const int64_t d = c.hidden_size, n = c.hc_mult, eh = e.engram_hidden_size();
  const ParamGroup g = ParamGroup::kEngramProjections;
  b.add(p + ".multi_head_embedding.embedding.weight", {table_rows, e.head_dim()}, ParamGroup::kEngramTables);
  b.linear(p + ".value_proj", eh, d, g, /*bias=*/true);
  for (int64_t i = 0; i < n; ++i) b.linear(p + ".key_projs." + std::to_string(i), eh, d, g, /*bias=*/true);
  for (int64_t i = 0; i < n; ++i) b.add(p + ".norm1." + std::to_string(i) + ".weight", {d}, g);
  for (int64_t i = 0; i < n; ++i) b.add(p + ".norm2." + std::to_string(i) + ".weight", {d}, g);
  b.add(p + ".short_conv.conv.weight", {n * d, 1, e.kernel_size}, g);
  for (int64_t i = 0; i < n; ++i) b.add(p + ".short_conv.norms." + std::to_string(i) + ".weight", {d}, g);
}

}  // namespace

std::vector<ParameterSpec> parameter_manifest(const ModelConfig& c) {
  c.validate();
  std::vector<ParameterSpec> out;
  Builder b(out);
  const int64_t d = c.hidden_size;

  // Engram table rows per Engram layer: the primes of all layers come from one shared used-set.
  std::vector<int64_t> engram_rows;
  if (c.engram) {
    const auto primes = engram::engram_table_primes(c.engram->hash.engram_vocab_size, c.engram->hash.n_head_per_ngram,
                                                    c.engram->hash.layer_ids.size());
    for (const auto& layer : primes) {
      int64_t rows = 0;
      for (const auto& order : layer) rows = std::accumulate(order.begin(), order.end(), rows);
      engram_rows.push_back(rows);
    }
  }

  b.add("model.embed_tokens.weight", {c.vocab_size, d}, ParamGroup::kEmbedding);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i);
    if (c.engram) {
      const auto& ids = c.engram->hash.layer_ids;
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (ids[k] == i) add_engram(b, c, engram_rows[k], p + ".engram");
      }
    }
    b.add(p + ".input_layernorm.weight", {d}, ParamGroup::kNorms);
    add_attention(b, c, p + ".self_attn");
    b.add(p + ".post_attention_layernorm.weight", {d}, ParamGroup::kNorms);
    add_mlp(b, c, i, p + ".mlp");
    if (c.hc_mult > 1) {
      add_hc(b, c, p + ".attn_hc");
      add_hc(b, c, p + ".ffn_hc");
    }
  }
  b.add("model.norm.weight", {d}, ParamGroup::kNorms);
  if (c.hc_mult > 1) {
    const int64_t n = c.hc_mult;
    b.add("model.hc_head.hc_fn", {n, n * d}, ParamGroup::kHyperConnections);
    b.add("model.hc_head.hc_base", {n}, ParamGroup::kHyperConnections);
    b.add("model.hc_head.hc_scale", {1}, ParamGroup::kHyperConnections);
  }
  if (!c.tie_word_embeddings) b.add("lm_head.weight", {c.vocab_size, d}, ParamGroup::kLmHead);
  return out;
}

}  // namespace engram::model
