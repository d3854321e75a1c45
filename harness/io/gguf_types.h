#pragma once
// The type codes of the GGUF format: metadata value types and ggml tensor types (with their block
// layout), as llama.cpp's ggml.h and gguf.h number them. No LibTorch here.

#include <cstdint>
#include <optional>
#include <string>

namespace engram::io {

enum class GgufValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6,
  kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};

// "UINT32", "ARRAY", ...; nullopt for a code the format does not define.
std::optional<std::string> gguf_value_type_name(uint32_t code);
// Bytes of a scalar value type (0 for STRING and ARRAY, whose size is in the data).
std::size_t gguf_scalar_bytes(GgufValueType type);

// A ggml tensor type: `block_elements` values are stored in `block_bytes` bytes.
struct GgmlType {
  uint32_t code = 0;
  std::string name;  // "F32", "Q4_K", ...
  int64_t block_elements = 1;
  int64_t block_bytes = 0;
};

// nullopt for a code that ggml does not define (or that was removed, like Q4_2).
std::optional<GgmlType> ggml_type(uint32_t code);

namespace ggml {
constexpr uint32_t kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
                   kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15, kBF16 = 30;
}

}  // namespace engram::io
