#pragma once
// The safetensors header, parsed and checked without LibTorch (so it can be fuzzed on its own):
// 8-byte little-endian length N, N bytes of JSON, then the data section. Every claim the header makes
// (dtype, shape, byte range) is checked against the bytes that are really there.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace engram::io {

// A dtype the format defines, with its element size in bits (sub-byte types are not in the format).
struct SafetensorsDtype {
  std::string name;  // "F32", "BF16", "F8_E4M3", ...
  std::size_t bytes;
};

struct SafetensorsEntry {
  std::string name;
  SafetensorsDtype dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // [begin, end) relative to the data section
  uint64_t end = 0;
  uint64_t numel() const;
};

struct SafetensorsHeader {
  uint64_t data_offset = 0;  // where the data section starts in the file
  uint64_t data_size = 0;
  std::vector<SafetensorsEntry> entries;  // sorted by begin (file order)
  std::map<std::string, std::string> metadata;
  const SafetensorsEntry* find(const std::string& name) const;
};

// Throws std::runtime_error that starts with `source` and names the tensor and field at fault.
SafetensorsHeader parse_safetensors_header(const uint8_t* file, std::size_t file_size, const std::string& source);

// The dtype table of the format; throws naming the dtype when it is not one.
const SafetensorsDtype& safetensors_dtype(const std::string& name);

// The largest header we accept; the format's reference implementation uses the same bound.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

}  // namespace engram::io
