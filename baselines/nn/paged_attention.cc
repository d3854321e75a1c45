#include "baselines/nn/paged_attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <c10/util/BFloat16.h>
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "baselines/nn/kv_cache.h"
#include "baselines/nn/step_masks.h"

// GCC 12 reports _mm512_reduce_add_ps's deliberately undefined upper lanes as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace engram::model {
namespace {

#define ENGRAM_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#define ENGRAM_AVX512_INLINE inline __attribute__((target("avx512f,avx512bw,avx512vl"), always_inline))

constexpr int64_t kLanes = 16;

// The variable is read at every call (a few hundred per decode step), so that a test or a
// comparison can turn the path off and on in one process.
bool cpu_serves() {
  static const bool has_avx512 =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  const char* value = std::getenv("ENGRAM_PAGED_ATTENTION");
  return has_avx512 && (value == nullptr || std::strcmp(value, "0") != 0);
}

__mmask16 tail_mask(int64_t n) { return static_cast<__mmask16>((uint32_t{1} << n) - 1); }

// Pool elements widened to float32 lanes.
struct Float32Pool {
  using Element = float;
  ENGRAM_AVX512_INLINE static __m512 load(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
};

struct Bf16Pool {
  using Element = c10::BFloat16;
  // A bfloat16 is the upper half of a float32.
  ENGRAM_AVX512_INLINE static __m512 load(const c10::BFloat16* p, __mmask16 m) {
    const __m256i half = _mm256_maskz_loadu_epi16(m, p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
  }
};

// One key head's view of a pool: entry `slot` starts at data + slot * slot_stride; `width` lanes.
template <class E>
struct Part {
  const E* data = nullptr;
  int64_t slot_stride = 0, width = 0;
  const E* at(int64_t slot) const { return data + slot * slot_stride; }
};

// The sums of 16 vectors' lanes, lane j holding v[j]'s: a transpose-and-add tree (45 instructions)
// instead of 16 horizontal reductions (about 10 each).
ENGRAM_AVX512_INLINE __m512 sum_lanes_16(const __m512* v) {
  __m512 pairs[8], quads[4];
  for (int i = 0; i < 8; ++i) {
    pairs[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(pairs[2 * i]), b = _mm512_castps_pd(pairs[2 * i + 1]);
    quads[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)), _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  }
  // Each 128-bit chunk of quads[i] now holds that chunk's sums of v[4i .. 4i + 3].
  const __m512 low = _mm512_add_ps(_mm512_shuffle_f32x4(quads[0], quads[1], 0x88), _mm512_shuffle_f32x4(quads[0], quads[1], 0xDD));
  const __m512 high = _mm512_add_ps(_mm512_shuffle_f32x4(quads[2], quads[3], 0x88), _mm512_shuffle_f32x4(quads[2], quads[3], 0xDD));
  return _mm512_add_ps(_mm512_shuffle_f32x4(low, high, 0x88), _mm512_shuffle_f32x4(low, high, 0xDD));
}

// acc[j] += q . key_j over `width` lanes for a block of 16 keys (a fixed count, so that the
// accumulators stay in registers).
template <class L>
ENGRAM_AVX512_INLINE void dot_block(__m512* acc, const float* q, const typename L::Element* const* keys, int64_t width) {
  for (int64_t d = 0; d < width; d += kLanes) {
    const __mmask16 m = width - d >= kLanes ? __mmask16{0xFFFF} : tail_mask(width - d);
    const __m512 lanes = _mm512_maskz_loadu_ps(m, q + d);
#pragma GCC unroll 16
    for (int j = 0; j < kLanes; ++j) acc[j] = _mm512_fmadd_ps(lanes, L::load(keys[j] + d, m), acc[j]);
  }
}

// scores[qi * ld + j] = scale * q_qi . key(slots[j]) for the `queries` query vectors of one key head
// (each key_width + extra_width floats, contiguous; query qi is token qi % length); keys a token may
// not see (visible[t * visible_ld + j] false) get the lowest float, which the softmax turns into a
// weight of exactly 0. visible null: every key. Keys go 16 at a time, so that 16 dot products end
// in one reduction tree.
template <class L>
ENGRAM_AVX512 void score_keys(const float* q, int64_t queries, int64_t length, const Part<typename L::Element>& key,
                              const Part<typename L::Element>& extra, const int64_t* slots, int64_t count, float scale,
                              const bool* visible, int64_t visible_ld, float* scores, int64_t ld) {
  using E = typename L::Element;
  const int64_t q_width = key.width + extra.width;
  const __m512 scaled = _mm512_set1_ps(scale), lowest = _mm512_set1_ps(std::numeric_limits<float>::lowest());
  for (int64_t first = 0; first < count; first += kLanes) {
    const int64_t n = std::min(kLanes, count - first);
    const __mmask16 in_block = tail_mask(n);
    const E* keys[kLanes];
    const E* extras[kLanes];
    // A short last block repeats its first key; those lanes are not stored.
    for (int64_t j = 0; j < kLanes; ++j) {
      const int64_t slot = slots[first + (j < n ? j : 0)];
      keys[j] = key.at(slot);
      extras[j] = extra.data ? extra.at(slot) : nullptr;
    }
    for (int64_t qi = 0; qi < queries; ++qi) {
      __mmask16 seen = in_block;
      if (visible) {
        const bool* row = visible + (qi % length) * visible_ld + first;
        seen = 0;
        for (int64_t j = 0; j < n; ++j) seen |= static_cast<__mmask16>(row[j] ? 1u << j : 0u);
      }
      float* out = scores + qi * ld + first;
      if (seen == 0) {
        _mm512_mask_storeu_ps(out, in_block, lowest);
        continue;
      }
      __m512 acc[kLanes];
#pragma GCC unroll 16
      for (int j = 0; j < kLanes; ++j) acc[j] = _mm512_setzero_ps();
      const float* query = q + qi * q_width;
      dot_block<L>(acc, query, keys, key.width);
      if (extra.data) dot_block<L>(acc, query + key.width, extras, extra.width);
      const __m512 dots = _mm512_mul_ps(sum_lanes_16(acc), scaled);
      _mm512_mask_storeu_ps(out, in_block, _mm512_mask_blend_ps(seen, lowest, dots));
    }
  }
}

// Keys whose values go through registers together: 64 float32 values of 64 keys are 16 KiB, which
// stay in the first-level cache while every query of the key head adds them.
constexpr int64_t kValueBlock = 64;
constexpr int64_t kValueChunks = 4;  // output lanes held in registers: 4 x 16

// out[qi] += sum_j weights[qi * ld + j] * value(slots[j]) for the queries of one key head.
template <class L>
ENGRAM_AVX512 void add_values(const float* weights, int64_t queries, int64_t ld, const Part<typename L::Element>& value,
                              const int64_t* slots, int64_t count, float* out) {
  using E = typename L::Element;
  const int64_t width = value.width;
  for (int64_t first = 0; first < count; first += kValueBlock) {
    const int64_t n = std::min(kValueBlock, count - first);
    const E* values[kValueBlock];
    for (int64_t j = 0; j < n; ++j) values[j] = value.at(slots[first + j]);
    for (int64_t qi = 0; qi < queries; ++qi) {
      const float* w = weights + qi * ld + first;
      bool any = false;
      for (int64_t j = 0; j < n; ++j) any |= w[j] != 0.0f;
      if (!any) continue;  // masked keys (padding, a later draft token)
      // Four chunks of 16 lanes at a time, always (lanes past the width masked off and never stored),
      // so that the accumulators stay in registers.
      for (int64_t d0 = 0; d0 < width; d0 += kValueChunks * kLanes) {
        __m512 acc[kValueChunks];
        __mmask16 masks[kValueChunks];
#pragma GCC unroll 4
        for (int c = 0; c < kValueChunks; ++c) {
          const int64_t left = std::max<int64_t>(0, width - d0 - c * kLanes);
          masks[c] = left >= kLanes ? __mmask16{0xFFFF} : tail_mask(left);
          acc[c] = _mm512_maskz_loadu_ps(masks[c], out + qi * width + d0 + c * kLanes);
        }
        for (int64_t j = 0; j < n; ++j) {
          if (w[j] == 0.0f) continue;
          const __m512 weight = _mm512_set1_ps(w[j]);
#pragma GCC unroll 4
          for (int c = 0; c < kValueChunks; ++c) {
            acc[c] = _mm512_fmadd_ps(weight, L::load(values[j] + d0 + c * kLanes, masks[c]), acc[c]);
          }
        }
#pragma GCC unroll 4
        for (int c = 0; c < kValueChunks; ++c) _mm512_mask_storeu_ps(out + qi * width + d0 + c * kLanes, masks[c], acc[c]);
      }
    }
  }
}

template <class E>
Part<E> part(const at::Tensor& pool, int64_t head) {
  if (!pool.defined()) return {};
  const int64_t heads = pool.size(1), width = pool.size(2);
  return {pool.data_ptr<E>() + head * width, heads * width, width};
}

// Keys of a shared prefix per block: small enough that a block's keys or values stay in the first-level
// cache while every row of the range uses them, so the prefix is read from memory once per step.
constexpr int64_t kPrefixBlock = 32;

// One piece of work: one key head, a run of rows that share `prefix` (or none).
struct WorkItem {
  int64_t head = 0, first_row = 0, rows = 0;
  const int64_t* prefix = nullptr;
  int64_t prefix_length = 0;
};

template <class L>
at::Tensor run(const PagedAttentionInputs& in) {
  using E = typename L::Element;
  const PagedStep& step = *in.step;
  const at::Tensor q = in.q.to(at::kFloat).contiguous();
  const int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), q_width = q.size(3);
  const int64_t key_heads = in.key_pool.size(1), group = heads / key_heads, queries = group * length;
  const int64_t value_width = in.value_pool.size(2);
  const at::Tensor read_slots = step.read_slots.contiguous();
  const int64_t own = read_slots.size(1);

