#include "harness/io/gguf_config.h"

#include <map>
#include <regex>
#include <stdexcept>

namespace engram::io {
namespace {

int64_t positive(const GgufHeader& header, const std::string& key) {
  const int64_t v = header.required_integer(key);
  if (v <= 0) header.fail("key '" + key + "' is " + std::to_string(v) + ", expected a positive integer");
  return v;
}

// The vocabulary: <arch>.vocab_size when written, else the tokenizer's token count, else the
// embedding's rows.
int64_t vocabulary_size(const GgufHeader& header, const std::string& arch) {
  if (const auto v = header.integer(arch + ".vocab_size")) return *v;
  if (const GgufValue* tokens = header.find("tokenizer.ggml.tokens"); tokens && tokens->type == GgufValueType::kArray) {
    return static_cast<int64_t>(tokens->elements.size());
  }
  if (const GgufTensorInfo* embedding = header.find_tensor("token_embd.weight"); embedding && embedding->dims.size() == 2) {
    return embedding->dims[1];
  }
  header.fail("no vocabulary size: neither '" + arch + ".vocab_size', 'tokenizer.ggml.tokens' nor tensor 'token_embd.weight'");
}

void read_rope_scaling(const GgufHeader& header, const std::string& arch, model::ModelConfig& config) {
  const auto type = header.string(arch + ".rope.scaling.type");
  if (!type || *type == "none") return;
  if (*type != "linear" && *type != "yarn") {
    header.fail("key '" + arch + ".rope.scaling.type' is '" + *type + "' (supported: none, linear, yarn)");
  }
  model::RopeScaling scaling;
  scaling.type = *type;
  scaling.factor = header.number(arch + ".rope.scaling.factor").value_or(1.0);
  scaling.original_max_position_embeddings =
      header.integer(arch + ".rope.scaling.original_context_length").value_or(config.max_position_embeddings);
  config.rope_scaling = scaling;
}

model::ModelConfig llama_config(const GgufHeader& header) {
  const std::string arch = "llama";
  model::ModelConfig config;
  config.model_type = "llama";
  config.family = model::Family::kLlama;
  config.hidden_size = positive(header, arch + ".embedding_length");
  config.intermediate_size = positive(header, arch + ".feed_forward_length");
  config.num_hidden_layers = positive(header, arch + ".block_count");
  config.num_attention_heads = positive(header, arch + ".attention.head_count");
  config.vocab_size = vocabulary_size(header, arch);
  config.num_key_value_heads = header.integer(arch + ".attention.head_count_kv").value_or(config.num_attention_heads);
  if (config.num_key_value_heads <= 0 || config.num_attention_heads % config.num_key_value_heads != 0) {
    header.fail("key '" + arch + ".attention.head_count_kv' (" + std::to_string(config.num_key_value_heads) +
                ") does not divide the head count " + std::to_string(config.num_attention_heads));
  }
  if (const auto key_length = header.integer(arch + ".attention.key_length")) {
    config.head_dim = *key_length;
  } else if (config.hidden_size % config.num_attention_heads == 0) {
    config.head_dim = config.hidden_size / config.num_attention_heads;
  } else {
    header.fail("key '" + arch + ".attention.head_count' does not divide the embedding length and no key_length is given");
  }
  if (const auto rotary = header.integer(arch + ".rope.dimension_count"); rotary && *rotary != config.head_dim) {
    header.fail("key '" + arch + ".rope.dimension_count' is " + std::to_string(*rotary) + ": partial rotary (head size " +
                std::to_string(config.head_dim) + ") is not supported");
  }
  config.max_position_embeddings = positive(header, arch + ".context_length");
  config.rms_norm_eps = header.number(arch + ".attention.layer_norm_rms_epsilon").value_or(1e-5);
  config.rope_theta = header.number(arch + ".rope.freq_base").value_or(10000.0);
  read_rope_scaling(header, arch, config);
  if (header.find_tensor("rope_freqs.weight")) {
    header.fail("tensor 'rope_freqs.weight' (Llama 3.1 frequency factors) is not supported");
  }
  // llama.cpp writes the output projection only when it is not the embedding matrix.
  config.tie_word_embeddings = header.find_tensor("output.weight") == nullptr;
  config.attention_bias = header.find_tensor("blk.0.attn_q.bias") != nullptr;
  config.bos_token_id = header.integer("tokenizer.ggml.bos_token_id");
  config.eos_token_id = header.integer("tokenizer.ggml.eos_token_id");
  config.pad_token_id = header.integer("tokenizer.ggml.padding_token_id");
  return config;
}

}  // namespace

model::ModelConfig gguf_model_config(const GgufHeader& header) {
  const std::string arch = header.required_string("general.architecture");
  if (arch != "llama") {
    header.fail("key 'general.architecture' is '" + arch + "': architecture not supported (supported: llama)");
  }
  model::ModelConfig config = llama_config(header);
  try {
    config.validate(header.source);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  return config;
}

// llama.cpp's tensor names for the Llama architecture -> Hugging Face parameter names.
std::string gguf_hf_tensor_name(const std::string& gguf_name, const GgufHeader& header) {
  static const std::map<std::string, std::string> top = {
      {"token_embd.weight", "model.embed_tokens.weight"},
      {"output_norm.weight", "model.norm.weight"},
      {"output.weight", "lm_head.weight"},
  };
  if (const auto it = top.find(gguf_name); it != top.end()) return it->second;
  static const std::map<std::string, std::string> in_block = {
      {"attn_norm", "input_layernorm"},   {"attn_q", "self_attn.q_proj"},   {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},     {"attn_output", "self_attn.o_proj"}, {"ffn_norm", "post_attention_layernorm"},
      {"ffn_gate", "mlp.gate_proj"},      {"ffn_up", "mlp.up_proj"},         {"ffn_down", "mlp.down_proj"},
  };
  static const std::regex block(R"(^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$)");
  std::smatch m;
  if (std::regex_match(gguf_name, m, block)) {
    if (const auto it = in_block.find(m[2].str()); it != in_block.end()) {
      return "model.layers." + m[1].str() + "." + it->second + "." + m[3].str();
    }
  }
  header.fail("tensor '" + gguf_name + "' has no place in a llama model");
}

}  // namespace engram::io
