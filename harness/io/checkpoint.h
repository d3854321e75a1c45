#pragma once
// A model's weights as Hugging Face stores them: one `*.safetensors` file, or shards listed by
// `model.safetensors.index.json` ({"weight_map": {tensor: file}}). Tensors are read lazily from
// memory-mapped shards.

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

#include "harness/io/safetensors.h"

namespace engram::io {

class Checkpoint {
 public:
  // path: a directory (model.safetensors.index.json, else model.safetensors, else the single
  // *.safetensors file in it), an index file, or a .safetensors file. Errors name the file and field.
  static Checkpoint open(const std::string& path);

  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return location_.count(name) != 0; }
  const SafetensorsEntry& entry(const std::string& name) const;
  at::Tensor tensor(const std::string& name) const;
  const std::vector<std::string>& files() const { return files_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::vector<std::string> files_;
  std::vector<SafetensorsReader> shards_;
  std::map<std::string, std::size_t> location_;  // tensor -> shard index
  std::map<std::string, std::string> metadata_;
};

}  // namespace engram::io
