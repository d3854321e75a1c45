// Weights converted once at load: every matrix to the requested dtype, the router and mHC parameters
// kept in float32 (they are read in float32), logits in float32, and names that are not dtypes refused.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "baselines/nn/weight_dtype.h"
#include "harness/io/safetensors.h"
#include "harness/model/checkpoint_model.h"
#include "test_support.h"

namespace engram {
namespace {

TEST(WeightDtype, ParsesNamesAndDefaultsByDevice) {
  const c10::Device cpu(c10::kCPU), cuda(c10::kCUDA, 0);
  EXPECT_EQ(model::parse_weight_dtype("auto", cpu), at::kFloat);
  EXPECT_EQ(model::parse_weight_dtype("auto", cuda), at::kBFloat16);
  EXPECT_EQ(model::parse_weight_dtype("bfloat16", cpu), at::kBFloat16);
  EXPECT_EQ(model::parse_weight_dtype("float16", cpu), at::kHalf);
  EXPECT_EQ(model::parse_weight_dtype("float32", cuda), at::kFloat);
  EXPECT_EQ(model::weight_dtype_name(at::kBFloat16), "bfloat16");
  try {
    model::parse_weight_dtype("float64", cpu, "--dtype");
    FAIL() << "float64 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--dtype"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("float64"), std::string::npos) << e.what();
  }
}

TEST(WeightDtype, Bfloat16ConversionKeepsTheRouterInFloat32AndTracksTransformers) {
  const auto dir = testing::source_dir() / "tests/data/models/tiny_deepseek_v3";
  harness::CheckpointModel loaded = harness::load_causal_lm(dir.string());
  model::convert_weights(*loaded.model, at::kBFloat16);
  int64_t low = 0, kept = 0;
  for (const auto& item : loaded.model->named_parameters(true)) {
    const bool router = item.key().find("mlp.gate.weight") != std::string::npos;
    EXPECT_EQ(item.value().scalar_type(), router ? at::kFloat : at::kBFloat16) << item.key();
    (router ? kept : low) += 1;
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(low, 0);
  for (const auto& item : loaded.model->named_buffers(true)) {
    if (item.key().find("e_score_correction_bias") != std::string::npos) {
      EXPECT_EQ(item.value().scalar_type(), at::kFloat) << item.key();
    }
  }
  const io::SafetensorsFile fixture = io::read_safetensors((dir / "fixture.safetensors").string());
  torch::NoGradGuard no_grad;
  const at::Tensor logits = loaded.model->forward(fixture.get("input_ids"));
  ASSERT_EQ(logits.scalar_type(), at::kFloat);
  // bfloat16 keeps 8 bits of mantissa, and a rounded hidden state can flip a routing choice (which
  // moves some logits by more than 1): the logits track transformers' float32 ones, not exactly.
  const at::Tensor expected = fixture.get("logits");
  const at::Tensor a = expected.flatten() - expected.mean();
  const at::Tensor b = logits.flatten() - logits.mean();
  EXPECT_GT(((a * b).sum() / (a.norm() * b.norm())).item<double>(), 0.99);
  EXPECT_GT(logits.argmax(-1).eq(expected.argmax(-1)).to(at::kFloat).mean().item<double>(), 0.9);
}

}  // namespace
}  // namespace engram
