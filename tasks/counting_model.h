#pragma once
// Counts what a run asks of its model, at the model interface itself: the report's
// `journal.model_requests` comes from here, so a resume that ignored its journal shows as a model
// that answered everything again (the CLI resume test checks the count).
// No LibTorch.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/language_model.h"

namespace engram::tasks {

class CountingModel : public LanguageModel {
 public:
  explicit CountingModel(LanguageModel& inner) : inner_(inner) {}

  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests) override {
    loglikelihood_requests_ += static_cast<int64_t>(requests.size());
    return inner_.loglikelihood(requests);
  }
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override {
    rolling_requests_ += static_cast<int64_t>(texts.size());
    return inner_.loglikelihood_rolling(texts);
  }
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) override {
    generation_requests_ += static_cast<int64_t>(requests.size());
    return inner_.generate_until(requests);
  }
  std::vector<int64_t> encode(const std::string& text) const override { return inner_.encode(text); }
  std::string decode(const std::vector<int64_t>& ids) const override { return inner_.decode(ids); }
  int64_t max_length() const override { return inner_.max_length(); }
  nlohmann::json describe() const override { return inner_.describe(); }

  // {"loglikelihood", "loglikelihood_rolling", "generate_until"}: requests passed to the model.
  nlohmann::json counts() const {
    return {{"loglikelihood", loglikelihood_requests_},
            {"loglikelihood_rolling", rolling_requests_},
            {"generate_until", generation_requests_}};
  }

 private:
  LanguageModel& inner_;
  int64_t loglikelihood_requests_ = 0;
  int64_t rolling_requests_ = 0;
  int64_t generation_requests_ = 0;
};

}  // namespace engram::tasks
