#include "harness/io/hf_config.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace engram::io {
namespace {

using nlohmann::json;

class Fields {
 public:
  Fields(const json& root, std::string source) : root_(root), source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw std::invalid_argument(source_ + ": field '" + field + "': " + why);
  }

  const json* find(const std::string& name) const {
    const auto it = root_.find(name);
    return it == root_.end() || it->is_null() ? nullptr : &*it;
  }

  template <typename T>
  T required(const std::string& name) const {
    const json* value = find(name);
    if (!value) throw std::invalid_argument(source_ + ": missing required field '" + name + "'");
    return convert<T>(name, *value);
  }

  template <typename T>
  void optional(const std::string& name, T& out) const {
    if (const json* value = find(name)) out = convert<T>(name, *value);
  }

  template <typename T>
  void optional(const std::string& name, std::optional<T>& out) const {
    if (const json* value = find(name)) out = convert<T>(name, *value);
  }

 private:
  template <typename T>
  T convert(const std::string& name, const json& value) const {
    if constexpr (std::is_same_v<T, bool>) {
      if (!value.is_boolean()) fail(name, "expected true or false, got " + value.dump());
    } else if constexpr (std::is_integral_v<T>) {
      if (!value.is_number_integer()) fail(name, "expected an integer, got " + value.dump());
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!value.is_number()) fail(name, "expected a number, got " + value.dump());
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!value.is_string()) fail(name, "expected a string, got " + value.dump());
    }
    return value.get<T>();
  }

  const json& root_;
  std::string source_;
};

// eos_token_id may be a list in newer configs; the first entry is the one generation stops on.
std::optional<int64_t> token_id(const json& root, const char* name, const std::string& source) {
  const auto it = root.find(name);
  if (it == root.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) return (*it)[0].get<int64_t>();
  throw std::invalid_argument(source + ": field '" + name + "': expected a token id, got " + it->dump());
}

model::RopeScaling parse_rope_scaling(const json& value, const std::string& source) {
  if (!value.is_object()) throw std::invalid_argument(source + ": field 'rope_scaling': expected an object");
  Fields f(value, source + " rope_scaling");
  model::RopeScaling scaling;
  if (f.find("rope_type")) {
    scaling.type = f.required<std::string>("rope_type");
  } else {
    scaling.type = f.required<std::string>("type");
  }
  f.optional("factor", scaling.factor);
  f.optional("original_max_position_embeddings", scaling.original_max_position_embeddings);
  f.optional("beta_fast", scaling.beta_fast);
  f.optional("beta_slow", scaling.beta_slow);
  f.optional("mscale", scaling.mscale);
  f.optional("mscale_all_dim", scaling.mscale_all_dim);
  f.optional("low_freq_factor", scaling.low_freq_factor);
  f.optional("high_freq_factor", scaling.high_freq_factor);
  f.optional("attention_factor", scaling.attention_factor);
  f.optional("truncate", scaling.truncate);
  return scaling;
}

model::Family family_of(const std::string& model_type, const std::string& source) {
  if (model_type == "deepseek_v3") return model::Family::kDeepSeekV3;
  if (model_type == "llama") return model::Family::kLlama;
  throw std::invalid_argument(source + ": field 'model_type': '" + model_type +
                              "' is not supported (supported: deepseek_v3, llama)");
}

// transformers 5 writes RoPE settings as `rope_parameters` (with rope_theta inside); older files use
// top-level rope_theta and rope_scaling. A default-type block means no scaling.
void read_rope_settings(const Fields& f, const std::string& source, model::ModelConfig& config) {
  if (const json* parameters = f.find("rope_parameters")) {
    if (!parameters->is_object()) f.fail("rope_parameters", "expected an object");
    if (!f.find("rope_theta") && parameters->contains("rope_theta")) {
      Fields(*parameters, source + " rope_parameters").optional("rope_theta", config.rope_theta);
    }
    if (!f.find("rope_scaling")) {
      const std::string type = parameters->value("rope_type", parameters->value("type", std::string("default")));
      if (type != "default") config.rope_scaling = parse_rope_scaling(*parameters, source);
    }
  }
  if (const json* scaling = f.find("rope_scaling")) config.rope_scaling = parse_rope_scaling(*scaling, source);
}

