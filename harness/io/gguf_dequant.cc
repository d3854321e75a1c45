#include "harness/io/gguf_dequant.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/util/Half.h>

#include <cstring>
#include <stdexcept>

namespace engram::io {
namespace {

float half(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  return c10::detail::fp16_ieee_to_fp32_value(bits);
}

// One block each: ggml's dequantize_row_* for a single block, writing block_elements floats to y.
void q8_0(const uint8_t* x, float* y) {
  const float d = half(x);
  for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(static_cast<int8_t>(x[2 + j])) * d;
}

void q4_0(const uint8_t* x, float* y) {
  const float d = half(x);
  const uint8_t* qs = x + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
    y[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
  }
}

void q4_1(const uint8_t* x, float* y) {
  const float d = half(x), m = half(x + 2);
  const uint8_t* qs = x + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>(qs[j] & 0x0F) * d + m;
    y[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
  }
}

uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

void q5_0(const uint8_t* x, float* y) {
  const float d = half(x);
  const uint32_t qh = le32(x + 2);
  const uint8_t* qs = x + 6;
  for (int j = 0; j < 16; ++j) {
    const int high0 = static_cast<int>(((qh >> j) << 4) & 0x10);
    const int high1 = static_cast<int>((qh >> (j + 12)) & 0x10);
    y[j] = static_cast<float>(((qs[j] & 0x0F) | high0) - 16) * d;
    y[j + 16] = static_cast<float>(((qs[j] >> 4) | high1) - 16) * d;
  }
}

void q5_1(const uint8_t* x, float* y) {
  const float d = half(x), m = half(x + 2);
  const uint32_t qh = le32(x + 4);
  const uint8_t* qs = x + 8;
  for (int j = 0; j < 16; ++j) {
    const int high0 = static_cast<int>(((qh >> j) << 4) & 0x10);
    const int high1 = static_cast<int>((qh >> (j + 12)) & 0x10);
    y[j] = static_cast<float>((qs[j] & 0x0F) | high0) * d + m;
    y[j + 16] = static_cast<float>((qs[j] >> 4) | high1) * d + m;
  }
}

// The 6-bit scale and min of sub-block j packed in the 12 bytes of a Q4_K/Q5_K block.
void scale_min_k4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = static_cast<uint8_t>((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4));
    min = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void q4_k(const uint8_t* x, float* y) {
  const float d = half(x), dmin = half(x + 2);
  const uint8_t* scales = x + 4;
  const uint8_t* q = x + 16;
  for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
    uint8_t sc, m;
    scale_min_k4(is, scales, sc, m);
    const float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(is + 1, scales, sc, m);
    const float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0x0F) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
  }
}

void q5_k(const uint8_t* x, float* y) {
  const float d = half(x), dmin = half(x + 2);
  const uint8_t* scales = x + 4;
  const uint8_t* qh = x + 16;
  const uint8_t* ql = x + 48;
  uint8_t u1 = 1, u2 = 2;
  for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
    uint8_t sc, m;
    scale_min_k4(is, scales, sc, m);
    const float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(is + 1, scales, sc, m);
    const float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>((ql[l] & 0x0F) + (qh[l] & u1 ? 16 : 0)) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
  }
}

void q6_k(const uint8_t* x, float* y) {
  const uint8_t* ql = x;
  const uint8_t* qh = x + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(x + 192);
  const float d = half(x + 208);
  for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
    }
  }
}

void f32(const uint8_t* x, float* y) { std::memcpy(y, x, 4); }
void f16(const uint8_t* x, float* y) { *y = half(x); }
void bf16(const uint8_t* x, float* y) {
  // bfloat16 is the top half of a float32.
  const uint32_t bits = uint32_t(x[0]) << 16 | uint32_t(x[1]) << 24;
  std::memcpy(y, &bits, 4);
}

using BlockFunction = void (*)(const uint8_t*, float*);

BlockFunction block_function(uint32_t code) {
  switch (code) {
    case ggml::kF32: return f32;
    case ggml::kF16: return f16;
    case ggml::kBF16: return bf16;
    case ggml::kQ8_0: return q8_0;
    case ggml::kQ4_0: return q4_0;
    case ggml::kQ4_1: return q4_1;
    case ggml::kQ5_0: return q5_0;
    case ggml::kQ5_1: return q5_1;
    case ggml::kQ4_K: return q4_k;
    case ggml::kQ5_K: return q5_k;
    case ggml::kQ6_K: return q6_k;
    default: return nullptr;
  }
}

}  // namespace

bool gguf_dequantizable(const GgmlType& type) { return block_function(type.code) != nullptr; }

at::Tensor dequantize_gguf(const GgmlType& type, const uint8_t* bytes, int64_t numel, const std::string& where) {
  const BlockFunction block = block_function(type.code);
  if (!block) {
    throw std::runtime_error(where + ": tensor type " + type.name +
                             " is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)");
  }
  if (numel % type.block_elements != 0) {
    throw std::runtime_error(where + ": " + std::to_string(numel) + " values are not whole " + type.name + " blocks");
  }
  at::Tensor out = at::empty({numel}, at::TensorOptions().dtype(at::kFloat));
  float* y = out.data_ptr<float>();
  const int64_t blocks = numel / type.block_elements;
  at::parallel_for(0, blocks, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) block(bytes + b * type.block_bytes, y + b * type.block_elements);
  });
  return out;
}

}  // namespace engram::io
