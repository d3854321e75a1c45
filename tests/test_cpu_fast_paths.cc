// The CPU fast paths of a decode step against references: grouped short-query attention against
// at::scaled_dot_product_attention (with the key heads repeated, as transformers' repeat_kv does),
// oneDNN-packed projections against at::linear (including when a packed copy must not be used any
// more), and a packed checkpoint against transformers' logits.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include "baselines/nn/causal_lm.h"
#include "baselines/nn/packed_linear.h"
#include "baselines/nn/shared_prefix_attention.h"
#include "baselines/nn/short_query_attention.h"
#include "harness/io/safetensors.h"
#include "harness/model/checkpoint_model.h"
#include "test_support.h"

namespace engram {
namespace {

at::Tensor reference_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                               double scale) {
  const int64_t group = q.size(1) / k.size(1);
  const at::Tensor keys = k.to(at::kFloat).repeat_interleave(group, 1);
  const at::Tensor values = v.to(at::kFloat).repeat_interleave(group, 1);
  return at::scaled_dot_product_attention(q.to(at::kFloat), keys, values,
                                          mask.defined() ? std::optional<at::Tensor>(mask) : std::nullopt, 0.0, false,
                                          scale);
}

struct AttentionCase {
  int64_t batch, heads, key_heads, queries, keys, head_dim, value_dim;
  bool masked;
};

TEST(ShortQueryAttention, MatchesScaledDotProductAttentionWithGroupedHeadsAndMasks) {
  at::manual_seed(7);
  const AttentionCase cases[] = {
      {1, 9, 3, 1, 37, 64, 64, false},   // SmolLM2's grouping, one decode step
      {4, 9, 3, 1, 300, 64, 64, true},   // padded rows
      {3, 8, 8, 4, 20, 16, 16, true},    // no grouping, a chunk of four new tokens
      {2, 6, 1, 2, 50, 40, 32, true},    // MLA absorbed: one shared latent key, narrower values
  };
  for (const AttentionCase& c : cases) {
    const at::Tensor q = at::randn({c.batch, c.queries, c.heads, c.head_dim}).transpose(1, 2);  // as projected
    const at::Tensor k = at::randn({c.batch, c.key_heads, c.keys, c.head_dim});
    const at::Tensor v = at::randn({c.batch, c.key_heads, c.keys, c.value_dim});
    at::Tensor mask;
    if (c.masked) {
      // Each row hides a different number of leading keys (left padding) and sees the past causally.
      mask = at::ones({c.batch, 1, c.queries, c.keys}, at::kBool).tril(c.keys - c.queries);
      for (int64_t row = 0; row < c.batch; ++row) mask[row].narrow(-1, 0, row * 3).fill_(false);
    }
    const double scale = 0.125;
    const at::Tensor expected = reference_attention(q, k, v, mask, scale);
    ASSERT_TRUE(model::prefers_short_query_attention(q, mask, /*causal=*/false));
    const at::Tensor got = model::short_query_attention(q, k, v, mask, scale);
    ASSERT_EQ(got.sizes(), expected.sizes());
    EXPECT_LT((got - expected).abs().max().item<float>(), 1e-5) << "batch " << c.batch << " heads " << c.heads;
    // bfloat16 inputs: scores and softmax stay float32, so the error is bfloat16's rounding of inputs and output.
    const at::Tensor got16 = model::short_query_attention(q.to(at::kBFloat16), k.to(at::kBFloat16),
                                                          v.to(at::kBFloat16), mask, scale);
    EXPECT_EQ(got16.scalar_type(), at::kBFloat16);
    const at::Tensor expected16 = reference_attention(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16),
                                                      mask, scale);
    EXPECT_LT((got16.to(at::kFloat) - expected16).abs().max().item<float>(), 2e-2);
  }
}

TEST(ShortQueryAttention, LongQueriesAndImpliedCausalMasksStayWithTheFusedKernel) {
  const at::Tensor decode = at::zeros({2, 4, 1, 8});
  const at::Tensor prompt = at::zeros({2, 4, model::kShortQueryLimit + 1, 8});
  EXPECT_TRUE(model::prefers_short_query_attention(decode, {}, /*causal=*/false));
  EXPECT_FALSE(model::prefers_short_query_attention(decode, {}, /*causal=*/true));  // top-left causal: not built here
  EXPECT_FALSE(model::prefers_short_query_attention(prompt, at::ones({1, 1, 9, 9}, at::kBool), false));
}

