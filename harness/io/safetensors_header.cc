#include "harness/io/safetensors_header.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace engram::io {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::runtime_error(source + ": " + what);
}

const std::vector<SafetensorsDtype>& dtype_table() {
  static const std::vector<SafetensorsDtype> table = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F8_E4M3", 1}, {"F8_E5M2", 1},
      {"I64", 8}, {"I32", 4}, {"I16", 2}, {"I8", 1},   {"U64", 8},     {"U32", 4},
      {"U16", 2}, {"U8", 1},  {"BOOL", 1},
  };
  return table;
}

}  // namespace

uint64_t SafetensorsEntry::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

const SafetensorsEntry* SafetensorsHeader::find(const std::string& name) const {
  for (const auto& entry : entries) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

const SafetensorsDtype& safetensors_dtype(const std::string& name) {
  const auto& table = dtype_table();
  const auto it = std::find_if(table.begin(), table.end(), [&](const SafetensorsDtype& d) { return d.name == name; });
  if (it == table.end()) throw std::runtime_error("unsupported safetensors dtype '" + name + "'");
  return *it;
}

namespace {

// The 8-byte little-endian length, then that many bytes of JSON.
nlohmann::json read_header_json(const uint8_t* file, std::size_t file_size, const std::string& source,
                                uint64_t& header_size) {
  if (file_size < 8) fail(source, "too short for a safetensors header (" + std::to_string(file_size) + " bytes)");
  header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | file[i];
  if (header_size > kMaxSafetensorsHeaderBytes) {
    fail(source, "header length " + std::to_string(header_size) + " is implausible (limit " +
                     std::to_string(kMaxSafetensorsHeaderBytes) + ")");
  }
  if (header_size > file_size - 8) {
    fail(source, "header length " + std::to_string(header_size) + " runs past the end of the file (" +
                     std::to_string(file_size) + " bytes): truncated?");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(file + 8, file + 8 + header_size);
  } catch (const nlohmann::json::exception& e) {
    fail(source, std::string("header is not valid JSON: ") + e.what());
  }
  if (!json.is_object()) fail(source, "header is not a JSON object");
  return json;
}

void read_metadata(const nlohmann::json& value, const std::string& source, SafetensorsHeader& header) {
  if (!value.is_object()) fail(source, "field '__metadata__' is not an object");
  for (auto m = value.begin(); m != value.end(); ++m) {
    if (!m->is_string()) fail(source, "field '__metadata__." + m.key() + "' is not a string");
    header.metadata[m.key()] = m->get<std::string>();
  }
}

// The shape's dimensions into entry.shape; returns the element count, refusing overflow.
uint64_t read_shape(const nlohmann::json& shape, const std::string& where, const std::string& source,
                    SafetensorsEntry& entry) {
  if (!shape.is_array()) fail(source, where + ": field 'shape' is not an array");
  uint64_t elements = 1;
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned()) fail(source, where + ": field 'shape' holds a non-integer or negative size");
    const uint64_t d = dim.get<uint64_t>();
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (d != 0 && elements > std::numeric_limits<uint64_t>::max() / d)) {
      fail(source, where + ": field 'shape' overflows");
    }
    elements *= d;
    entry.shape.push_back(static_cast<int64_t>(d));
  }
  return elements;
}

SafetensorsEntry read_entry(const std::string& name, const nlohmann::json& value, uint64_t data_size,
                            const std::string& source) {
  const std::string where = "tensor '" + name + "'";
  if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets")) {
    fail(source, where + ": needs fields 'dtype', 'shape' and 'data_offsets'");
  }
  SafetensorsEntry entry;
  entry.name = name;
  if (!value["dtype"].is_string()) fail(source, where + ": field 'dtype' is not a string");
  try {
    entry.dtype = safetensors_dtype(value["dtype"].get<std::string>());
  } catch (const std::runtime_error& e) {
    fail(source, where + ": field 'dtype': " + e.what());
  }
  const uint64_t elements = read_shape(value["shape"], where, source, entry);
  const auto& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    fail(source, where + ": field 'data_offsets' must be two non-negative integers");
  }
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.begin > entry.end || entry.end > data_size) {
    fail(source, where + ": field 'data_offsets' [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                     ") lies outside the " + std::to_string(data_size) + "-byte data section");
  }
  if (elements > std::numeric_limits<uint64_t>::max() / entry.dtype.bytes ||
      elements * entry.dtype.bytes != entry.end - entry.begin) {
    fail(source, where + ": field 'shape' " + value["shape"].dump() + " with dtype " + entry.dtype.name +
                     " does not match the " + std::to_string(entry.end - entry.begin) + " bytes of 'data_offsets'");
  }
  return entry;
}

// Entries sorted by offset must not share bytes.
void refuse_overlaps(const std::vector<SafetensorsEntry>& sorted, const std::string& source) {
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].begin < sorted[i - 1].end) {
      fail(source, "tensors '" + sorted[i - 1].name + "' and '" + sorted[i].name + "': field 'data_offsets' overlap");
    }
  }
}

}  // namespace

SafetensorsHeader parse_safetensors_header(const uint8_t* file, std::size_t file_size, const std::string& source) {
  uint64_t header_size = 0;
  const nlohmann::json json = read_header_json(file, file_size, source, header_size);
  SafetensorsHeader header;
  header.data_offset = 8 + header_size;
  header.data_size = file_size - header.data_offset;
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it.key() == "__metadata__") {
      read_metadata(*it, source, header);
    } else {
      header.entries.push_back(read_entry(it.key(), *it, header.data_size, source));
    }
  }
  std::sort(header.entries.begin(), header.entries.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) { return a.begin < b.begin; });
  refuse_overlaps(header.entries, source);
  return header;
}

}  // namespace engram::io
