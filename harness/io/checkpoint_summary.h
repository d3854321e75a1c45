#pragma once
// What `engram-bench inspect` reports about a checkpoint: its tensors and their parameter counts
// grouped by role, read from the tensor names Hugging Face and our Engram extension use.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace engram::io {

struct TensorInfo {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string file;
  uint64_t numel() const;
};

// "embedding", "lm_head", "attention", "dense_ffn", "shared_experts", "routed_experts", "router",
// "engram", "hyper_connections", "norm" or "other".
std::string parameter_group(const std::string& tensor_name);

struct ParameterSummary {
  std::map<std::string, uint64_t> by_group;  // parameters per group
  std::map<std::string, uint64_t> by_dtype;  // parameters per dtype
  uint64_t total = 0;
  uint64_t bytes = 0;
};

ParameterSummary summarize(const std::vector<TensorInfo>& tensors);

}  // namespace engram::io
