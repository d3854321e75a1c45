#include "harness/io/gguf_model.h"

#include <stdexcept>
#include <utility>
#include <vector>

#include "engram/state_dict.h"
#include "harness/io/gguf_config.h"
#include "harness/io/gguf_file.h"
#include "harness/io/gguf_tokenizer.h"

namespace engram::harness::io {
namespace {

using engram::io::GgufFile;
using engram::io::GgufHeader;
using engram::io::GgufTensorInfo;

// llama.cpp's converter reorders the rows of attn_q and attn_k within each head so that its rotary
// code can rotate adjacent pairs; Hugging Face's rotates the two halves. This undoes it exactly as
// transformers' GGUF loader does: rows (head, pair, 2) -> (head, 2, pair).
at::Tensor undo_rotary_permutation(const at::Tensor& w, int64_t heads) {
  const int64_t half_dim = w.size(0) / heads / 2;
  std::vector<int64_t> split = {heads, half_dim, 2};
  for (int64_t d = 1; d < w.dim(); ++d) split.push_back(w.size(d));
  return w.reshape(split).transpose(1, 2).reshape(w.sizes());
}

nlohmann::json file_summary(const GgufFile& file, const engram::model::ModelConfig& config) {
  const GgufHeader& header = file.header();
  nlohmann::json tensor_types = nlohmann::json::object();
  for (const GgufTensorInfo& t : header.tensors) tensor_types[t.type.name] = tensor_types.value(t.type.name, 0) + 1;
  nlohmann::json summary = {
      {"format", "gguf"},
      {"gguf_version", header.version},
      {"architecture", header.string("general.architecture").value_or("")},
      {"tensor_types", tensor_types},
      {"tensor_count", header.tensors.size()},
      {"context_length", config.max_position_embeddings},
  };
  if (const auto name = header.string("general.name")) summary["name"] = *name;
  if (const auto file_type = header.integer("general.file_type")) summary["file_type"] = *file_type;
  return summary;
}

}  // namespace

GgufModel load_gguf_model(const std::string& path) {
  const GgufFile file = GgufFile::open(path);
  const GgufHeader& header = file.header();
  const engram::model::ModelConfig config = engram::io::gguf_model_config(header);

  std::vector<std::pair<std::string, at::Tensor>> tensors;
  tensors.reserve(header.tensors.size());
  for (const GgufTensorInfo& info : header.tensors) {
    const std::string name = engram::io::gguf_hf_tensor_name(info.name, header);
    at::Tensor value = file.tensor(info);
    if (name.find(".self_attn.q_proj.") != std::string::npos) {
      value = undo_rotary_permutation(value, config.num_attention_heads);
    } else if (name.find(".self_attn.k_proj.") != std::string::npos) {
      value = undo_rotary_permutation(value, config.num_key_value_heads);
    }
    tensors.emplace_back(name, std::move(value));
  }

  GgufModel loaded;
  loaded.model = engram::model::CausalLM(config);
  load_state_dict(*loaded.model, tensors, path);
  loaded.model->eval();
  loaded.tokenizer = std::make_shared<const tokenizer::Tokenizer>(engram::io::load_gguf_tokenizer(header));
  loaded.context_length = config.max_position_embeddings;
  loaded.summary = file_summary(file, config);
  return loaded;
}

}  // namespace engram::harness::io
