#pragma once
// safetensors files: memory-mapped reading with every header claim checked against the file
// (harness/io/safetensors_header.h), and atomic writing (temporary file, then rename).

#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/io/safetensors_header.h"

namespace engram::io {

class MappedFile;

// One file, mapped once. Tensors are views into the mapping when their bytes are aligned for their
// dtype (the mapping lives as long as any such tensor), copies otherwise. The mapping is private:
// writing to a tensor never changes the file.
class SafetensorsReader {
 public:
  static SafetensorsReader open(const std::string& path);
  // Parses bytes held in memory (copied); for tests and fuzzing.
  static SafetensorsReader from_bytes(std::string bytes, const std::string& source);

  const std::string& path() const { return path_; }
  const SafetensorsHeader& header() const { return header_; }
  bool contains(const std::string& name) const { return header_.find(name) != nullptr; }
  // Throws naming the file when the tensor is absent.
  at::Tensor tensor(const std::string& name) const;
  at::Tensor tensor(const SafetensorsEntry& entry) const;

 private:
  std::string path_;
  std::shared_ptr<const MappedFile> file_;
  SafetensorsHeader header_;
};

at::ScalarType scalar_type_of(const SafetensorsDtype& dtype);

// A whole file read eagerly into named tensors, in file order.
struct SafetensorsFile {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  std::map<std::string, std::string> metadata;
  std::string source;  // the path it was read from, for error messages

  bool contains(const std::string& name) const;
  // Throws naming the file and the tensor when missing.
  const at::Tensor& get(const std::string& name) const;
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
