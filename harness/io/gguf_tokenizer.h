#pragma once
// The tokenizer a GGUF file describes in its tokenizer.ggml.* metadata, rebuilt as the equivalent
// Hugging Face tokenizer.json and tokenizer_config.json and loaded by our tokenizer
// (harness/tokenizer/), so it gives the ids the model's own tokenizer.json gives.
//
// Supported: tokenizer.ggml.model "gpt2" (byte-level BPE: tokens, merges, token_type) with the
// pre-tokenizers llama.cpp names in tokenizer.ggml.pre (see gguf_pre_tokenizer); anything else is
// an error naming the model or pre-tokenizer.

#include <string>

#include <nlohmann/json.hpp>

#include "harness/io/gguf_header.h"
#include "harness/tokenizer/tokenizer.h"

namespace engram::io {

struct GgufTokenizerJson {
  nlohmann::json tokenizer;  // tokenizer.json
  nlohmann::json config;     // tokenizer_config.json: special tokens, add_bos_token, chat_template
};

GgufTokenizerJson gguf_tokenizer_json(const GgufHeader& header);

// The tokenizer.json pre_tokenizer for llama.cpp's tokenizer.ggml.pre name; throws naming it when
// unknown.
nlohmann::json gguf_pre_tokenizer(const std::string& pre, const GgufHeader& header);

tokenizer::Tokenizer load_gguf_tokenizer(const GgufHeader& header);

}  // namespace engram::io
