// CUDA graph decoding: batch-size buckets, which models can be captured, the preallocated cache the
// graphs replay over (checked on the CPU against transformers' logits), and on a GPU
// (scripts/gpu-check.sh) graph replay against eager decoding.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <cstdlib>

#include "harness/io/safetensors.h"
#include "harness/model/checkpoint_model.h"
#include "harness/speed/decode_graphs.h"
#include "harness/speed/generation_timing.h"
#include "test_support.h"

namespace engram::harness::speed {
namespace {

TEST(DecodeGraphs, ABatchRunsInTheSmallestBucketThatHoldsIt) {
  const std::vector<int64_t> buckets = default_graph_buckets();
  EXPECT_EQ(graph_bucket(1, buckets), 1);
  EXPECT_EQ(graph_bucket(3, buckets), 4);
  EXPECT_EQ(graph_bucket(16, buckets), 16);
  EXPECT_EQ(graph_bucket(17, buckets), 32);
  EXPECT_EQ(graph_bucket(256, buckets), 256);
  EXPECT_EQ(graph_bucket(257, buckets), 0);  // eager
  EXPECT_EQ(graph_bucket(5, {8, 6, 32}), 6);
  EXPECT_THROW(graph_bucket(0, buckets), std::invalid_argument);
}

TEST(DecodeGraphs, OnlyDenseModelsOnCudaAreCaptured) {
  const auto llama = load_causal_lm((testing::source_dir() / "tests/data/models/tiny_llama").string());
  const auto deepseek = load_causal_lm((testing::source_dir() / "tests/data/models/tiny_deepseek_v3").string());
  EXPECT_NE(graph_capture_obstacle(llama.model->config(), "cpu"), "");
  EXPECT_EQ(graph_capture_obstacle(llama.model->config(), "cuda"), "");
  EXPECT_EQ(graph_capture_obstacle(llama.model->config(), "cuda:1"), "");
  EXPECT_NE(graph_capture_obstacle(deepseek.model->config(), "cuda").find("MoE"), std::string::npos);
}

class PreallocatedCache : public ::testing::TestWithParam<std::string> {};

// The graphs' cache layout, eagerly on the CPU: a prefill written at slots 0..7 of a cache with spare
// rows and positions, then one token per step, gives transformers' logits for every real row.
TEST_P(PreallocatedCache, StepsMatchTransformers) {
  const auto dir = testing::source_dir() / "tests/data/models" / GetParam();
  CheckpointModel loaded = load_causal_lm(dir.string());
  const io::SafetensorsFile fixture = io::read_safetensors((dir / "fixture.safetensors").string());
  torch::NoGradGuard no_grad;
  const at::Tensor ids = fixture.get("input_ids");
  const at::Tensor expected = fixture.get("logits");
  const int64_t rows = ids.size(0), length = ids.size(1), prefix = 8, bucket = rows + 1, capacity = length + 5;
  model::KvCache cache = loaded.model->preallocated_cache(bucket, capacity);
  const at::Tensor padded_ids = at::cat({ids, ids.narrow(0, 0, 1)}, 0);
  at::Tensor key_mask = at::zeros({bucket, capacity}, at::kLong);
  key_mask.narrow(1, 0, prefix).fill_(1);
  model::ForwardOptions options;
  options.attention_mask = key_mask;
  options.positions = at::arange(prefix, at::kLong).unsqueeze(0).expand({bucket, prefix});
  options.cache_slots = at::arange(prefix, at::kLong);
  std::vector<at::Tensor> steps{loaded.model->forward(padded_ids.narrow(1, 0, prefix), &cache, options)};
  for (int64_t t = prefix; t < length; ++t) {
    key_mask.select(1, t).fill_(1);
    options.positions = at::full({bucket, 1}, t, at::kLong);
    options.cache_slots = at::full({1}, t, at::kLong);
    steps.push_back(loaded.model->forward(padded_ids.narrow(1, t, 1), &cache, options));
  }
  const at::Tensor logits = at::cat(steps, 1).narrow(0, 0, rows);
  EXPECT_LE((logits - expected).abs().max().item<double>(), 1e-4) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PreallocatedCache,
                         ::testing::Values("tiny_llama", "tiny_llama_rope3", "tiny_deepseek_v3"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Greedy tokens of eager decoding (growing cache, one launch per kernel) on the same device.
at::Tensor eager_greedy(SpeedModel& model, const at::Tensor& prompt, int64_t gen_tokens) {
  torch::NoGradGuard no_grad;
  model::KvCache cache = model.model->new_cache();
  at::Tensor hidden = model.model->forward_hidden(prompt.to(c10::Device(model.device)), &cache);
  std::vector<at::Tensor> out{greedy_next(model, hidden.select(1, hidden.size(1) - 1))};
  for (int64_t step = 1; step < gen_tokens; ++step) {
    hidden = model.model->forward_hidden(out.back(), &cache);
    out.push_back(greedy_next(model, hidden.select(1, 0)));
  }
  return at::cat(out, 1).cpu();
}

TEST(DecodeGraphs, CudaReplayGivesTheEagerTokens) {
  const char* required = std::getenv("ENGRAM_REQUIRE_CUDA");
  if (!torch::cuda::is_available()) {
    ASSERT_FALSE(required && std::string(required) == "1") << "ENGRAM_REQUIRE_CUDA=1 but no CUDA device";
    GTEST_SKIP() << "no CUDA device";
  }
  SpeedModel model = build_speed_model("hf:" + (testing::source_dir() / "tests/data/models/tiny_llama").string(),
                                       "float32", "cuda", 0, std::nullopt);
  ASSERT_EQ(graph_capture_obstacle(model.model->config(), model.device), "");
  for (int64_t batch : {1, 3}) {
    const at::Tensor prompt = random_prompt_ids(model, batch, 10, 5);
    at::Tensor graphed;
    const GenerationTiming timing = time_generation_graphed(model, prompt, 12, graph_bucket(batch, default_graph_buckets()), &graphed);
    EXPECT_EQ(timing.step_seconds.size(), 11u);
    EXPECT_TRUE(graphed.equal(eager_greedy(model, prompt, 12))) << "batch " << batch << "\n" << graphed;
  }
}

}  // namespace
}  // namespace engram::harness::speed