// The shared prefix is one row broadcast to every row, then each row's own keys: SDPA over the two
// concatenated, with the prefix always visible, is what shared_prefix_attention must equal.
TEST(SharedPrefixAttention, MatchesScaledDotProductAttentionOverPrefixAndOwnKeys) {
  at::manual_seed(11);
  const AttentionCase cases[] = {
      {8, 9, 3, 1, 21, 64, 64, true},   // SmolLM2's grouping, a BBH decode step with padded rows
      {1, 9, 3, 1, 5, 64, 64, false},   // one row, every own key visible
      {3, 8, 8, 2, 12, 16, 16, true},   // no grouping, two queries each
      {4, 6, 1, 1, 9, 40, 32, true},    // MLA absorbed: one latent key head, narrower values
  };
  const int64_t prefix = 48;
  for (const AttentionCase& c : cases) {
    const at::Tensor q = at::randn({c.batch, c.queries, c.heads, c.head_dim}).transpose(1, 2);
    const at::Tensor shared_k = at::randn({1, c.key_heads, prefix, c.head_dim});
    const at::Tensor shared_v = at::randn({1, c.key_heads, prefix, c.value_dim});
    const at::Tensor k = at::randn({c.batch, c.key_heads, c.keys, c.head_dim});
    const at::Tensor v = at::randn({c.batch, c.key_heads, c.keys, c.value_dim});
    at::Tensor own_mask, whole_mask;
    if (c.masked) {
      own_mask = at::ones({c.batch, 1, c.queries, c.keys}, at::kBool).tril(c.keys - c.queries);
      for (int64_t row = 0; row < c.batch; ++row) own_mask[row].narrow(-1, 0, row % c.keys).fill_(false);
      whole_mask = at::cat({at::ones({c.batch, 1, c.queries, prefix}, at::kBool), own_mask}, -1);
    }
    const at::Tensor whole_k = at::cat({shared_k.expand({c.batch, -1, -1, -1}), k}, 2);
    const at::Tensor whole_v = at::cat({shared_v.expand({c.batch, -1, -1, -1}), v}, 2);
    const double scale = 0.125;
    const at::Tensor expected = reference_attention(q, whole_k, whole_v, whole_mask, scale);
    const at::Tensor got = model::shared_prefix_attention(q, shared_k, shared_v, k, v, own_mask, scale);
    ASSERT_EQ(got.sizes(), expected.sizes());
    EXPECT_LT((got - expected).abs().max().item<float>(), 1e-5) << "batch " << c.batch << " heads " << c.heads;
    const auto bf16 = [](const at::Tensor& t) { return t.to(at::kBFloat16); };
    const at::Tensor got16 =
        model::shared_prefix_attention(bf16(q), bf16(shared_k), bf16(shared_v), bf16(k), bf16(v), own_mask, scale);
    EXPECT_EQ(got16.scalar_type(), at::kBFloat16);
    const at::Tensor expected16 = reference_attention(bf16(q), bf16(whole_k), bf16(whole_v), whole_mask, scale);
    EXPECT_LT((got16.to(at::kFloat) - expected16).abs().max().item<float>(), 2e-2);
  }
}

TEST(PackedLinear, MatchesAtLinearForEveryShapeAndDtype) {
  at::manual_seed(3);
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    model::Linear layer(torch::nn::LinearOptions(96, 160).bias(true));
    layer->to(dtype);
    at::NoGradGuard no_grad;
    ASSERT_EQ(model::pack_linear_weights(*layer), 96 * 160 * static_cast<int64_t>(c10::elementSize(dtype)));
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{1, 96}, {16, 1, 96}, {3, 40, 96}}) {
      const at::Tensor x = at::randn(shape).to(dtype);
      ASSERT_TRUE(layer->packed.serves(layer->weight, x));
      const at::Tensor expected = at::linear(x.to(at::kFloat), layer->weight.to(at::kFloat), layer->bias.to(at::kFloat));
      const at::Tensor got = layer->forward(x);
      ASSERT_EQ(got.sizes(), expected.sizes());
      const double tolerance = dtype == at::kFloat ? 1e-4 : 5e-2;
      EXPECT_LT((got.to(at::kFloat) - expected).abs().max().item<float>(), tolerance) << c10::toString(dtype);
    }
  }
}

TEST(PackedLinear, AWeightChangedAfterPackingIsReadAgain) {
  model::Linear layer(torch::nn::LinearOptions(32, 48));
  at::NoGradGuard no_grad;
  model::pack_linear_weights(*layer);
  const at::Tensor x = at::randn({2, 32});
  layer->weight.mul_(2);  // an in-place write, as loading a checkpoint into the module does
  EXPECT_FALSE(layer->packed.serves(layer->weight, x));
  EXPECT_TRUE(layer->forward(x).allclose(at::linear(x, layer->weight, layer->bias), 1e-5, 1e-5));
  layer->to(at::kBFloat16);  // a dtype conversion gives the parameter new storage
  EXPECT_FALSE(layer->packed.serves(layer->weight, x.to(at::kBFloat16)));
  EXPECT_FALSE(layer->packed.serves(layer->weight, x));  // and an input of another dtype never uses it
}