// DeepSeek-V3: multi-head latent attention, and routed experts when n_routed_experts is given.
void read_mla_and_moe(const Fields& f, model::ModelConfig& config) {
  model::MlaConfig mla;
  f.optional("q_lora_rank", mla.q_lora_rank);  // null means a full-rank query
  mla.kv_lora_rank = f.required<int64_t>("kv_lora_rank");
  mla.qk_nope_head_dim = f.required<int64_t>("qk_nope_head_dim");
  mla.qk_rope_head_dim = f.required<int64_t>("qk_rope_head_dim");
  mla.v_head_dim = f.required<int64_t>("v_head_dim");
  config.mla = mla;
  if (!f.find("n_routed_experts")) return;
  model::MoeConfig moe;
  moe.n_routed_experts = f.required<int64_t>("n_routed_experts");
  moe.num_experts_per_tok = f.required<int64_t>("num_experts_per_tok");
  moe.moe_intermediate_size = f.required<int64_t>("moe_intermediate_size");
  f.optional("n_shared_experts", moe.n_shared_experts);
  f.optional("first_k_dense_replace", moe.first_k_dense_replace);
  f.optional("moe_layer_freq", moe.moe_layer_freq);
  f.optional("scoring_func", moe.scoring_func);
  f.optional("topk_method", moe.topk_method);
  f.optional("n_group", moe.n_group);
  f.optional("topk_group", moe.topk_group);
  f.optional("routed_scaling_factor", moe.routed_scaling_factor);
  f.optional("norm_topk_prob", moe.norm_topk_prob);
  config.moe = moe;
}

// Llama without head_dim: hidden_size / heads, which must divide evenly.
void derive_head_dim(const Fields& f, model::ModelConfig& config) {
  if (config.head_dim != 0 || config.hidden_size <= 0 || config.num_attention_heads <= 0) return;
  // transformers would silently use hidden // heads; an uneven split is almost always a typo.
  if (config.hidden_size % config.num_attention_heads != 0) {
    f.fail("num_attention_heads", std::to_string(config.num_attention_heads) + " does not divide hidden_size " +
                                      std::to_string(config.hidden_size) + " (set head_dim to mean it)");
  }
  config.head_dim = config.hidden_size / config.num_attention_heads;
}

void read_engram_block(const Fields& f, const std::string& source, model::ModelConfig& config) {
  const json* block = f.find("engram");
  if (!block) return;
  if (!block->is_object()) f.fail("engram", "expected an object");
  json flat = *block;
  flat["hidden_size"] = config.hidden_size;
  flat["hc_mult"] = config.hc_mult;
  config.engram = engram_config_from_json_text(flat.dump(), source + " engram block");
}

}  // namespace

model::ModelConfig parse_hf_config(const json& root, const std::string& source) {
  if (!root.is_object()) throw std::invalid_argument(source + ": config must be a JSON object");
  Fields f(root, source);
  model::ModelConfig config;
  config.model_type = f.required<std::string>("model_type");
  config.family = family_of(config.model_type, source);
  config.vocab_size = f.required<int64_t>("vocab_size");
  config.hidden_size = f.required<int64_t>("hidden_size");
  config.num_hidden_layers = f.required<int64_t>("num_hidden_layers");
  config.num_attention_heads = f.required<int64_t>("num_attention_heads");
  config.num_key_value_heads = config.num_attention_heads;
  f.optional("num_key_value_heads", config.num_key_value_heads);
  f.optional("intermediate_size", config.intermediate_size);
  f.optional("head_dim", config.head_dim);
  f.optional("max_position_embeddings", config.max_position_embeddings);
  f.optional("rms_norm_eps", config.rms_norm_eps);
  f.optional("rope_theta", config.rope_theta);
  f.optional("tie_word_embeddings", config.tie_word_embeddings);
  f.optional("attention_bias", config.attention_bias);
  f.optional("hidden_act", config.hidden_act);
  read_rope_settings(f, source, config);
  config.bos_token_id = token_id(root, "bos_token_id", source);
  config.eos_token_id = token_id(root, "eos_token_id", source);
  config.pad_token_id = token_id(root, "pad_token_id", source);
  if (config.family == model::Family::kDeepSeekV3) {
    read_mla_and_moe(f, config);
  } else {
    derive_head_dim(f, config);
  }
  f.optional("initializer_range", config.initializer_range);
  f.optional("rope_interleave", config.rope_interleave);
  f.optional("hc_mult", config.hc_mult);
  f.optional("hc_sinkhorn_iters", config.hc_sinkhorn_iters);
  f.optional("hc_eps", config.hc_eps);
  read_engram_block(f, source, config);
  config.validate(source);
  return config;
}

