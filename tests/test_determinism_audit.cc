// The determinism audit: on the CPU in float32 with greedy decoding, rerunning recorded requests at
// another batch size flips nothing; and the audit does report a flip when the answers do change.
#include <gtest/gtest.h>

#include "baselines/nn/causal_lm.h"
#include "baselines/presets.h"
#include "harness/engine/determinism_audit.h"
#include "harness/engine/engine_model.h"
#include "harness/tokenizer/tokenizer.h"
#include "test_support.h"

namespace engram::harness {
namespace {

std::shared_ptr<const tokenizer::Tokenizer> small_tokenizer() {
  static auto tok = std::make_shared<const tokenizer::Tokenizer>(
      tokenizer::Tokenizer::load((testing::source_dir() / "tests/data/tokenizer/gpt2_style").string()));
  return tok;
}

// A tiny preset's architecture over the small test tokenizer's vocabulary (so it builds in a blink).
model::CausalLM preset_model(const std::string& name) {
  model::ModelConfig config = model::find_preset(name).config;
  config.vocab_size = small_tokenizer()->vocab_size();
  config.num_hidden_layers = 2;
  std::shared_ptr<const NgramHashMapping> hashing;
  if (config.engram) {
    config.engram->hash.layer_ids = {1};
    std::vector<int64_t> lookup(config.vocab_size);
    for (int64_t i = 0; i < config.vocab_size; ++i) lookup[i] = i % 400;
    hashing = std::make_shared<const NgramHashMapping>(config.engram->hash, lookup);
  }
  model::CausalLM m(config, hashing);
  m->init_weights(5);
  return m;
}

void run_workload(tasks::LanguageModel& model) {
  std::vector<tasks::LoglikelihoodRequest> scoring;
  for (const std::string context : {"The capital of France is", "Two plus two equals", "Water boils at"}) {
    for (const std::string option : {" Paris", " four", " one hundred degrees", " blue"}) scoring.push_back({context, option});
  }
  model.loglikelihood(scoring);
  model.loglikelihood_rolling({"a short text to score whole", "another, somewhat longer, text to score whole"});
  std::vector<tasks::GenerationRequest> generation;
  for (const std::string prompt : {"Once upon a time", "Q: what is 2+2?\nA:", "def f(x):"}) {
    tasks::GenerationRequest r;
    r.context = prompt;
    r.max_new_tokens = 6;
    r.stop = {"\n\n"};
    generation.push_back(r);
  }
  model.generate_until(generation);
}

TEST(DeterminismAudit, GreedyFloat32OnTheCpuFlipsNothing) {
  for (const std::string name : {"tiny-dense", "tiny-moe", "tiny-engram"}) {
    EngineOptions options;
    options.batch_size = 4;
    options.max_length = 64;
    EngineModel engine(preset_model(name), small_tokenizer(), options);
    RecordingModel recording(engine);
    run_workload(recording);
    ASSERT_EQ(recording.loglikelihood_requests.size(), 12u);
    DeterminismAuditOptions audit;
    audit.requests_per_kind = 6;  // extended to whole context groups: 8 requests
    audit.original_batch_size = 4;
    audit.audit_batch_size = default_audit_batch_size(4);
    std::vector<int64_t> sizes_set;
    const nlohmann::json result = audit_determinism(engine, recording, audit, [&](int64_t size) {
      sizes_set.push_back(size);
      engine.mutable_options().batch_size = size;
    });
    EXPECT_EQ(sizes_set, (std::vector<int64_t>{1, 4})) << name;  // audited at 1, then restored
    EXPECT_EQ(engine.options().batch_size, 4);
    EXPECT_EQ(result["audit_batch_size"], 1);
    EXPECT_EQ(result["loglikelihood"]["requests"], 8) << name;
    EXPECT_EQ(result["loglikelihood"]["argmax_groups"], 2) << name;
    EXPECT_EQ(result["loglikelihood_rolling"]["requests"], 2) << name;
    EXPECT_EQ(result["generate_until"]["requests"], 3) << name;
    EXPECT_EQ(result["flips"], 0) << name << ": " << result.dump();
    EXPECT_LT(result["loglikelihood"]["max_abs_delta_logprob"].get<double>(), 1e-3) << name;
    EXPECT_NE(describe_audit(result).find("0 flips"), std::string::npos);
  }
}

// A model whose answers depend on the batch size it was given: the audit must see the flips.
class BatchDependentModel : public tasks::LanguageModel {
 public:
  int64_t batch_size = 4;
  std::vector<tasks::LoglikelihoodResult> loglikelihood(const std::vector<tasks::LoglikelihoodRequest>& requests) override {
    std::vector<tasks::LoglikelihoodResult> out;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      // Batch 4 prefers the first option of each pair, batch 1 the second.
      const bool first = i % 2 == 0;
      out.push_back({(first == (batch_size == 4)) ? -1.0 : -2.0, batch_size == 4, 1});
    }
    return out;
  }
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override {
    return std::vector<double>(texts.size(), -static_cast<double>(batch_size));
  }
  std::vector<tasks::GenerationResult> generate_until(const std::vector<tasks::GenerationRequest>& requests) override {
    tasks::GenerationResult answer;
    answer.text = batch_size == 4 ? "four" : "other";
    return std::vector<tasks::GenerationResult>(requests.size(), answer);
  }
  std::vector<int64_t> encode(const std::string&) const override { return {}; }
  std::string decode(const std::vector<int64_t>&) const override { return ""; }
  int64_t max_length() const override { return 16; }
  nlohmann::json describe() const override { return {}; }
};

TEST(DeterminismAudit, ReportsFlipsWhenAnswersChange) {
  BatchDependentModel model;
  RecordingModel recording(model);
  recording.loglikelihood({{"q1", "a"}, {"q1", "b"}, {"q2", "a"}, {"q2", "b"}});
  recording.loglikelihood_rolling({"t"});
  recording.generate_until({tasks::GenerationRequest{}, tasks::GenerationRequest{}});
  DeterminismAuditOptions audit;
  audit.original_batch_size = 4;
  audit.audit_batch_size = 1;
  const nlohmann::json result =
      audit_determinism(model, recording, audit, [&](int64_t size) { model.batch_size = size; });
  EXPECT_EQ(result["loglikelihood"]["greedy_flips"], 4);
  EXPECT_EQ(result["loglikelihood"]["argmax_flips"], 2);
  EXPECT_DOUBLE_EQ(result["loglikelihood"]["max_abs_delta_logprob"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(result["loglikelihood_rolling"]["max_abs_delta_logprob"].get<double>(), 3.0);
  EXPECT_EQ(result["generate_until"]["text_flips"], 2);
  EXPECT_EQ(result["flips"], 8);
  EXPECT_EQ(result["examples"].size(), 5u);
  EXPECT_EQ(model.batch_size, 4);
}

}  // namespace
}  // namespace engram::harness
