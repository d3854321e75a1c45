#include "harness/io/safetensors.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engram/atomic_file.h"

namespace engram::io {
namespace {

// A header larger than this is not a tensor index but a corrupt or hostile file.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct DtypeInfo {
  const char* name;
  at::ScalarType type;
  std::size_t bytes;
};

const std::vector<DtypeInfo>& dtype_table() {
  static const std::vector<DtypeInfo> table = {
      {"F64", at::kDouble, 8}, {"F32", at::kFloat, 4},  {"F16", at::kHalf, 2},    {"BF16", at::kBFloat16, 2},
      {"I64", at::kLong, 8},   {"I32", at::kInt, 4},    {"I16", at::kShort, 2},   {"I8", at::kChar, 1},
      {"U8", at::kByte, 1},    {"BOOL", at::kBool, 1},  {"F8_E4M3", at::kFloat8_e4m3fn, 1},
      {"F8_E5M2", at::kFloat8_e5m2, 1}, {"U16", at::kUInt16, 2}, {"U32", at::kUInt32, 4}, {"U64", at::kUInt64, 8},
  };
  return table;
}

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::runtime_error(source + ": " + what);
}

}  // namespace

bool SafetensorsFile::contains(const std::string& name) const {
  return std::any_of(tensors.begin(), tensors.end(), [&](const auto& entry) { return entry.first == name; });
}

const at::Tensor& SafetensorsFile::get(const std::string& name) const {
  for (const auto& entry : tensors) {
    if (entry.first == name) return entry.second;
  }
  fail(source, "no tensor named '" + name + "'");
}

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 8) fail(source, "too short for a safetensors header (" + std::to_string(bytes.size()) + " bytes)");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<uint8_t>(bytes[i]);
  if (header_size > kMaxHeaderBytes) fail(source, "header length " + std::to_string(header_size) + " is implausible");
  if (header_size > bytes.size() - 8) {
    fail(source, "header length " + std::to_string(header_size) + " runs past the end of the file (" +
                     std::to_string(bytes.size()) + " bytes): truncated?");
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size));
  } catch (const nlohmann::json::exception& e) {
    fail(source, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(source, "header is not a JSON object");
  const uint64_t data_begin = 8 + header_size;
  const uint64_t data_size = bytes.size() - data_begin;

  SafetensorsFile file;
  file.source = source;
  struct Region {
    uint64_t begin, end;
    std::string name;
    at::Tensor tensor;
  };
  std::vector<Region> regions;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") {
      if (!it->is_object()) fail(source, "field '__metadata__' is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) fail(source, "field '__metadata__." + m.key() + "' is not a string");
        file.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    const auto& entry = *it;
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets")) {
      fail(source, where + ": needs fields 'dtype', 'shape' and 'data_offsets'");
    }
    if (!entry["dtype"].is_string()) fail(source, where + ": field 'dtype' is not a string");
    const std::string dtype = entry["dtype"].get<std::string>();
    const auto& table = dtype_table();
    const auto info = std::find_if(table.begin(), table.end(), [&](const DtypeInfo& d) { return dtype == d.name; });
    if (info == table.end()) fail(source, where + ": unsupported field 'dtype' " + dtype);
    if (!entry["shape"].is_array()) fail(source, where + ": field 'shape' is not an array");
    std::vector<int64_t> shape;
    uint64_t elements = 1;
    for (const auto& dim : entry["shape"]) {
      if (!dim.is_number_unsigned()) fail(source, where + ": field 'shape' holds a non-integer or negative size");
      const uint64_t d = dim.get<uint64_t>();
      if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (d != 0 && elements > std::numeric_limits<uint64_t>::max() / d)) {
        fail(source, where + ": field 'shape' overflows");
      }
      elements *= d;
      shape.push_back(static_cast<int64_t>(d));
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      fail(source, where + ": field 'data_offsets' must be two non-negative integers");
    }
    const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      fail(source, where + ": field 'data_offsets' [" + std::to_string(begin) + ", " + std::to_string(end) +
                       ") lies outside the " + std::to_string(data_size) + "-byte data section");
    }
    if (elements > std::numeric_limits<uint64_t>::max() / info->bytes || elements * info->bytes != end - begin) {
      fail(source, where + ": field 'shape' with dtype " + dtype + " needs " + std::to_string(elements * info->bytes) +
                       " bytes but 'data_offsets' span " + std::to_string(end - begin));
    }
    at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(info->type));
    if (end > begin) std::memcpy(tensor.data_ptr(), bytes.data() + data_begin + begin, end - begin);
    regions.push_back({begin, end, name, std::move(tensor)});
  }
  // File order, which is also what the overlap check needs.
  std::sort(regions.begin(), regions.end(), [](const Region& a, const Region& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < regions.size(); ++i) {
    if (regions[i].begin < regions[i - 1].end) {
      fail(source, "tensors '" + regions[i - 1].name + "' and '" + regions[i].name + "': field 'data_offsets' overlap");
    }
  }
  for (Region& region : regions) file.tensors.emplace_back(std::move(region.name), std::move(region.tensor));
  return file;
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_safetensors(buffer.str(), path);
}

std::string serialize_safetensors(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const auto& table = dtype_table();
    const auto info = std::find_if(table.begin(), table.end(),
                                   [&](const DtypeInfo& d) { return d.type == tensor.scalar_type(); });
    if (info == table.end()) throw std::invalid_argument("safetensors: tensor '" + name + "' has an unsupported dtype");
    at::Tensor data = tensor.detach().to(at::kCPU).contiguous();
    const uint64_t size = static_cast<uint64_t>(data.numel()) * info->bytes;
    header[name] = {{"dtype", info->name}, {"shape", data.sizes().vec()}, {"data_offsets", {offset, offset + size}}};
    offset += size;
    contiguous.push_back(std::move(data));
  }
  std::string header_text = header.dump();
  header_text.append((8 - (8 + header_text.size()) % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + header_text.size() + offset);
  uint64_t n = header_text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  out += header_text;
  for (const at::Tensor& data : contiguous) {
    out.append(static_cast<const char*>(data.data_ptr()), data.nbytes());
  }
  return out;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomically(path, serialize_safetensors(tensors, metadata));
}

}  // namespace engram::io