model::ModelConfig load_hf_config(const std::string& path_text) {
  std::filesystem::path path = path_text;
  if (std::filesystem::is_directory(path)) path /= "config.json";
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path.string() + ": cannot open");
  json root;
  try {
    root = json::parse(in);
  } catch (const json::exception& e) {
    throw std::invalid_argument(path.string() + ": not valid JSON: " + e.what());
  }
  return parse_hf_config(root, path.string());
}

json to_hf_json(const model::ModelConfig& c) {
  json out = {{"model_type", c.model_type},
              {"vocab_size", c.vocab_size},
              {"hidden_size", c.hidden_size},
              {"intermediate_size", c.intermediate_size},
              {"num_hidden_layers", c.num_hidden_layers},
              {"num_attention_heads", c.num_attention_heads},
              {"num_key_value_heads", c.num_key_value_heads},
              {"max_position_embeddings", c.max_position_embeddings},
              {"rms_norm_eps", c.rms_norm_eps},
              {"rope_theta", c.rope_theta},
              {"tie_word_embeddings", c.tie_word_embeddings},
              {"attention_bias", c.attention_bias},
              {"hidden_act", c.hidden_act}};
  if (c.family == model::Family::kLlama) out["head_dim"] = c.head_dim;
  if (c.bos_token_id) out["bos_token_id"] = *c.bos_token_id;
  if (c.eos_token_id) out["eos_token_id"] = *c.eos_token_id;
  if (c.pad_token_id) out["pad_token_id"] = *c.pad_token_id;
  if (c.rope_scaling) {
    const auto& r = *c.rope_scaling;
    out["rope_scaling"] = {{"type", r.type},
                           {"factor", r.factor},
                           {"original_max_position_embeddings", r.original_max_position_embeddings},
                           {"beta_fast", r.beta_fast},
                           {"beta_slow", r.beta_slow},
                           {"mscale", r.mscale},
                           {"mscale_all_dim", r.mscale_all_dim},
                           {"low_freq_factor", r.low_freq_factor},
                           {"high_freq_factor", r.high_freq_factor}};
  }
  if (c.mla) {
    out["q_lora_rank"] = c.mla->q_lora_rank == 0 ? json(nullptr) : json(c.mla->q_lora_rank);
    out["kv_lora_rank"] = c.mla->kv_lora_rank;
    out["qk_nope_head_dim"] = c.mla->qk_nope_head_dim;
    out["qk_rope_head_dim"] = c.mla->qk_rope_head_dim;
    out["v_head_dim"] = c.mla->v_head_dim;
  }
  if (c.moe) {
    const auto& m = *c.moe;
    out.update({{"n_routed_experts", m.n_routed_experts},
                {"n_shared_experts", m.n_shared_experts},
                {"num_experts_per_tok", m.num_experts_per_tok},
                {"moe_intermediate_size", m.moe_intermediate_size},
                {"first_k_dense_replace", m.first_k_dense_replace},
                {"moe_layer_freq", m.moe_layer_freq},
                {"scoring_func", m.scoring_func},
                {"topk_method", m.topk_method},
                {"n_group", m.n_group},
                {"topk_group", m.topk_group},
                {"routed_scaling_factor", m.routed_scaling_factor},
                {"norm_topk_prob", m.norm_topk_prob}});
  }
  out["initializer_range"] = c.initializer_range;
  if (c.family == model::Family::kDeepSeekV3) out["rope_interleave"] = c.rope_interleave;
  out["hc_mult"] = c.hc_mult;
  if (c.hc_mult > 1) {
    out["hc_sinkhorn_iters"] = c.hc_sinkhorn_iters;
    out["hc_eps"] = c.hc_eps;
  }
  if (c.engram) {
    const auto& e = *c.engram;
    out["engram"] = {{"engram_vocab_size", e.hash.engram_vocab_size},
                     {"max_ngram_size", e.hash.max_ngram_size},
                     {"n_embed_per_ngram", e.n_embed_per_ngram},
                     {"n_head_per_ngram", e.hash.n_head_per_ngram},
                     {"layer_ids", e.hash.layer_ids},
                     {"pad_id", e.hash.pad_id},
                     {"seed", e.hash.seed},
                     {"kernel_size", e.kernel_size},
                     {"short_conv_norm_eps", e.short_conv_norm_eps},
                     {"conv_zero_init", e.conv_zero_init}};
  }
  return out;
}

}  // namespace engram::io
