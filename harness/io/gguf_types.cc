#include "harness/io/gguf_types.h"

#include <array>

namespace engram::io {

std::optional<std::string> gguf_value_type_name(uint32_t code) {
  static const std::array<const char*, 13> names = {"UINT8", "INT8",    "UINT16", "INT16",  "UINT32", "INT32",  "FLOAT32",
                                                    "BOOL",  "STRING",  "ARRAY",  "UINT64", "INT64",  "FLOAT64"};
  if (code >= names.size()) return std::nullopt;
  return std::string(names[code]);
}

std::size_t gguf_scalar_bytes(GgufValueType type) {
  switch (type) {
    case GgufValueType::kUint8: case GgufValueType::kInt8: case GgufValueType::kBool: return 1;
    case GgufValueType::kUint16: case GgufValueType::kInt16: return 2;
    case GgufValueType::kUint32: case GgufValueType::kInt32: case GgufValueType::kFloat32: return 4;
    case GgufValueType::kUint64: case GgufValueType::kInt64: case GgufValueType::kFloat64: return 8;
    case GgufValueType::kString: case GgufValueType::kArray: return 0;
  }
  return 0;
}

std::optional<GgmlType> ggml_type(uint32_t code) {
  // ggml.c's type_traits: block size and bytes per block (QK_K = 256 for the K-quants).
  struct Row { uint32_t code; const char* name; int64_t elements; int64_t bytes; };
  static const Row table[] = {
      {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},     {3, "Q4_1", 32, 20},
      {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},      {8, "Q8_0", 32, 34},     {9, "Q8_1", 32, 40},
      {10, "Q2_K", 256, 84},    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},  {13, "Q5_K", 256, 176},
      {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74},
      {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},   {20, "IQ4_NL", 32, 18},  {21, "IQ3_S", 256, 110},
      {22, "IQ2_S", 256, 82},   {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},        {25, "I16", 1, 2},
      {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},       {29, "IQ1_M", 256, 56},
      {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},   {35, "TQ2_0", 256, 66},  {39, "MXFP4", 32, 17},     {40, "NVFP4", 64, 36},   {41, "Q1_0", 128, 18},
  };
  for (const Row& row : table) {
    if (row.code == code) return GgmlType{row.code, row.name, row.elements, row.bytes};
  }
  return std::nullopt;
}

}  // namespace engram::io
