#pragma once
// A LanguageModel that passes every call through to another: the base of the decorators that
// observe a run's requests (CountingModel, the determinism audit's RecordingModel), so each states
// only what it adds. No LibTorch.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/language_model.h"

namespace engram::tasks {

class ForwardingModel : public LanguageModel {
 public:
  explicit ForwardingModel(LanguageModel& inner) : inner_(inner) {}

  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests) override {
    return inner_.loglikelihood(requests);
  }
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override {
    return inner_.loglikelihood_rolling(texts);
  }
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) override {
    return inner_.generate_until(requests);
  }
  std::vector<int64_t> encode(const std::string& text) const override { return inner_.encode(text); }
  std::string decode(const std::vector<int64_t>& ids) const override { return inner_.decode(ids); }
  int64_t max_length() const override { return inner_.max_length(); }
  nlohmann::json describe() const override { return inner_.describe(); }

 private:
  LanguageModel& inner_;
};

}  // namespace engram::tasks
