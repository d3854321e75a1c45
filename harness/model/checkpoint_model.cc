#include "harness/model/checkpoint_model.h"

#include <filesystem>
#include <regex>

#include "engram/state_dict.h"
#include "harness/io/checkpoint.h"
#include "harness/io/hf_config.h"
#include "harness/model/engram_hashing.h"

namespace engram::harness {

CheckpointModel load_causal_lm(const std::string& path, const std::vector<int64_t>& lookup_table,
                               bool tables_in_module) {
  model::ModelConfig config = io::load_hf_config(path);
  if (config.engram) config.engram->table_in_module = tables_in_module;
  CheckpointModel loaded;
  loaded.model = model::CausalLM(config, engram_hash_mapping(config, lookup_table, path));
  const io::Checkpoint checkpoint = io::Checkpoint::open(path);
  // DeepSeek-V3 checkpoints carry multi-token-prediction layers after the last decoder layer;
  // transformers skips them and so do we.
  static const std::regex layer_index(R"(^model\.layers\.(\d+)\.)");
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const std::string& name : checkpoint.names()) {
    std::smatch match;
    if (std::regex_search(name, match, layer_index) && std::stoll(match[1]) >= config.num_hidden_layers) {
      loaded.ignored_tensors.push_back(name);
      continue;
    }
    static const std::string table_suffix = ".engram.multi_head_embedding.embedding.weight";
    if (!tables_in_module && name.size() > table_suffix.size() &&
        name.compare(name.size() - table_suffix.size(), table_suffix.size(), table_suffix) == 0 &&
        std::regex_search(name, match, layer_index)) {
      loaded.engram_tables[std::stoll(match[1])] = checkpoint.tensor(name);
      continue;
    }
    tensors.emplace_back(name, checkpoint.tensor(name));
  }
  load_state_dict(*loaded.model, tensors, path);
  loaded.model->eval();
  return loaded;
}

}  // namespace engram::harness