  // Work items head by head, so that the items running together read the same prefix; each range of
  // rows split so that every thread has work.
  std::vector<at::Tensor> prefix_slots;
  std::vector<WorkItem> items;
  int64_t longest_prefix = 0;
  const int64_t threads = std::max<int64_t>(1, at::get_num_threads());
  const auto add_range = [&](int64_t first_row, int64_t rows, const at::Tensor& slots) {
    const int64_t pieces = std::min(rows, threads), per_piece = (rows + pieces - 1) / pieces;
    for (int64_t h = 0; h < key_heads; ++h) {
      for (int64_t row = first_row; row < first_row + rows; row += per_piece) {
        WorkItem item{h, row, std::min(per_piece, first_row + rows - row), nullptr, 0};
        if (slots.defined()) {
          item.prefix = slots.data_ptr<int64_t>();
          item.prefix_length = slots.numel();
        }
        items.push_back(item);
      }
    }
  };
  if (step.shared.empty()) add_range(0, batch, {});
  for (const PagedStep::SharedRows& range : step.shared) {
    if (range.slots.defined()) {
      prefix_slots.push_back(range.slots.contiguous());
      longest_prefix = std::max(longest_prefix, prefix_slots.back().numel());
    }
    add_range(range.first_row, range.rows, range.slots.defined() ? prefix_slots.back() : at::Tensor());
  }
  std::stable_sort(items.begin(), items.end(), [](const WorkItem& a, const WorkItem& b) { return a.head < b.head; });
  const int64_t ld = longest_prefix + own;  // a query's scores: its prefix (padded to the longest), then own keys

