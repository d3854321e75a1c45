#include "harness/io/safetensors.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engram/atomic_file.h"
#include "harness/io/mapped_file.h"

namespace engram::io {
namespace {

const std::vector<std::pair<std::string, at::ScalarType>>& scalar_types() {
  static const std::vector<std::pair<std::string, at::ScalarType>> table = {
      {"F64", at::kDouble},  {"F32", at::kFloat},        {"F16", at::kHalf},          {"BF16", at::kBFloat16},
      {"F8_E4M3", at::kFloat8_e4m3fn}, {"F8_E5M2", at::kFloat8_e5m2}, {"I64", at::kLong}, {"I32", at::kInt},
      {"I16", at::kShort},   {"I8", at::kChar},          {"U64", at::kUInt64},        {"U32", at::kUInt32},
      {"U16", at::kUInt16},  {"U8", at::kByte},          {"BOOL", at::kBool},
  };
  return table;
}

const std::string& dtype_name_of(at::ScalarType type, const std::string& tensor_name) {
  for (const auto& [name, t] : scalar_types()) {
    if (t == type) return name;
  }
  throw std::invalid_argument("safetensors: tensor '" + tensor_name + "' has dtype " +
                              std::string(c10::toString(type)) + ", which the format cannot hold");
}

}  // namespace

at::ScalarType scalar_type_of(const SafetensorsDtype& dtype) {
  for (const auto& [name, type] : scalar_types()) {
    if (name == dtype.name) return type;
  }
  throw std::runtime_error("safetensors dtype '" + dtype.name + "' has no LibTorch equivalent");
}

SafetensorsReader SafetensorsReader::open(const std::string& path) {
  SafetensorsReader reader;
  reader.path_ = path;
  reader.file_ = MappedFile::map(path);
  reader.header_ = parse_safetensors_header(reader.file_->data(), reader.file_->size(), path);
  return reader;
}

SafetensorsReader SafetensorsReader::from_bytes(std::string bytes, const std::string& source) {
  SafetensorsReader reader;
  reader.path_ = source;
  reader.file_ = MappedFile::hold(std::move(bytes));
  reader.header_ = parse_safetensors_header(reader.file_->data(), reader.file_->size(), source);
  return reader;
}

at::Tensor SafetensorsReader::tensor(const std::string& name) const {
  const SafetensorsEntry* entry = header_.find(name);
  if (entry == nullptr) throw std::runtime_error(path_ + ": no tensor named '" + name + "'");
  return tensor(*entry);
}

at::Tensor SafetensorsReader::tensor(const SafetensorsEntry& entry) const {
  const at::ScalarType type = scalar_type_of(entry.dtype);
  uint8_t* bytes = file_->data() + header_.data_offset + entry.begin;
  const auto options = at::TensorOptions().dtype(type);
  if (entry.end == entry.begin) return at::empty(entry.shape, options);
  if (reinterpret_cast<uintptr_t>(bytes) % entry.dtype.bytes != 0) {
    at::Tensor copy = at::empty(entry.shape, options);
    std::memcpy(copy.data_ptr(), bytes, entry.end - entry.begin);
    return copy;
  }
  std::shared_ptr<const MappedFile> keep_alive = file_;
  return at::from_blob(bytes, entry.shape, [keep_alive](void*) mutable { keep_alive.reset(); }, options);
}

bool SafetensorsFile::contains(const std::string& name) const {
  return std::any_of(tensors.begin(), tensors.end(), [&](const auto& entry) { return entry.first == name; });
}

const at::Tensor& SafetensorsFile::get(const std::string& name) const {
  for (const auto& entry : tensors) {
    if (entry.first == name) return entry.second;
  }
  throw std::runtime_error(source + ": no tensor named '" + name + "'");
}

namespace {
SafetensorsFile collect(const SafetensorsReader& reader) {
  SafetensorsFile file;
  file.source = reader.path();
  file.metadata = reader.header().metadata;
  for (const SafetensorsEntry& entry : reader.header().entries) file.tensors.emplace_back(entry.name, reader.tensor(entry));
  return file;
}
}  // namespace

SafetensorsFile read_safetensors(const std::string& path) { return collect(SafetensorsReader::open(path)); }

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source) {
  return collect(SafetensorsReader::from_bytes(bytes, source));
}

std::string serialize_safetensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (header.contains(name)) throw std::invalid_argument("safetensors: tensor '" + name + "' given twice");
    const std::string& dtype = dtype_name_of(tensor.scalar_type(), name);
    at::Tensor data = tensor.detach().to(at::kCPU).contiguous();
    const uint64_t size = static_cast<uint64_t>(data.nbytes());
    header[name] = {{"dtype", dtype}, {"shape", data.sizes().vec()}, {"data_offsets", {offset, offset + size}}};
    offset += size;
    contiguous.push_back(std::move(data));
  }
  std::string header_text = header.dump();
  header_text.append((8 - (8 + header_text.size()) % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + header_text.size() + offset);
  const uint64_t n = header_text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  out += header_text;
  for (const at::Tensor& data : contiguous) out.append(static_cast<const char*>(data.data_ptr()), data.nbytes());
  return out;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomically(path, serialize_safetensors(tensors, metadata));
}

}  // namespace engram::io