// Packed, the transformers-made tiny llama still gives transformers' logits, over a whole prompt and
// token by token (decode steps go through short_query_attention).
TEST(PackedLinear, FusedProjectionsMatchEachAtLinearAndStepAsideWhenAMemberChanges) {
  at::NoGradGuard no_grad;
  for (const bool bias : {false, true}) {
    for (const auto dtype : {at::kFloat, at::kBFloat16}) {
      std::vector<model::Linear> members{model::Linear(torch::nn::LinearOptions(64, 96).bias(bias)),
                                         model::Linear(torch::nn::LinearOptions(64, 32).bias(bias)),
                                         model::Linear(torch::nn::LinearOptions(64, 32).bias(bias))};
      for (auto& member : members) {
        member->to(dtype);
        model::pack_linear_weights(*member);
      }
      model::FusedProjections fused;
      EXPECT_EQ(fused.fuse(members), 0);  // one packed copy in place of the members' three (same bytes)
      for (const auto& member : members) EXPECT_EQ(member->packed.bytes(), 0);
      const at::Tensor x = at::randn({3, 5, 64}).to(dtype);
      const std::vector<at::Tensor> outputs = fused.forward(x);
      ASSERT_EQ(outputs.size(), 3u);
      const double tolerance = dtype == at::kFloat ? 1e-5 : 2e-2;
      for (std::size_t i = 0; i < members.size(); ++i) {
        const at::Tensor expected = at::linear(x, members[i]->weight, members[i]->bias).to(at::kFloat);
        EXPECT_LE((outputs[i].to(at::kFloat) - expected).abs().max().item<double>(), tolerance) << i;
      }
      EXPECT_TRUE(fused.forward(x.to(dtype == at::kFloat ? at::kBFloat16 : at::kFloat)).empty());
      members[1]->weight.add_(1);  // in place: the fused copy is stale and must not serve
      EXPECT_TRUE(fused.forward(x).empty());
    }
  }
  // Members of different dtypes are not fused.
  std::vector<model::Linear> mixed{model::Linear(torch::nn::LinearOptions(8, 8)), model::Linear(torch::nn::LinearOptions(8, 8))};
  mixed[1]->to(at::kBFloat16);
  model::FusedProjections none;
  EXPECT_EQ(none.fuse(mixed), 0);
  EXPECT_TRUE(none.forward(at::randn({1, 8})).empty());
}

TEST(PackedLinear, APackedModelStillMatchesTransformers) {
  const auto dir = testing::source_dir() / "tests/data/models/tiny_llama";
  harness::CheckpointModel loaded = harness::load_causal_lm(dir.string());
  const io::SafetensorsFile fixture = io::read_safetensors((dir / "fixture.safetensors").string());
  at::NoGradGuard no_grad;
  ASSERT_GT(loaded.model->pack_weights_for_cpu(), 0);
  const at::Tensor ids = fixture.get("input_ids");
  const at::Tensor expected = fixture.get("logits");
  EXPECT_LE((loaded.model->forward(ids) - expected).abs().max().item<double>(), 1e-4);
  model::KvCache cache = loaded.model->new_cache();
  std::vector<at::Tensor> steps{loaded.model->forward(ids.narrow(1, 0, 16), &cache)};
  for (int64_t t = 16; t < ids.size(1); ++t) steps.push_back(loaded.model->forward(ids.narrow(1, t, 1), &cache));
  EXPECT_LE((at::cat(steps, 1) - expected).abs().max().item<double>(), 1e-4);
}

// A tied unembedding is packed too, and gives at::linear's logits.
TEST(PackedLinear, ATiedUnembeddingIsPacked) {
  harness::CheckpointModel loaded =
      harness::load_causal_lm((testing::source_dir() / "tests/data/models/tiny_llama_tied").string());
  ASSERT_TRUE(loaded.model->config().tie_word_embeddings);
  at::NoGradGuard no_grad;
  const at::Tensor hidden = at::randn({3, 5, loaded.model->config().hidden_size});
  const at::Tensor expected = at::linear(hidden, loaded.model->model->embed_tokens->weight);
  int64_t projection_bytes = 0;
  for (const auto& child : loaded.model->modules()) {
    if (auto* layer = dynamic_cast<model::LinearImpl*>(child.get())) projection_bytes += layer->weight.nbytes();
  }
  const int64_t packed = loaded.model->pack_weights_for_cpu();
  EXPECT_EQ(packed, projection_bytes + static_cast<int64_t>(loaded.model->model->embed_tokens->weight.nbytes()));
  EXPECT_LE((loaded.model->project(hidden) - expected).abs().max().item<double>(), 1e-4);
}

}  // namespace
}  // namespace engram
