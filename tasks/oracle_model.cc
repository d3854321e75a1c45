#include "tasks/oracle_model.h"

#include <memory>
#include <stdexcept>

#include "tasks/text.h"

namespace engram::tasks {
namespace {

std::string context_tail(const std::string& context) {
  return preview(context.substr(context.size() > 60 ? context.size() - 60 : 0));
}

}  // namespace

OracleModel::OracleModel(Choice prefer, Choice generate, std::string name)
    : prefer_(std::move(prefer)), generate_(std::move(generate)), name_(std::move(name)) {}

OracleModel OracleModel::from_maps(std::unordered_map<std::string, std::string> preferred,
                                   std::unordered_map<std::string, std::string> generations, std::string name) {
  auto p = std::make_shared<std::unordered_map<std::string, std::string>>(std::move(preferred));
  auto g = std::make_shared<std::unordered_map<std::string, std::string>>(std::move(generations));
  auto lookup = [](std::shared_ptr<std::unordered_map<std::string, std::string>> map) -> Choice {
    return [map](const std::string& context) -> std::optional<std::string> {
      const auto it = map->find(context);
      if (it == map->end()) return std::nullopt;
      return it->second;
    };
  };
  return OracleModel(lookup(p), lookup(g), std::move(name));
}

std::vector<LoglikelihoodResult> OracleModel::loglikelihood(const std::vector<LoglikelihoodRequest>& requests) {
  if (!prefer_ && !requests.empty()) throw std::runtime_error("oracle: no preference function given");
  std::vector<LoglikelihoodResult> out;
  out.reserve(requests.size());
  // Consecutive requests usually share a context (the choices of one question): ask once.
  const std::string* last_context = nullptr;
  std::optional<std::string> preferred;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& req = requests[i];
    if (last_context == nullptr || *last_context != req.context) {
      preferred = prefer_(req.context);
      last_context = &req.context;
    }
    if (!preferred) {
      throw std::runtime_error("oracle: no preferred continuation for request #" + std::to_string(i) +
                               " (context ending '" + context_tail(req.context) + "')");
    }
    LoglikelihoodResult r;
    r.is_greedy = req.continuation == *preferred;
    r.logprob = r.is_greedy ? kPreferredLogprob : kOtherLogprob;
    r.tokens = static_cast<int64_t>(codec_.count(req.continuation));
    out.push_back(r);
  }
  return out;
}

std::vector<double> OracleModel::loglikelihood_rolling(const std::vector<std::string>& texts) {
  // Every text is as likely as its length in words says: -1 per word.
  std::vector<double> out;
  for (const auto& t : texts) out.push_back(-static_cast<double>(codec_.count(t)));
  return out;
}

std::vector<GenerationResult> OracleModel::generate_until(const std::vector<GenerationRequest>& requests) {
  if (!generate_ && !requests.empty()) throw std::runtime_error("oracle: no generation function given");
  std::vector<GenerationResult> out;
  out.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto text = generate_(requests[i].context);
    if (!text) {
      throw std::runtime_error("oracle: no generation for request #" + std::to_string(i) + " (context ending '" +
                               context_tail(requests[i].context) + "')");
    }
    GenerationResult r;
    r.text = *text;
    r.tokens = static_cast<int64_t>(codec_.count(*text));
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json OracleModel::describe() const {
  return {{"name", name_},
          {"kind", "oracle"},
          {"preferred_logprob", kPreferredLogprob},
          {"other_logprob", kOtherLogprob}};
}

}  // namespace engram::tasks
