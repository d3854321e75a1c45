#pragma once
// A GGUF file's hyperparameters (llama.cpp's `<architecture>.*` keys) as a ModelConfig. Supported
// architecture: "llama" (also what llama.cpp writes for Mistral-style and SmolLM models); any other
// is an error naming it. No LibTorch here.

#include <string>

#include "baselines/model_config.h"
#include "harness/io/gguf_header.h"

namespace engram::io {

// Errors name the file and the key.
model::ModelConfig gguf_model_config(const GgufHeader& header);

// llama.cpp's tensor name -> the Hugging Face parameter name (token_embd.weight ->
// model.embed_tokens.weight, blk.3.attn_q.weight -> model.layers.3.self_attn.q_proj.weight, ...);
// throws naming the file and the tensor when it has no place in a llama model.
std::string gguf_hf_tensor_name(const std::string& gguf_name, const GgufHeader& header);

}  // namespace engram::io
