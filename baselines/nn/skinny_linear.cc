#include "baselines/nn/skinny_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <c10/util/BFloat16.h>
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

// GCC 12 reports _mm512_reduce_add_ps's deliberately undefined upper lanes (_mm256_undefined_pd)
// as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace engram::model {
namespace {

#define ENGRAM_AVX512 __attribute__((target("avx512f,avx512bw,avx512bf16")))
#define ENGRAM_AVX512_INLINE inline __attribute__((target("avx512f,avx512bw,avx512bf16"), always_inline))

bool enabled_by_environment() {
  const char* value = std::getenv("ENGRAM_SKINNY_LINEAR");
  return value == nullptr || std::strcmp(value, "0") != 0;
}

bool cpu_has_avx512() {
  static const bool has = enabled_by_environment() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return has;
}

bool cpu_has_avx512_bf16() {
  static const bool has = cpu_has_avx512() && __builtin_cpu_supports("avx512bf16");
  return has;
}

// One element type's loads and multiply-adds, 32 bfloat16 or 16 float32 lanes per step.
struct Bf16Lanes {
  using Element = c10::BFloat16;
  using Vector = __m512bh;
  using Mask = __mmask32;
  static constexpr int64_t kLanes = 32;
  ENGRAM_AVX512_INLINE static Vector load(const Element* p) { return (__m512bh)_mm512_loadu_si512(p); }
  ENGRAM_AVX512_INLINE static Vector load(const Element* p, Mask m) { return (__m512bh)_mm512_maskz_loadu_epi16(m, p); }
  ENGRAM_AVX512_INLINE static __m512 multiply_add(__m512 acc, Vector w, Vector x) { return _mm512_dpbf16_ps(acc, w, x); }
  static Mask tail_mask(int64_t n) { return static_cast<Mask>((uint64_t{1} << n) - 1); }
};

struct Float32Lanes {
  using Element = float;
  using Vector = __m512;
  using Mask = __mmask16;
  static constexpr int64_t kLanes = 16;
  ENGRAM_AVX512_INLINE static Vector load(const Element* p) { return _mm512_loadu_ps(p); }
  ENGRAM_AVX512_INLINE static Vector load(const Element* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  ENGRAM_AVX512_INLINE static __m512 multiply_add(__m512 acc, Vector w, Vector x) { return _mm512_fmadd_ps(w, x, acc); }
  static Mask tail_mask(int64_t n) { return static_cast<Mask>((uint32_t{1} << n) - 1); }
};

// out[m][n] = x[m] . w[n] + bias[n] for each weight row n in [n_begin, n_end) and the M input rows,
// accumulated in float32 and rounded once into the output element type. One weight row at a time,
// so the weight is read as one sequential stream (on this VM's EPYC one stream reached 20 GB/s where
// four rows side by side reached 11), with two accumulators per input row so that consecutive
// multiply-adds do not wait on each other.
template <typename L, int M>
ENGRAM_AVX512 void dot_rows(const typename L::Element* x, const typename L::Element* w, int64_t K, int64_t N,
                            int64_t n_begin, int64_t n_end, const typename L::Element* bias, typename L::Element* out) {
  constexpr int64_t V = L::kLanes;
  const int64_t k_pairs = K - K % (2 * V), k_full = K - K % V;
  const typename L::Mask tail = L::tail_mask(K - k_full);
  for (int64_t n = n_begin; n < n_end; ++n) {
    const typename L::Element* row = w + n * K;
    __m512 even[M], odd[M];
    for (int m = 0; m < M; ++m) even[m] = odd[m] = _mm512_setzero_ps();
    for (int64_t k = 0; k < k_pairs; k += 2 * V) {
      const typename L::Vector w0 = L::load(row + k), w1 = L::load(row + k + V);
      for (int m = 0; m < M; ++m) {
        even[m] = L::multiply_add(even[m], w0, L::load(x + m * K + k));
        odd[m] = L::multiply_add(odd[m], w1, L::load(x + m * K + k + V));
      }
    }
    if (k_pairs < k_full) {
      const typename L::Vector w0 = L::load(row + k_pairs);
      for (int m = 0; m < M; ++m) even[m] = L::multiply_add(even[m], w0, L::load(x + m * K + k_pairs));
    }
    if (k_full < K) {
      const typename L::Vector w0 = L::load(row + k_full, tail);
      for (int m = 0; m < M; ++m) odd[m] = L::multiply_add(odd[m], w0, L::load(x + m * K + k_full, tail));
    }
    for (int m = 0; m < M; ++m) {
      float sum = _mm512_reduce_add_ps(_mm512_add_ps(even[m], odd[m]));
      if (bias != nullptr) sum += static_cast<float>(bias[n]);
      out[m * N + n] = static_cast<typename L::Element>(sum);
    }
  }
}

template <typename L>
void run(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::Tensor& out, int64_t rows) {
  using E = typename L::Element;
  const E* xp = x.data_ptr<E>();
  const E* wp = weight.data_ptr<E>();
  const E* bp = bias.defined() ? bias.data_ptr<E>() : nullptr;
  E* op = out.data_ptr<E>();
  const int64_t N = weight.size(0), K = weight.size(1);
  // Blocks of about 256 KiB of weight per task: enough to hide a task's start, and splits the
  // vocabulary projection (56 MB in bfloat16 for SmolLM2) across every thread.
  const int64_t grain_rows = std::max<int64_t>(1, (256 * 1024) / (K * static_cast<int64_t>(sizeof(E))));
  at::parallel_for(0, (N + grain_rows - 1) / grain_rows, 1, [&](int64_t begin, int64_t end) {
    const int64_t n_begin = begin * grain_rows, n_end = std::min(N, end * grain_rows);
    if (rows == 1) return dot_rows<L, 1>(xp, wp, K, N, n_begin, n_end, bp, op);
    return dot_rows<L, 2>(xp, wp, K, N, n_begin, n_end, bp, op);
  });
}

}  // namespace

bool skinny_linear_serves(const at::Tensor& input, const at::Tensor& weight) {
  if (!input.defined() || !weight.defined() || input.dim() < 1 || weight.dim() != 2) return false;
  if (!input.device().is_cpu() || !weight.device().is_cpu() || !weight.is_contiguous()) return false;
  if (input.scalar_type() != weight.scalar_type() || input.size(-1) != weight.size(1) || weight.size(1) == 0) return false;
  if (c10::GradMode::is_enabled() && (input.requires_grad() || weight.requires_grad())) return false;
  const int64_t rows = input.numel() / weight.size(1);
  if (rows < 1 || rows > kSkinnyLinearMaxRows) return false;
  if (input.scalar_type() == at::kBFloat16) return cpu_has_avx512_bf16();
  if (input.scalar_type() == at::kFloat) return cpu_has_avx512();
  return false;
}

at::Tensor skinny_linear(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias) {
  TORCH_CHECK(skinny_linear_serves(input, weight), "skinny_linear: unsupported input ", input.sizes(), " ",
              input.scalar_type(), " for weight ", weight.sizes(), " ", weight.scalar_type());
  TORCH_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0) &&
                                  bias.scalar_type() == weight.scalar_type() && bias.device().is_cpu()),
              "skinny_linear: bias must be [", weight.size(0), "] in the weight's dtype");
  const at::Tensor x = input.contiguous();
  const int64_t rows = x.numel() / weight.size(1);
  std::vector<int64_t> sizes = input.sizes().vec();
  sizes.back() = weight.size(0);
  at::Tensor out = at::empty(sizes, input.options());
  const at::Tensor b = bias.defined() ? bias.contiguous() : at::Tensor();
  if (input.scalar_type() == at::kBFloat16) {
    run<Bf16Lanes>(x, weight, b, out, rows);
  } else {
    run<Float32Lanes>(x, weight, b, out, rows);
  }
  return out;
}

}  // namespace engram::model