  // Which own keys each token of each row sees, [B or 1, T, own].
  at::Tensor visible;
  if (in.mask.defined()) {
    visible = in.mask.to(at::kBool).reshape({in.mask.size(0), length, own}).contiguous();
  } else if (in.causal) {
    visible = bottom_right_causal(own - length, length, at::kCPU).unsqueeze(0).contiguous();
  }
  const bool* visible_data = visible.defined() ? visible.data_ptr<bool>() : nullptr;
  const int64_t visible_rows = visible.defined() ? visible.size(0) : 0;

  at::Tensor scores = at::empty({batch, key_heads, queries, ld}, q.options());
  const float* q_data = q.data_ptr<float>();
  float* score_data = scores.data_ptr<float>();
  const int64_t* own_slots = read_slots.data_ptr<int64_t>();
  const auto scale = static_cast<float>(in.scale);
  // Row b's queries of key head h are consecutive [head, token] rows of q (and of the output).
  const auto row_queries = [&](int64_t b, int64_t h) { return (b * heads + h * group) * length; };

  at::parallel_for(0, static_cast<int64_t>(items.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t index = begin; index < end; ++index) {
      const WorkItem& item = items[static_cast<std::size_t>(index)];
      const auto key = part<E>(in.key_pool, item.head), extra = part<E>(in.key_extra, item.head);
      for (int64_t block = 0; block < item.prefix_length; block += kPrefixBlock) {
        const int64_t count = std::min(kPrefixBlock, item.prefix_length - block);
        for (int64_t b = item.first_row; b < item.first_row + item.rows; ++b) {
          score_keys<L>(q_data + row_queries(b, item.head) * q_width, queries, length, key, extra, item.prefix + block,
                        count, scale, nullptr, 0, score_data + (b * key_heads + item.head) * queries * ld + block, ld);
        }
      }
      for (int64_t b = item.first_row; b < item.first_row + item.rows; ++b) {
        float* head_scores = score_data + (b * key_heads + item.head) * queries * ld;
        for (int64_t qi = 0; qi < queries; ++qi) {
          std::fill(head_scores + qi * ld + item.prefix_length, head_scores + qi * ld + longest_prefix,
                    std::numeric_limits<float>::lowest());
        }
        const bool* row_visible = visible_data ? visible_data + (visible_rows > 1 ? b : 0) * length * own : nullptr;
        score_keys<L>(q_data + row_queries(b, item.head) * q_width, queries, length, key, extra, own_slots + b * own,
                      own, scale, row_visible, own, head_scores + longest_prefix, ld);
      }
    }
  });

