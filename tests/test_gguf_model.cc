// The installed SmolLM2-135M-Instruct Q4_1 GGUF loaded by load_gguf_model against transformers
// loading the same file (its GGUF loader dequantises; float32): full logit rows at selected
// positions and the top logit at every position of prompts of 1 to 1,000 tokens, and 32 greedy
// tokens for 3 prompts, one in the chat template (fixture: scripts/gen_gguf_fixtures.py).
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <regex>

#include "cli_runner.h"
#include "gguf_test_support.h"
#include "harness/engine/engine_model.h"
#include "harness/io/gguf_model.h"
#include "harness/tokenizer/tokenizer.h"

namespace engram {
namespace {

harness::io::GgufModel& smollm2(const std::string& path) {
  static harness::io::GgufModel model = harness::io::load_gguf_model(path);
  return model;
}

at::Tensor ids_tensor(const std::vector<int64_t>& ids) {
  return at::tensor(ids, at::TensorOptions().dtype(at::kLong)).unsqueeze(0);
}

TEST(GgufModel, SmolLM2LogitsMatchTransformers) {
  ENGRAM_REQUIRE_SMOLLM2(path);
  auto& loaded = smollm2(path);
  EXPECT_EQ(loaded.context_length, 8192);
  EXPECT_EQ(loaded.summary["architecture"], "llama");
  const auto fixture = testing::read_json(testing::gguf_data_dir() / "smollm2_logits.json");
  const int64_t vocab = fixture["vocab_size"];
  std::ifstream in(testing::gguf_data_dir() / fixture["rows_file"].get<std::string>(), std::ios::binary);
  const std::string rows((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const float* row = reinterpret_cast<const float*>(rows.data());
  c10::InferenceMode guard;
  double max_row_diff = 0, max_top_diff = 0;
  int64_t rows_checked = 0, positions = 0, top_agree = 0;
  for (const auto& prompt : fixture["prompts"]) {
    const auto ids = prompt["ids"].get<std::vector<int64_t>>();
    const at::Tensor logits = loaded.model->forward(ids_tensor(ids))[0].contiguous();
    ASSERT_EQ(logits.size(1), vocab);
    for (int64_t p : prompt["row_positions"].get<std::vector<int64_t>>()) {
      ASSERT_LE(static_cast<std::size_t>((rows_checked + 1) * vocab * 4), rows.size());
      const at::Tensor expected = at::from_blob(const_cast<float*>(row + rows_checked * vocab), {vocab}, at::kFloat);
      const double diff = (logits[p] - expected).abs().max().item<double>();
      EXPECT_LE(diff, 1e-3) << "prompt of " << ids.size() << " tokens, position " << p;
      max_row_diff = std::max(max_row_diff, diff);
      if (rows_checked > 0) {
        // The comparison can tell rows apart: the previous prompt's row is far from this one.
        const at::Tensor other = at::from_blob(const_cast<float*>(row + (rows_checked - 1) * vocab), {vocab}, at::kFloat);
        EXPECT_GT((logits[p] - other).abs().max().item<double>(), 0.1);
      }
      ++rows_checked;
    }
    const auto top_ids = prompt["top_ids"].get<std::vector<int64_t>>();
    const auto top_logits = prompt["top_logits"].get<std::vector<double>>();
    const at::Tensor ours = logits.gather(1, ids_tensor(top_ids).t()).squeeze(1);
    const at::Tensor ours_argmax = logits.argmax(1);
    for (std::size_t p = 0; p < ids.size(); ++p) {
      const double diff = std::abs(ours[static_cast<int64_t>(p)].item<double>() - top_logits[p]);
      EXPECT_LE(diff, 1e-3) << "prompt of " << ids.size() << " tokens, position " << p;
      max_top_diff = std::max(max_top_diff, diff);
      top_agree += ours_argmax[static_cast<int64_t>(p)].item<int64_t>() == top_ids[p];
      ++positions;
    }
  }
  EXPECT_EQ(rows_checked * vocab * 4, static_cast<int64_t>(rows.size()));
  std::cout << "[gguf logits] " << rows_checked << " full rows: max |diff| " << max_row_diff << "; top logit at "
            << positions << " positions: max |diff| " << max_top_diff << ", argmax agrees at " << top_agree << "\n";
}

TEST(GgufModel, SmolLM2GreedyTokensMatchTransformers) {
  ENGRAM_REQUIRE_SMOLLM2(path);
  auto& loaded = smollm2(path);
  const auto fixture = testing::read_json(testing::gguf_data_dir() / "smollm2_logits.json");
  c10::InferenceMode guard;
  int prompts = 0;
  for (const auto& g : fixture["greedy"]) {
    const std::string text = g["text"];
    auto ids = g["ids"].get<std::vector<int64_t>>();
    EXPECT_EQ(loaded.tokenizer->encode(text, true), ids) << text;
    const auto expected = g["generated"].get<std::vector<int64_t>>();
    std::vector<int64_t> generated;
    for (std::size_t step = 0; step < expected.size(); ++step) {
      const at::Tensor logits = loaded.model->forward(ids_tensor(ids))[0];
      const int64_t next = logits[-1].argmax().item<int64_t>();
      generated.push_back(next);
      ids.push_back(next);
    }
    EXPECT_EQ(generated, expected) << text;
    EXPECT_EQ(generated.size(), 32u);
    ++prompts;
  }
  EXPECT_EQ(prompts, 3);
}

// The engine's generation (continuous batching, prompt-lookup drafts verified in one step) gives
// transformers' greedy tokens too: the drafts change how many steps run, never which tokens come out.
TEST(GgufModel, SmolLM2EngineGenerationWithDraftsMatchesTransformers) {
  ENGRAM_REQUIRE_SMOLLM2(path);
  auto& loaded = smollm2(path);
  const auto fixture = testing::read_json(testing::gguf_data_dir() / "smollm2_logits.json");
  std::vector<tasks::GenerationRequest> requests;
  std::vector<std::string> expected;
  for (const auto& g : fixture["greedy"]) {
    tasks::GenerationRequest request;
    request.context = g["text"];
    request.max_new_tokens = 32;
    requests.push_back(request);
    std::vector<int64_t> tokens = g["generated"].get<std::vector<int64_t>>();
    const auto eos = std::find(tokens.begin(), tokens.end(), loaded.tokenizer->eos_id().value_or(-1));
    tokens.erase(eos, tokens.end());
    expected.push_back(loaded.tokenizer->decode(tokens, false));
  }
  ASSERT_EQ(requests.size(), 3u);
  // Decode attention reads the paged pools in place where the CPU has AVX-512, and gathers them
  // otherwise (ENGRAM_PAGED_ATTENTION=0): both must give transformers' tokens.
  for (const char* in_place : {"1", "0"}) {
    ::setenv("ENGRAM_PAGED_ATTENTION", in_place, 1);
    for (const int64_t batch : {int64_t{1}, int64_t{3}}) {
      for (const int64_t drafts : {int64_t{7}, int64_t{0}}) {
        harness::EngineOptions options;
        options.batch_size = batch;
        options.max_length = 8192;
        options.speculative_tokens = drafts;
        harness::EngineModel engine(loaded.model, loaded.tokenizer, options);
        const auto results = engine.generate_until(requests);
        const std::string where = "batch " + std::to_string(batch) + ", drafts " + std::to_string(drafts) +
                                  ", ENGRAM_PAGED_ATTENTION=" + in_place;
        for (std::size_t i = 0; i < requests.size(); ++i) {
          EXPECT_EQ(results[i].text, expected[i]) << where << ", prompt " << i;
        }
        const harness::ContinuousBatchingStats& stats = engine.generation_stats();
        if (drafts > 0) {
          // "The quick brown fox" continues by repeating itself: drafts are tried and taken.
          EXPECT_GT(stats.speculative_steps, 0) << where;
          EXPECT_GT(stats.accepted_tokens, 0) << where;
        } else {
          EXPECT_EQ(stats.speculative_steps, 0);
        }
      }
    }
  }
  ::unsetenv("ENGRAM_PAGED_ATTENTION");
}

TEST(CliInspect, GgufFileSummary) {
  auto [code, output] = testing::run_engram_bench("inspect --json " + (testing::gguf_data_dir() / "writer_v2.gguf").string());
  EXPECT_EQ(code, 1) << "a GGUF without llama hyperparameters maps to no model config";
  const auto report = nlohmann::json::parse(output);
  EXPECT_EQ(report["format"], "gguf");
  EXPECT_EQ(report["gguf_version"], 2);
  EXPECT_EQ(report["metadata"]["test.array_nested"]["type"], "ARRAY[ARRAY]");
  EXPECT_EQ(report["parameters_by_type"]["Q6_K"], 2 * 256 + 4 * 256);
  EXPECT_NE(report["config_error"].get<std::string>().find("llama.embedding_length"), std::string::npos);
  ENGRAM_REQUIRE_SMOLLM2(path);
  auto [smol_code, text] = testing::run_engram_bench("inspect --no-tensors " + path);
  ASSERT_EQ(smol_code, 0) << text;
  EXPECT_NE(text.find("Q4_1"), std::string::npos) << text;
  EXPECT_NE(text.find("llama.context_length"), std::string::npos) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(num_key_value_heads\s+3\n)"))) << text;
}

}  // namespace
}  // namespace engram
