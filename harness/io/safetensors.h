#pragma once
// safetensors files: an 8-byte little-endian header length N, N bytes of JSON header, then the raw
// little-endian tensor data. The reader checks everything the header claims against the file
// before touching the data; the writer is atomic (temporary file, then rename).

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace engram::io {

struct SafetensorsFile {
  std::vector<std::pair<std::string, at::Tensor>> tensors;  // in file order
  std::map<std::string, std::string> metadata;

  bool contains(const std::string& name) const;
  // Throws naming the file and the tensor when missing.
  const at::Tensor& get(const std::string& name) const;
  std::string source;  // the path it was read from, for error messages
};

// Errors name the file and, where it applies, the tensor and the field.
SafetensorsFile read_safetensors(const std::string& path);
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source);

// Tensors are written contiguous on the CPU in the given order.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});
std::string serialize_safetensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

}  // namespace engram::io
