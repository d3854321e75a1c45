#pragma once
// Counts what a run asks of its model, at the model interface itself: the report's
// `journal.model_requests` comes from here, so a resume that ignored its journal shows as a model
// that answered everything again (the CLI resume test checks the count).
// No LibTorch.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/forwarding_model.h"

namespace engram::tasks {

class CountingModel : public ForwardingModel {
 public:
  using ForwardingModel::ForwardingModel;

  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests) override {
    loglikelihood_requests_ += static_cast<int64_t>(requests.size());
    return ForwardingModel::loglikelihood(requests);
  }
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override {
    rolling_requests_ += static_cast<int64_t>(texts.size());
    return ForwardingModel::loglikelihood_rolling(texts);
  }
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) override {
    generation_requests_ += static_cast<int64_t>(requests.size());
    return ForwardingModel::generate_until(requests);
  }

  // {"loglikelihood", "loglikelihood_rolling", "generate_until"}: requests passed to the model.
  nlohmann::json counts() const {
    return {{"loglikelihood", loglikelihood_requests_},
            {"loglikelihood_rolling", rolling_requests_},
            {"generate_until", generation_requests_}};
  }

 private:
  int64_t loglikelihood_requests_ = 0;
  int64_t rolling_requests_ = 0;
  int64_t generation_requests_ = 0;
};

}  // namespace engram::tasks
