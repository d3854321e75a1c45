#pragma once
// The engine: serves the task interface (tasks/language_model.h) from a CausalLM and its tokenizer.
// Requests are tokenised as lm-evaluation-harness does, sorted by length, batched (right padding
// for scoring, left padding with masks for generation), run, and returned in request order.
// Identical scoring inputs (e.g. MMLU's four one-token answers after one context) run once.

#include <memory>
#include <string>
#include <vector>

#include "baselines/nn/causal_lm.h"
#include "tasks/language_model.h"

namespace engram::tokenizer {
class Tokenizer;
}

namespace engram::harness {

struct EngineOptions {
  int64_t batch_size = 8;       // sequences per forward
  int64_t max_length = 4096;    // context window used for truncation
  bool add_bos = false;         // lm-eval's default for causal models: no BOS
  std::string name = "model";   // how reports name the model
  // What identifies the weights (spec, family, config and checkpoint hashes, parameter counts);
  // merged into describe(), so it reaches reports and journal keys.
  nlohmann::json identity = nlohmann::json::object();
};

class EngineModel : public tasks::LanguageModel {
 public:
  EngineModel(model::CausalLM model, std::shared_ptr<const tokenizer::Tokenizer> tokenizer, EngineOptions options);

  std::vector<tasks::LoglikelihoodResult> loglikelihood(const std::vector<tasks::LoglikelihoodRequest>& requests) override;
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override;
  std::vector<tasks::GenerationResult> generate_until(const std::vector<tasks::GenerationRequest>& requests) override;

  std::vector<int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t max_length() const override { return options_.max_length; }
  nlohmann::json describe() const override;

  // Scoring on tokens: log P(continuation | context) and whether it is the greedy continuation.
  struct TokenRequest {
    std::vector<int64_t> context;
    std::vector<int64_t> continuation;
  };
  std::vector<tasks::LoglikelihoodResult> score_tokens(const std::vector<TokenRequest>& requests);

  const EngineOptions& options() const { return options_; }
  EngineOptions& mutable_options() { return options_; }

 private:
  int64_t prefix_token() const;  // stands in for an empty context
  int64_t pad_token() const;
  std::vector<tasks::GenerationResult> generate_batch(const std::vector<const tasks::GenerationRequest*>& batch);

  model::CausalLM model_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  EngineOptions options_;
};

}  // namespace engram::harness
