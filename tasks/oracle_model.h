#pragma once
// OracleModel: a LanguageModel that prefers given continuations. For each log-likelihood request it
// asks `prefer(context)` for the preferred continuation; that one scores -1 and is greedy, every
// other continuation scores -10 and is not. For generation it returns `generate(context)` as the
// text. With a gold-preferring function a multiple-choice task must score 100%; with "always ' A'"
// it must score exactly the share of A answers. A context the functions have no answer for is an
// error naming it.

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tasks/language_model.h"
#include "tasks/whitespace_codec.h"

namespace engram::tasks {

class OracleModel : public LanguageModel {
 public:
  using Choice = std::function<std::optional<std::string>(const std::string& context)>;

  static constexpr double kPreferredLogprob = -1.0;
  static constexpr double kOtherLogprob = -10.0;

  OracleModel(Choice prefer, Choice generate = {}, std::string name = "oracle");
  // Preferred continuations (and generations) looked up by exact context.
  static OracleModel from_maps(std::unordered_map<std::string, std::string> preferred,
                               std::unordered_map<std::string, std::string> generations = {},
                               std::string name = "oracle");

  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests) override;
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override;
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) override;
  std::vector<int64_t> encode(const std::string& text) const override { return codec_.encode(text); }
  std::string decode(const std::vector<int64_t>& ids) const override { return codec_.decode(ids); }
  int64_t max_length() const override { return int64_t{1} << 30; }
  nlohmann::json describe() const override;

 private:
  Choice prefer_;
  Choice generate_;
  std::string name_;
  WhitespaceCodec codec_;
};

}  // namespace engram::tasks
