// Which attention path a step takes: the masks each kind of step gets (none where the fused causal
// kernels apply), MLA's choice between absorbed and expanded attention, and the absorbed decode
// against transformers' logits and against the expanded path of the same model.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "baselines/nn/attention.h"
#include "baselines/nn/step_masks.h"
#include "harness/io/safetensors.h"
#include "harness/model/checkpoint_model.h"
#include "test_support.h"

namespace engram {
namespace {

const c10::Device kCpu(c10::kCPU);

TEST(StepMasks, PromptWithoutPastUsesTheCausalKernelWithoutAMask) {
  const model::StepMasks masks = model::step_masks(2, 0, 5, {}, kCpu);
  EXPECT_FALSE(masks.mask.defined());
  EXPECT_TRUE(masks.causal);
  EXPECT_FALSE(masks.token_mask.defined());
}

TEST(StepMasks, OneTokenAfterAPastAttendsToEveryKeyWithoutAMask) {
  const model::StepMasks masks = model::step_masks(3, 7, 1, {}, kCpu);
  EXPECT_FALSE(masks.mask.defined());
  EXPECT_FALSE(masks.causal);
}

TEST(StepMasks, ChunkAfterAPastGetsABroadcastBottomRightMask) {
  const model::StepMasks masks = model::step_masks(4, 3, 2, {}, kCpu);
  ASSERT_TRUE(masks.mask.defined());
  EXPECT_EQ(masks.mask.sizes(), (std::vector<int64_t>{1, 1, 2, 5}));
  const at::Tensor expected = at::tensor({1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, at::kLong).to(at::kBool).view({1, 1, 2, 5});
  EXPECT_TRUE(masks.mask.equal(expected));
}

TEST(StepMasks, AMaskWithoutPaddingIsTreatedAsNone) {
  const model::StepMasks masks = model::step_masks(2, 4, 1, at::ones({2, 5}, at::kLong), kCpu);
  EXPECT_FALSE(masks.mask.defined());
  EXPECT_FALSE(masks.causal);
  EXPECT_FALSE(masks.token_mask.defined());
}

TEST(StepMasks, PaddingHidesPaddedKeysButEachQuerySeesItself) {
  // Row 0 has two left-padding positions; row 1 none.
  const at::Tensor attention_mask = at::tensor({0, 0, 1, 1, 1, 1, 1, 1}, at::kLong).view({2, 4});
  const model::StepMasks masks = model::step_masks(2, 2, 2, attention_mask, kCpu);
  ASSERT_TRUE(masks.mask.defined());
  EXPECT_EQ(masks.mask.sizes(), (std::vector<int64_t>{2, 1, 2, 4}));
  const at::Tensor row0 = at::tensor({0, 0, 1, 0, 0, 0, 1, 1}, at::kLong).to(at::kBool).view({2, 4});
  const at::Tensor row1 = at::tensor({1, 1, 1, 0, 1, 1, 1, 1}, at::kLong).to(at::kBool).view({2, 4});
  EXPECT_TRUE(masks.mask[0][0].equal(row0));
  EXPECT_TRUE(masks.mask[1][0].equal(row1));
  EXPECT_TRUE(masks.token_mask.equal(at::ones({2, 2}, at::kBool)));
}

TEST(StepMasks, AMaskOfTheWrongWidthIsAnError) {
  EXPECT_THROW(model::step_masks(2, 3, 1, at::ones({2, 3}, at::kLong), kCpu), c10::Error);
}

TEST(MlaAbsorbs, DecodeStepsAbsorbAndPromptsExpand) {
  const model::MlaConfig deepseek_v3{1536, 512, 128, 64, 128};  // q_lora, kv_lora, nope, rope, v
  EXPECT_TRUE(model::mla_absorbs(deepseek_v3, 1, 4096));
  EXPECT_TRUE(model::mla_absorbs(deepseek_v3, 16, 4096));
  EXPECT_FALSE(model::mla_absorbs(deepseek_v3, 512, 512));  // a prompt without a past
  EXPECT_FALSE(model::mla_absorbs(deepseek_v3, 1, 1));
}

class MlaAbsorbedDecode : public ::testing::TestWithParam<std::string> {};

// The fixtures' decode steps take the absorbed path (checked), and their logits match transformers'
// (eager, expanded) and this model's own full forward (expanded) within float32 rounding.
TEST_P(MlaAbsorbedDecode, MatchesTransformersAndTheExpandedPath) {
  const auto dir = testing::source_dir() / "tests/data/models" / GetParam();
  harness::CheckpointModel loaded = harness::load_causal_lm(dir.string());
  const io::SafetensorsFile fixture = io::read_safetensors((dir / "fixture.safetensors").string());
  torch::NoGradGuard no_grad;
  const at::Tensor ids = fixture.get("input_ids");
  const at::Tensor expected = fixture.get("logits");
  const int64_t prefix = 8;
  ASSERT_TRUE(model::mla_absorbs(*loaded.model->config().mla, 1, prefix + 1));
  ASSERT_FALSE(model::mla_absorbs(*loaded.model->config().mla, prefix, prefix));

  const at::Tensor expanded = loaded.model->forward(ids);
  model::KvCache cache = loaded.model->new_cache();
  std::vector<at::Tensor> steps{loaded.model->forward(ids.narrow(1, 0, prefix), &cache)};
  for (int64_t t = prefix; t < ids.size(1); ++t) steps.push_back(loaded.model->forward(ids.narrow(1, t, 1), &cache));
  const at::Tensor absorbed = at::cat(steps, 1).narrow(1, prefix, ids.size(1) - prefix);
  const at::Tensor reference = expected.narrow(1, prefix, ids.size(1) - prefix);
  EXPECT_LE((absorbed - reference).abs().max().item<double>(), 1e-4) << "against transformers";
  EXPECT_LE((absorbed - expanded.narrow(1, prefix, ids.size(1) - prefix)).abs().max().item<double>(), 1e-5)
      << "against the expanded path";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MlaAbsorbedDecode, ::testing::Values("tiny_deepseek_v3", "tiny_deepseek_v3_qlora_yarn"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace engram
