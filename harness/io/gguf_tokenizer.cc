#include "harness/io/gguf_tokenizer.h"

#include <cstdint>
#include <vector>

#include "harness/tokenizer/fast_patterns.h"

namespace engram::io {
namespace {

using json = nlohmann::json;

json split(const std::string& regex) {
  return {{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
}

json byte_level(bool use_regex) {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", use_regex}};
}

json split_then_bytes(std::vector<std::string> regexes) {
  json steps = json::array();
  for (const auto& r : regexes) steps.push_back(split(r));
  steps.push_back(byte_level(false));
  return {{"type", "Sequence"}, {"pretokenizers", steps}};
}

// The split expressions llama.cpp (llama-vocab.cpp) uses for each tokenizer.ggml.pre, written the
// way the models' own tokenizer.json files write them.
const char* kLlama3Split =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kQwen2Split =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

}  // namespace

json gguf_pre_tokenizer(const std::string& pre, const GgufHeader& header) {
  // GPT-2's own expression is what ByteLevel with use_regex applies.
  if (pre == "default" || pre == "gpt-2" || pre == "gpt2") return byte_level(true);
  // SmolLM (and StarCoder's vocabulary it comes from): every digit on its own, then GPT-2's split;
  // tokenizers' Digits(individual_digits) isolates each \p{N} character the same way.
  if (pre == "smollm" || pre == "starcoder" || pre == "refact") {
    return {{"type", "Sequence"}, {"pretokenizers", {split(R"(\p{N})"), byte_level(true)}}};
  }
  if (pre == "llama3" || pre == "llama-v3" || pre == "llama-bpe" || pre == "falcon3" || pre == "dbrx" ||
      pre == "smaug-bpe") {
    return split_then_bytes({kLlama3Split});
  }
  if (pre == "qwen2" || pre == "deepseek-r1-qwen") return split_then_bytes({kQwen2Split});
  if (pre == "deepseek-v3") {
    using namespace tokenizer;  // the three expressions exactly as DeepSeek-V3's tokenizer.json spells them
    return split_then_bytes({kDeepSeekDigitsPattern, kDeepSeekCjkPattern, kDeepSeekMainPattern});
  }
  header.fail("key 'tokenizer.ggml.pre' names pre-tokenizer '" + pre +
              "', which is not supported (default, gpt2, smollm, starcoder, llama-bpe, llama3, qwen2, deepseek-v3)");
}

namespace {

using Values = std::vector<GgufValue>;

// llama.cpp's token types: 3 CONTROL (special added tokens, such as <|im_start|>) and 4
// USER_DEFINED (added tokens matched whole but not special); 1 NORMAL, 2 UNKNOWN, 5 UNUSED, 6 BYTE.
json added_tokens(const Values& tokens, const Values* types) {
  json added = json::array();
  for (std::size_t id = 0; types && id < tokens.size(); ++id) {
    const int64_t type = (*types)[id].signed_value;
    if (type != 3 && type != 4) continue;
    added.push_back({{"id", id}, {"content", tokens[id].string_value}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", type == 3}});
  }
  return added;
}

json bpe_model(const Values& tokens, const Values& merges) {
  json vocab = json::object();
  for (std::size_t id = 0; id < tokens.size(); ++id) vocab[tokens[id].string_value] = id;
  json merge_list = json::array();
  for (const auto& m : merges) merge_list.push_back(m.string_value);
  return {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""},
          {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
          {"vocab", vocab}, {"merges", merge_list}};
}

// tokenizer_config.json: special tokens by content, the add-BOS/EOS flags and the chat template.
json tokenizer_config(const GgufHeader& header, const Values& tokens) {
  json config = json::object();
  const auto special = [&](const char* key, const char* field) {
    const auto id = header.integer(key);
    if (!id) return;
    if (*id < 0 || *id >= static_cast<int64_t>(tokens.size())) {
      header.fail(std::string("key '") + key + "' is " + std::to_string(*id) + ", outside the vocabulary of " +
                  std::to_string(tokens.size()) + " tokens");
    }
    config[field] = tokens[static_cast<std::size_t>(*id)].string_value;
  };
  special("tokenizer.ggml.bos_token_id", "bos_token");
  special("tokenizer.ggml.eos_token_id", "eos_token");
  special("tokenizer.ggml.padding_token_id", "pad_token");
  special("tokenizer.ggml.unknown_token_id", "unk_token");
  // As transformers reads these files: no add_bos_token key means no BOS for a gpt2 vocabulary.
  config["add_bos_token"] = header.boolean("tokenizer.ggml.add_bos_token").value_or(false);
  config["add_eos_token"] = header.boolean("tokenizer.ggml.add_eos_token").value_or(false);
  if (const auto chat_template = header.string("tokenizer.chat_template")) config["chat_template"] = *chat_template;
  if (config["add_bos_token"].get<bool>() && !config.contains("bos_token")) {
    header.fail("key 'tokenizer.ggml.add_bos_token' is true but 'tokenizer.ggml.bos_token_id' is missing");
  }
  return config;
}

// tokenizers adds special tokens in the post-processor: with add_bos_token, encode(text, true)
// puts BOS first, as encode_with_config_specials does.
json bos_post_processor(const std::string& bos, int64_t bos_id) {
  return {
      {"type", "TemplateProcessing"},
      {"single", {{{"SpecialToken", {{"id", bos}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"pair",
       {{{"SpecialToken", {{"id", bos}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
        {{"SpecialToken", {{"id", bos}, {"type_id", 1}}}},
        {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
      {"special_tokens", {{bos, {{"id", bos}, {"ids", {bos_id}}, {"tokens", {bos}}}}}},
  };
}

}  // namespace

GgufTokenizerJson gguf_tokenizer_json(const GgufHeader& header) {
  const std::string model = header.required_string("tokenizer.ggml.model");
  if (model != "gpt2") {
    header.fail("key 'tokenizer.ggml.model' is '" + model + "': only the byte-level BPE tokenizer 'gpt2' is supported");
  }
  const auto* tokens = header.array("tokenizer.ggml.tokens", GgufValueType::kString);
  if (!tokens || tokens->empty()) header.fail("required key 'tokenizer.ggml.tokens' is missing or empty");
  const auto* merges = header.array("tokenizer.ggml.merges", GgufValueType::kString);
  if (!merges) header.fail("required key 'tokenizer.ggml.merges' is missing");
  const auto* types = header.array("tokenizer.ggml.token_type", GgufValueType::kInt32);
  if (types && types->size() != tokens->size()) {
    header.fail("key 'tokenizer.ggml.token_type' has " + std::to_string(types->size()) + " entries for " +
                std::to_string(tokens->size()) + " tokens");
  }
  GgufTokenizerJson out;
  out.config = tokenizer_config(header, *tokens);
  out.tokenizer = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added_tokens(*tokens, types)},
      {"normalizer", nullptr},
      {"pre_tokenizer", gguf_pre_tokenizer(header.string("tokenizer.ggml.pre").value_or("default"), header)},
      {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}}},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model", bpe_model(*tokens, *merges)},
  };
  if (out.config["add_bos_token"].get<bool>()) {
    out.tokenizer["post_processor"] =
        bos_post_processor(out.config["bos_token"].get<std::string>(), *header.integer("tokenizer.ggml.bos_token_id"));
  }
  return out;
}

tokenizer::Tokenizer load_gguf_tokenizer(const GgufHeader& header) {
  const GgufTokenizerJson j = gguf_tokenizer_json(header);
  std::string tokenizer_text, config_text;
  try {
    tokenizer_text = j.tokenizer.dump();
    config_text = j.config.dump();
  } catch (const nlohmann::json::exception& e) {
    // A token, merge or the chat template that is not UTF-8.
    header.fail(std::string("key 'tokenizer.*' holds text that is not UTF-8: ") + e.what());
  }
  return tokenizer::Tokenizer::from_json_text(tokenizer_text, config_text, header.source);
}

}  // namespace engram::io