  const at::Tensor weights = at::softmax(scores, -1);
  const float* weight_data = weights.data_ptr<float>();
  at::Tensor out = at::zeros({batch, heads, length, value_width}, q.options());
  float* out_data = out.data_ptr<float>();
  at::parallel_for(0, static_cast<int64_t>(items.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t index = begin; index < end; ++index) {
      const WorkItem& item = items[static_cast<std::size_t>(index)];
      const auto value = part<E>(in.value_pool, item.head);
      const auto head_weights = [&](int64_t b) { return weight_data + (b * key_heads + item.head) * queries * ld; };
      for (int64_t block = 0; block < item.prefix_length; block += kPrefixBlock) {
        const int64_t count = std::min(kPrefixBlock, item.prefix_length - block);
        for (int64_t b = item.first_row; b < item.first_row + item.rows; ++b) {
          add_values<L>(head_weights(b) + block, queries, ld, value, item.prefix + block, count,
                        out_data + row_queries(b, item.head) * value_width);
        }
      }
      for (int64_t b = item.first_row; b < item.first_row + item.rows; ++b) {
        add_values<L>(head_weights(b) + longest_prefix, queries, ld, value, own_slots + b * own, own,
                      out_data + row_queries(b, item.head) * value_width);
      }
    }
  });
  return out.to(in.q.scalar_type());
}

bool pool_serves(const at::Tensor& pool, at::ScalarType dtype, int64_t key_heads) {
  return pool.defined() && pool.device().is_cpu() && pool.dim() == 3 && pool.is_contiguous() &&
         pool.scalar_type() == dtype && pool.size(1) == key_heads;
}

}  // namespace

