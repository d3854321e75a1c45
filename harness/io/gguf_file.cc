#include "harness/io/gguf_file.h"

#include <stdexcept>

#include "harness/io/gguf_dequant.h"
#include "harness/io/mapped_file.h"

namespace engram::io {

GgufFile GgufFile::open(const std::string& path) {
  GgufFile file;
  file.file_ = MappedFile::map(path);
  file.header_ = parse_gguf_header(file.file_->data(), file.file_->size(), path);
  return file;
}

GgufFile GgufFile::from_bytes(std::string bytes, const std::string& source) {
  GgufFile file;
  file.file_ = MappedFile::hold(std::move(bytes));
  file.header_ = parse_gguf_header(file.file_->data(), file.file_->size(), source);
  return file;
}

const uint8_t* GgufFile::bytes(const GgufTensorInfo& info) const {
  return file_->data() + header_.data_offset + info.offset;
}

at::Tensor GgufFile::tensor(const std::string& name) const {
  const GgufTensorInfo* info = header_.find_tensor(name);
  if (!info) header_.fail("tensor '" + name + "' is not in the file");
  return tensor(*info);
}

at::Tensor GgufFile::tensor(const GgufTensorInfo& info) const {
  const std::string where = header_.source + ": tensor '" + info.name + "'";
  return dequantize_gguf(info.type, bytes(info), info.numel(), where).view(info.torch_shape());
}

}  // namespace engram::io
