// Decode attention read in place from the paged pools (baselines/nn/paged_attention.h) against
// softmax(q k^T * scale) v computed in float64 on the same rounded inputs, each row's keys gathered
// by hand from its shared prefix and its own slots: grouped query heads, rows with and without a
// shared prefix, padding hidden by a mask, several new tokens (bottom-right causal, by mask or by
// flag), widths that do not fill a vector register, MLA's two-part keys, bfloat16 pools, and prefix
// and own key counts across the kernel's block sizes.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "baselines/model_config.h"
#include "baselines/nn/attention.h"
#include "baselines/nn/kv_cache.h"
#include "baselines/nn/paged_attention.h"

namespace engram {
namespace {

struct Case {
  std::string name;
  int64_t rows = 3, heads = 6, key_heads = 2, key_width = 64, extra_width = 0, value_width = 64;
  int64_t length = 1, own = 45;
  std::vector<std::pair<int64_t, int64_t>> prefixes;  // per range of rows: (rows, prefix length; 0 = none)
  bool masked = true;    // a [B, 1, T, S] mask with padding; false: mask undefined, `causal` decides
  bool causal = true;
  bool values_are_keys = false;  // MLA: the value pool is the key pool
  at::ScalarType dtype = at::kFloat;
};

struct Built {
  model::PagedAttentionInputs inputs;
  std::shared_ptr<model::PagedStep> step;
};

Built build(const Case& c) {
  auto step = std::make_shared<model::PagedStep>();
  int64_t longest = 0;
  for (const auto& [rows, prefix] : c.prefixes) longest += prefix;
  const int64_t slots = longest + c.rows * c.own + 7;
  step->slots = slots;
  // Slots in a shuffled order, as a block table leaves them.
  const at::Tensor order = at::randperm(slots, at::kLong);
  int64_t next = 0;
  int64_t row = 0;
  for (const auto& [rows, prefix] : c.prefixes) {
    model::PagedStep::SharedRows range{row, rows, {}};
    if (prefix > 0) range.slots = order.narrow(0, next, prefix).clone();
    next += prefix;
    step->shared.push_back(range);
    row += rows;
  }
  step->read_slots = order.narrow(0, next, c.rows * c.own).view({c.rows, c.own}).clone();
  Built built;
  model::PagedAttentionInputs& in = built.inputs;
  in.q = at::randn({c.rows, c.heads, c.length, c.key_width + c.extra_width}).to(c.dtype);
  in.key_pool = at::randn({slots, c.key_heads, c.key_width}).to(c.dtype);
  if (c.extra_width > 0) in.key_extra = at::randn({slots, c.key_heads, c.extra_width}).to(c.dtype);
  in.value_pool = c.values_are_keys ? in.key_pool : at::randn({slots, c.key_heads, c.value_width}).to(c.dtype);
  if (c.masked) {
    // Bottom-right causal among the new tokens, and each row's first (row * 3) own keys hidden as
    // left padding.
    at::Tensor mask = at::ones({c.length, c.own}, at::kBool).tril(c.own - c.length).repeat({c.rows, 1, 1});
    for (int64_t r = 0; r < c.rows; ++r) mask[r].narrow(-1, 0, std::min(r * 3, c.own - c.length)).fill_(false);
    in.mask = mask.unsqueeze(1);
  }
  in.causal = c.causal;
  in.scale = 0.125;
  in.step = step.get();
  built.step = step;
  return built;
}

// The float64 reference: each row's keys gathered by hand, every query head over its key head.
at::Tensor reference(const model::PagedAttentionInputs& in, const Case& c) {
  const int64_t group = c.heads / c.key_heads;
  std::vector<at::Tensor> prefix(static_cast<std::size_t>(c.rows));
  for (const auto& range : in.step->shared) {
    for (int64_t r = range.first_row; r < range.first_row + range.rows; ++r) prefix[static_cast<std::size_t>(r)] = range.slots;
  }
  const at::Tensor keys = (in.key_extra.defined() ? at::cat({in.key_pool, in.key_extra}, -1) : in.key_pool).to(at::kDouble);
  const at::Tensor values = in.value_pool.to(at::kDouble);
  const at::Tensor q = in.q.to(at::kDouble);
  std::vector<at::Tensor> rows;
  for (int64_t r = 0; r < c.rows; ++r) {
    const at::Tensor& p = prefix[static_cast<std::size_t>(r)];
    const int64_t shared = p.defined() ? p.numel() : 0;
    const at::Tensor slots = p.defined() ? at::cat({p, in.step->read_slots[r]}) : in.step->read_slots[r];
    at::Tensor visible = at::ones({c.length, shared + c.own}, at::kBool);
    if (in.mask.defined()) {
      visible.narrow(1, shared, c.own).copy_(in.mask[in.mask.size(0) > 1 ? r : 0][0]);
    } else if (in.causal) {
      visible.narrow(1, shared, c.own).copy_(at::ones({c.length, c.own}, at::kBool).tril(c.own - c.length));
    }
    std::vector<at::Tensor> heads;
    for (int64_t h = 0; h < c.heads; ++h) {
      const at::Tensor k = keys.index_select(0, slots).select(1, h / group);    // [keys, width]
      const at::Tensor v = values.index_select(0, slots).select(1, h / group);  // [keys, value width]
      const at::Tensor scores =
          at::matmul(q[r][h], k.t()).mul(in.scale).masked_fill(visible.logical_not(), -std::numeric_limits<double>::infinity());
      heads.push_back(at::matmul(at::softmax(scores, -1), v));
    }
    rows.push_back(at::stack(heads));
  }
  return at::stack(rows);
}

bool cpu_serves() {
  Case c;
  c.prefixes = {{3, 0}};
  const Built built = build(c);
  return model::paged_attention_serves(built.inputs);
}

void expect_matches_reference(const Case& c) {
  const Built built = build(c);
  ASSERT_TRUE(model::paged_attention_serves(built.inputs)) << c.name;
  const at::Tensor got = model::paged_attention(built.inputs);
  const at::Tensor exact = reference(built.inputs, c);
  ASSERT_EQ(got.sizes(), exact.sizes()) << c.name;
  ASSERT_EQ(got.scalar_type(), c.dtype) << c.name;
  // float32 accumulation; a bfloat16 output adds its rounding of the exact value.
  const double rounding = c.dtype == at::kBFloat16 ? 1.0 / 256 : 0.0;
  const at::Tensor error = (got.to(at::kDouble) - exact).abs();
  const at::Tensor excess = error - (exact.abs() * rounding + 2e-5);
  EXPECT_LE(excess.max().item<double>(), 0.0) << c.name << ": worst error " << error.max().item<double>();
}

TEST(PagedAttention, MatchesFloat64AttentionOverGatheredKeys) {
  at::manual_seed(11);
  if (!cpu_serves()) GTEST_SKIP() << "this CPU lacks AVX-512";
  std::vector<Case> cases;
  for (const int64_t length : {1, 2, 3, 8}) {
    Case c;
    c.name = "grouped heads, a prefix for the first rows, padding, " + std::to_string(length) + " new";
    c.rows = 5;
    c.length = length;
    c.prefixes = {{3, 37}, {2, 0}};
    cases.push_back(c);
  }
  {
    Case c;
    c.name = "no shared prefix at all";
    c.prefixes = {};
    c.length = 2;
    cases.push_back(c);
  }
  for (const bool causal : {true, false}) {
    Case c;
    c.name = std::string("no mask, causal ") + (causal ? "true" : "false");
    c.masked = false;
    c.causal = causal;
    c.length = 3;
    c.prefixes = {{1, 20}, {2, 33}};
    cases.push_back(c);
  }
  {
    Case c;
    c.name = "narrow widths, one query head per key head";
    c.heads = c.key_heads = 4;
    c.key_width = 48;
    c.value_width = 20;
    c.prefixes = {{3, 17}};
    c.length = 2;
    cases.push_back(c);
  }
  {
    Case c;
    c.name = "long prefix and own keys across block boundaries";
    c.heads = 9;
    c.key_heads = 3;
    c.rows = 4;
    c.own = 203;
    c.prefixes = {{4, 150}};
    cases.push_back(c);
  }
  {
    Case c;
    c.name = "MLA: latent and rotary key parts, the latent as values";
    c.heads = 4;
    c.key_heads = 1;
    c.key_width = c.value_width = 32;
    c.extra_width = 8;
    c.values_are_keys = true;
    c.prefixes = {{3, 40}};
    c.length = 2;
    cases.push_back(c);
  }
  for (const int64_t length : {1, 2}) {
    Case c;
    c.name = "bfloat16 pools, " + std::to_string(length) + " new";
    c.dtype = at::kBFloat16;
    c.length = length;
    c.prefixes = {{2, 70}, {1, 0}};
    cases.push_back(c);
  }
  for (const Case& c : cases) expect_matches_reference(c);
}

TEST(PagedAttention, ServesOnlyShortStepsOverContiguousCpuPools) {
  at::manual_seed(12);
  if (!cpu_serves()) GTEST_SKIP() << "this CPU lacks AVX-512";
  Case c;
  c.prefixes = {{3, 10}};
  Built built = build(c);
  model::PagedAttentionInputs in = built.inputs;
  EXPECT_TRUE(model::paged_attention_serves(in));

  model::PagedAttentionInputs longer = in;
  longer.q = at::randn({c.rows, c.heads, model::kPagedAttentionMaxQueries + 1, c.key_width});
  EXPECT_FALSE(model::paged_attention_serves(longer)) << "a prefill-sized step";
  EXPECT_FALSE(model::paged_attention_takes_queries(longer.q));

  model::PagedAttentionInputs half = in;
  half.q = in.q.to(at::kHalf);
  EXPECT_FALSE(model::paged_attention_serves(half)) << "float16";

  model::PagedAttentionInputs strided = in;
  strided.key_pool = at::randn({c.key_heads, in.key_pool.size(0), c.key_width}).transpose(0, 1);
  EXPECT_FALSE(model::paged_attention_serves(strided)) << "a non-contiguous pool";

  model::PagedAttentionInputs mixed = in;
  mixed.value_pool = in.value_pool.to(at::kBFloat16);
  EXPECT_FALSE(model::paged_attention_serves(mixed)) << "pools of two dtypes";

  model::PagedAttentionInputs uneven = in;
  uneven.q = at::randn({c.rows, 5, 1, c.key_width});
  EXPECT_FALSE(model::paged_attention_serves(uneven)) << "5 query heads over 2 key heads";

  model::PagedAttentionInputs grad = in;
  grad.q = in.q.clone().requires_grad_(true);
  EXPECT_FALSE(model::paged_attention_serves(grad)) << "it has no backward";

  model::PagedAttentionInputs wrong_mask = in;
  wrong_mask.mask = at::ones({c.rows, 1, 1, c.own + 1}, at::kBool);
  EXPECT_THROW(model::paged_attention(wrong_mask), c10::Error);

  model::PagedStep outside = *built.step;
  outside.read_slots = outside.read_slots.clone();
  outside.read_slots[1][2] = in.key_pool.size(0);
  model::PagedAttentionInputs out_of_pool = in;
  out_of_pool.step = &outside;
  EXPECT_THROW(model::paged_attention(out_of_pool), c10::Error) << "a slot past the pool";

  model::PagedStep uncovered = *built.step;
  uncovered.shared.front().rows = c.rows - 1;
  model::PagedAttentionInputs missing_row = in;
  missing_row.step = &uncovered;
  EXPECT_THROW(model::paged_attention(missing_row), c10::Error) << "a row in no shared range";
}

// Rows whose whole cache is their shared prefix (identical prompts of whole blocks) verifying several
// drafted tokens: the step has no past of its own, so it comes without a mask, and each new token must
// still see only the prefix and the new tokens before it. Both paths (in place, and gathering, turned
// on by ENGRAM_PAGED_ATTENTION=0) against the same layer run over prefix + tokens without a cache.
TEST(PagedAttention, NewTokensAfterOnlyASharedPrefixSeeOnlyTheirPast) {
  at::manual_seed(13);
  at::NoGradGuard no_grad;
  model::ModelConfig config;
  config.hidden_size = 32;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.head_dim = 8;
  auto attention = std::make_shared<model::GqaAttentionImpl>(config);
  const int64_t prefix = 16, length = 3, rows = 2;
  const at::Tensor prefix_x = at::randn({1, prefix, config.hidden_size});
  const at::Tensor new_x = at::randn({rows, length, config.hidden_size});
  // No rotation (cos 1, sin 0): positions play no part in what is compared.
  const auto inputs = [&](int64_t batch, int64_t tokens) {
    model::StepInputs in;
    in.cos = at::ones({batch, tokens, config.head_dim});
    in.sin = at::zeros({batch, tokens, config.head_dim});
    in.causal = true;
    return in;
  };
  std::vector<at::Tensor> expected;
  for (int64_t r = 0; r < rows; ++r) {
    const at::Tensor whole = at::cat({prefix_x, new_x.narrow(0, r, 1)}, 1);
    expected.push_back(attention->forward(whole, inputs(1, prefix + length), nullptr).narrow(1, prefix, length));
  }

  model::AttentionCache cache;
  auto fill = std::make_shared<model::PagedStep>();
  fill->slots = 64;
  fill->write_slots = at::arange(prefix, at::kLong).view({1, prefix});
  fill->read_slots = fill->write_slots;
  cache.step = fill;
  attention->forward(prefix_x, inputs(1, prefix), &cache);
  auto step = std::make_shared<model::PagedStep>();
  step->slots = 64;
  step->write_slots = at::arange(prefix, prefix + rows * length, at::kLong).view({rows, length});
  step->read_slots = step->write_slots;
  step->shared.push_back({0, rows, at::arange(prefix, at::kLong)});
  cache.step = step;
  for (const char* in_place : {"1", "0"}) {
    ::setenv("ENGRAM_PAGED_ATTENTION", in_place, 1);
    const at::Tensor got = attention->forward(new_x, inputs(rows, length), &cache);
    for (int64_t r = 0; r < rows; ++r) {
      EXPECT_TRUE(at::allclose(got.narrow(0, r, 1), expected[static_cast<std::size_t>(r)], 1e-5, 1e-5))
          << "ENGRAM_PAGED_ATTENTION=" << in_place << ", row " << r << ": worst difference "
          << (got.narrow(0, r, 1) - expected[static_cast<std::size_t>(r)]).abs().max().item<double>();
    }
  }
  ::unsetenv("ENGRAM_PAGED_ATTENTION");
}

}  // namespace
}  // namespace engram
