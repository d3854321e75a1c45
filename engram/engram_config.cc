#include "engram/engram_config.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace engram {

void EngramConfig::validate() const {
  hash.validate();
  auto fail = [](const std::string& field, const std::string& why) {
    throw std::invalid_argument("engram config field '" + field + "': " + why);
  };
  if (n_embed_per_ngram < 1) fail("n_embed_per_ngram", "must be positive");
  if (n_embed_per_ngram % hash.n_head_per_ngram != 0) {
    fail("n_embed_per_ngram", std::to_string(n_embed_per_ngram) + " is not divisible by n_head_per_ngram " +
                                  std::to_string(hash.n_head_per_ngram));
  }
  if (kernel_size < 1) fail("kernel_size", "must be positive");
  if (hidden_size < 1) fail("hidden_size", "must be positive");
  if (hc_mult < 1) fail("hc_mult", "must be positive");
  if (!(short_conv_norm_eps > 0)) fail("short_conv_norm_eps", "must be positive");
  if (tokenizer_vocab_size && *tokenizer_vocab_size < 1) fail("tokenizer_vocab_size", "must be positive");
  if (layer_id) {
    bool known = false;
    for (int64_t id : hash.layer_ids) known = known || id == *layer_id;
    if (!known) fail("layer_id", std::to_string(*layer_id) + " is not one of layer_ids");
  }
}

namespace {

using nlohmann::json;

class FieldReader {
 public:
  FieldReader(const json& root, std::string source) : root_(root), source_(std::move(source)) {}

  // Looks in the named block first, then at top level.
  const json* find(const char* block, const char* name) const {
    if (root_.contains(block) && root_[block].is_object() && root_[block].contains(name)) return &root_[block][name];
    if (root_.contains(name)) return &root_[name];
    return nullptr;
  }

  template <typename T>
  void read(const char* block, const char* name, T& out) const {
    const json* value = find(block, name);
    if (value == nullptr) return;
    try {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (!value->is_number_integer()) throw std::invalid_argument("expected an integer");
      }
      out = value->get<T>();
    } catch (const std::exception& e) {
      throw std::invalid_argument(source_ + ": engram config field '" + name + "': " + e.what() + " (got " +
                                  value->dump() + ")");
    }
  }

 private:
  const json& root_;
  std::string source_;
};

}  // namespace

EngramConfig engram_config_from_json_text(const std::string& text, const std::string& source) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    throw std::invalid_argument(source + ": not valid JSON: " + e.what());
  }
  if (!root.is_object()) throw std::invalid_argument(source + ": engram config must be a JSON object");
  FieldReader reader(root, source);
  EngramConfig config;
  reader.read("hash", "engram_vocab_size", config.hash.engram_vocab_size);
  reader.read("hash", "max_ngram_size", config.hash.max_ngram_size);
  reader.read("hash", "n_head_per_ngram", config.hash.n_head_per_ngram);
  reader.read("hash", "n_embed_per_ngram", config.n_embed_per_ngram);
  reader.read("hash", "layer_ids", config.hash.layer_ids);
  reader.read("hash", "pad_id", config.hash.pad_id);
  reader.read("hash", "pad_id_raw", config.hash.pad_id);
  int64_t seed = 0;
  reader.read("hash", "seed", seed);
  if (seed < 0) throw std::invalid_argument(source + ": engram config field 'seed': must be non-negative");
  config.hash.seed = static_cast<uint64_t>(seed);
  int64_t tokenizer_vocab_size = 0;
  if (reader.find("hash", "tokenizer_vocab_size")) {
    reader.read("hash", "tokenizer_vocab_size", tokenizer_vocab_size);
    config.tokenizer_vocab_size = tokenizer_vocab_size;
  }
  reader.read("hash", "lookup_table", config.lookup_table);
  if (reader.find("engram", "layer_id")) {
    int64_t layer_id = 0;
    reader.read("engram", "layer_id", layer_id);
    config.layer_id = layer_id;
  }
  reader.read("engram", "kernel_size", config.kernel_size);
  reader.read("backbone", "hidden_size", config.hidden_size);
  reader.read("backbone", "hc_mult", config.hc_mult);
  reader.read("engram", "short_conv_norm_eps", config.short_conv_norm_eps);
  reader.read("engram", "conv_zero_init", config.conv_zero_init);
  try {
    config.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(source + ": " + e.what());
  }
  return config;
}

EngramConfig load_engram_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot open engram config");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return engram_config_from_json_text(buffer.str(), path);
}

}  // namespace engram
