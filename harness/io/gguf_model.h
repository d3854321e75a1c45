#pragma once
// A language model read from one GGUF file (llama.cpp's format): hyperparameters mapped to
// ModelConfig, tensors dequantised into a CausalLM with Hugging Face parameter names, and the
// tokenizer rebuilt from the file's tokenizer.ggml.* metadata.

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "baselines/nn/causal_lm.h"

namespace engram::tokenizer {
class Tokenizer;
}

namespace engram::harness::io {

struct GgufModel {
  model::CausalLM model{nullptr};
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
  int64_t context_length = 0;              // the model's window: <arch>.context_length
  nlohmann::json summary = nlohmann::json::object();  // architecture, file type, tensor type counts, name
};

// Throws std::runtime_error naming the file and the key or tensor when the file is malformed, the
// architecture or a tensor type is unsupported.
GgufModel load_gguf_model(const std::string& path);

}  // namespace engram::harness::io
