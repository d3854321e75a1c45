#pragma once
// The GGUF header (llama.cpp's model file format, versions 2 and 3), parsed and checked without
// LibTorch so it can be fuzzed on its own: magic, version, metadata key/values of every type
// (arrays nested to any reasonable depth), tensor infos, general.alignment and the data section.
// Every count, length and offset is checked against the bytes that are really there; errors start
// with the source (the file) and name the key or tensor at fault.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "harness/io/gguf_types.h"

namespace engram::io {

struct GgufValue {
  GgufValueType type = GgufValueType::kUint8;
  uint64_t unsigned_value = 0;  // UINT8..UINT64, BOOL
  int64_t signed_value = 0;     // INT8..INT64
  double float_value = 0;       // FLOAT32, FLOAT64
  std::string string_value;     // STRING
  GgufValueType element_type = GgufValueType::kUint8;  // ARRAY
  std::vector<GgufValue> elements;                      // ARRAY

  bool is_integer() const;
  bool is_number() const;
  std::string type_name() const;  // "UINT32", "ARRAY[STRING]", ...
};

// The value as JSON (numbers, strings, booleans, nested lists). Arrays longer than `max_elements`
// become {"type", "length", "first": the first max_elements} (a vocabulary has tens of thousands).
nlohmann::json gguf_value_json(const GgufValue& value,
                               std::size_t max_elements = std::numeric_limits<std::size_t>::max());

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> dims;  // ggml order: dims[0] is the contiguous (innermost) one
  GgmlType type;
  uint64_t offset = 0;  // relative to the data section
  uint64_t bytes = 0;
  int64_t numel() const;
  std::vector<int64_t> torch_shape() const;  // dims reversed: row-major, outermost first
};

class GgufHeader {
 public:
  std::string source;  // the file, for error messages
  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;  // where the data section starts in the file
  uint64_t data_size = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata;  // file order
  std::vector<GgufTensorInfo> tensors;                      // file order

  const GgufValue* find(const std::string& key) const;
  const GgufTensorInfo* find_tensor(const std::string& name) const;

  // Typed reads; nullopt when the key is absent, and an error naming the file, the key and both
  // types when it holds another type.
  std::optional<int64_t> integer(const std::string& key) const;  // any integer type that fits
  std::optional<double> number(const std::string& key) const;    // integer or float
  std::optional<std::string> string(const std::string& key) const;
  std::optional<bool> boolean(const std::string& key) const;
  // The elements of an array whose elements have `element_type`; nullptr when absent.
  const std::vector<GgufValue>* array(const std::string& key, GgufValueType element_type) const;
  // The same, but the key must be present.
  int64_t required_integer(const std::string& key) const;
  std::string required_string(const std::string& key) const;

  [[noreturn]] void fail(const std::string& what) const;

 private:
  friend GgufHeader parse_gguf_header(const uint8_t*, std::size_t, const std::string&);
  std::map<std::string, std::size_t> key_index_;
  std::map<std::string, std::size_t> tensor_index_;
};

// Throws std::runtime_error that starts with `source`.
GgufHeader parse_gguf_header(const uint8_t* file, std::size_t file_size, const std::string& source);

// Nested arrays deeper than this are refused (the format sets no bound; the stack needs one).
constexpr int kMaxGgufArrayDepth = 8;
constexpr uint32_t kMaxGgufDims = 4;  // GGML_MAX_DIMS

}  // namespace engram::io
