#pragma once
// One GGUF file, memory-mapped once, its header checked (harness/io/gguf_header.h); tensors come
// out dequantised to float32 in LibTorch's row-major shape (ggml's dimensions reversed).

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

#include "harness/io/gguf_header.h"

namespace engram::io {

class MappedFile;

class GgufFile {
 public:
  // Throws std::runtime_error naming the path (and the key or tensor) when the file is malformed.
  static GgufFile open(const std::string& path);
  // Parses bytes held in memory (copied); for tests.
  static GgufFile from_bytes(std::string bytes, const std::string& source);

  const std::string& path() const { return header_.source; }
  const GgufHeader& header() const { return header_; }
  // Throws naming the file and the tensor when it is absent or its type cannot be dequantised.
  at::Tensor tensor(const std::string& name) const;
  at::Tensor tensor(const GgufTensorInfo& info) const;
  const uint8_t* bytes(const GgufTensorInfo& info) const;

 private:
  std::shared_ptr<const MappedFile> file_;
  GgufHeader header_;
};

}  // namespace engram::io