bool paged_attention_takes_queries(const at::Tensor& q) {
  if (!cpu_serves() || !q.defined() || !q.device().is_cpu() || q.dim() != 4) return false;
  if (q.scalar_type() != at::kFloat && q.scalar_type() != at::kBFloat16) return false;
  if (c10::GradMode::is_enabled() && q.requires_grad()) return false;  // no backward here
  return q.size(2) >= 1 && q.size(2) <= kPagedAttentionMaxQueries;
}

bool paged_attention_serves(const PagedAttentionInputs& in) {
  if (!paged_attention_takes_queries(in.q) || in.step == nullptr) return false;
  if (!in.key_pool.defined() || in.key_pool.dim() != 3) return false;
  const at::ScalarType dtype = in.key_pool.scalar_type();
  if (dtype != at::kFloat && dtype != at::kBFloat16) return false;
  const int64_t key_heads = in.key_pool.size(1);
  if (key_heads < 1 || in.q.size(1) % key_heads != 0) return false;
  if (!pool_serves(in.key_pool, dtype, key_heads) || !pool_serves(in.value_pool, dtype, key_heads)) return false;
  if (in.key_extra.defined() && !pool_serves(in.key_extra, dtype, key_heads)) return false;
  const int64_t key_width = in.key_pool.size(2) + (in.key_extra.defined() ? in.key_extra.size(2) : 0);
  return in.q.size(3) == key_width && in.step->read_slots.defined() && in.step->read_slots.size(0) == in.q.size(0);
}

at::Tensor paged_attention(const PagedAttentionInputs& inputs) {
  TORCH_CHECK(paged_attention_serves(inputs), "paged_attention: unsupported inputs: q ", inputs.q.sizes(), " ",
              inputs.q.scalar_type(), ", key pool ", inputs.key_pool.sizes());
  if (inputs.mask.defined()) {
    const at::Tensor& m = inputs.mask;
    TORCH_CHECK(m.dim() == 4 && (m.size(0) == 1 || m.size(0) == inputs.q.size(0)) && m.size(2) == inputs.q.size(2) &&
                    m.size(3) == inputs.step->read_slots.size(1),
                "paged_attention: mask ", m.sizes(), " does not match ", inputs.q.size(2), " queries over ",
                inputs.step->read_slots.size(1), " own keys");
  }
  // The kernel reads slots unchecked, so they are checked here: index_select would have.
  const PagedStep& step = *inputs.step;
  const int64_t slots = inputs.key_pool.size(0);
  const auto check_slots = [slots](const at::Tensor& t, const char* what) {
    TORCH_CHECK(t.scalar_type() == at::kLong && t.device().is_cpu(), "paged_attention: ", what, " must be CPU int64");
    if (t.numel() == 0) return;
    const auto [low, high] = at::aminmax(t);
    TORCH_CHECK(low.item<int64_t>() >= 0 && high.item<int64_t>() < slots, "paged_attention: ", what, " name slots ",
                low.item<int64_t>(), "..", high.item<int64_t>(), " of a pool of ", slots);
  };
  check_slots(step.read_slots, "read_slots");
  int64_t covered = 0;
  for (const PagedStep::SharedRows& range : step.shared) {
    TORCH_CHECK(range.first_row == covered && range.rows > 0, "paged_attention: shared row ranges must cover the batch in order");
    covered += range.rows;
    if (range.slots.defined()) check_slots(range.slots, "shared prefix slots");
  }
  TORCH_CHECK(step.shared.empty() || covered == inputs.q.size(0), "paged_attention: shared row ranges cover ", covered,
              " of ", inputs.q.size(0), " rows");
  return inputs.key_pool.scalar_type() == at::kBFloat16 ? run<Bf16Pool>(inputs) : run<Float32Pool>(inputs);
}

}  // namespace engram::model
