#include "tasks/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "tasks/fingerprint.h"
#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks {
namespace {

std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::invalid_argument("bad hex digit");
  };
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(value(hex[2 * i]) * 16 + value(hex[2 * i + 1]));
  return out;
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error(path.string() + ": " + what);
}

}  // namespace

std::string journal_key(const std::string& model_fingerprint, const Task& task, const Instance& instance) {
  nlohmann::json request = instance.request_description();
  request["prompt_sha256"] = sha256_hex(instance.context);
  return fingerprint_of(
      {{"model", model_fingerprint}, {"task", task.name()}, {"version", task.version()}, {"request", request}});
}

nlohmann::json response_to_json(const InstanceResponse& response) {
  nlohmann::json out = nlohmann::json::object();
  if (!response.loglikelihoods.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : response.loglikelihoods) {
      nlohmann::json entry = {{"logprob", r.logprob}, {"is_greedy", r.is_greedy}, {"tokens", r.tokens}};
      if (r.prompt_truncated) entry["prompt_truncated"] = true;
      list.push_back(std::move(entry));
    }
    out["loglikelihoods"] = std::move(list);
  }
  const GenerationResult& g = response.generation;
  nlohmann::json generation = {{"hit_stop", g.hit_stop}, {"truncated", g.truncated}, {"tokens", g.tokens}};
  if (g.prompt_truncated) generation["prompt_truncated"] = true;
  if (to_valid_utf8(g.text) == g.text) {
    generation["text"] = g.text;
  } else {
    generation["text_hex"] = to_hex(g.text);
  }
  out["generation"] = std::move(generation);
  return out;
}

InstanceResponse response_from_json(const nlohmann::json& json) {
  InstanceResponse response;
  if (json.contains("loglikelihoods")) {
    for (const auto& r : json.at("loglikelihoods")) {
      response.loglikelihoods.push_back({r.at("logprob").get<double>(), r.at("is_greedy").get<bool>(),
                                         r.at("tokens").get<int64_t>(), r.value("prompt_truncated", false)});
    }
  }
  const auto& g = json.at("generation");
  response.generation.text = g.contains("text_hex") ? from_hex(g.at("text_hex").get<std::string>())
                                                    : g.at("text").get<std::string>();
  response.generation.hit_stop = g.at("hit_stop").get<bool>();
  response.generation.truncated = g.at("truncated").get<bool>();
  response.generation.tokens = g.at("tokens").get<int64_t>();
  response.generation.prompt_truncated = g.value("prompt_truncated", false);
  return response;
}

Journal::Journal(std::filesystem::path path) : path_(std::move(path)) {
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(path_, std::string("cannot open journal: ") + std::strerror(errno));
  load();
}

void Journal::load() {
  const uint64_t torn_at = read_lines(path_, /*own=*/true);
  if (torn_lines_ > 0) {
    torn_tail_offset_ = torn_at;
    loaded_bytes_ = std::filesystem::file_size(path_);
  }
}

void Journal::import_answers(const std::filesystem::path& other) {
  if (std::filesystem::equivalent(other, path_)) return;
  const size_t torn_before = torn_lines_;
  read_lines(other, /*own=*/false);
  torn_lines_ = torn_before;  // another writer's torn tail is its own to cut
}

uint64_t Journal::read_lines(const std::filesystem::path& file, bool own) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, "cannot read journal");
  std::string line;
  size_t line_number = 0;
  uint64_t offset = 0;  // of the current line
  uint64_t torn_offset = 0;
  std::optional<size_t> torn_line;
  std::string torn_reason;
  while (std::getline(in, line)) {
    ++line_number;
    const bool has_newline = !in.eof();
    const uint64_t line_offset = offset;
    offset += line.size() + (has_newline ? 1 : 0);
    if (line.empty()) continue;
    if (torn_line) {
      fail(file, "line " + std::to_string(*torn_line) + ": " + torn_reason +
                     "; only the last line may be torn (by a kill mid-write). Remove that line to resume: its "
                     "instance will be run again");
    }
    // One write(2) carries a whole line with its newline: a line without one was cut short.
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (entry.is_discarded() || !has_newline) {
      torn_line = line_number;
      torn_reason = entry.is_discarded() ? "not valid JSON" : "no newline at its end";
      torn_offset = line_offset;
      continue;
    }
    try {
      const bool is_model = entry.contains("model_fingerprint");
      const std::string id = is_model ? "model:" + entry.at("model_fingerprint").get<std::string>()
                                      : entry.at("key").get<std::string>();
      if (is_model) {
        models_[entry.at("model_fingerprint").get<std::string>()] = entry.at("model");
      } else {
        entries_[id] = {response_from_json(entry.at("response")),
                        entry.contains("model_seconds") ? std::optional<double>(entry.at("model_seconds").get<double>())
                                                        : std::nullopt};
      }
      if (own) {
        own_keys_.insert(id);
        imported_lines_.erase(id);
      } else if (!own_keys_.count(id)) {
        imported_lines_[id] = std::move(entry);
      }
    } catch (const std::exception& e) {
      fail(file, "line " + std::to_string(line_number) + ": not a journal entry (" + e.what() + ")");
    }
  }
  if (torn_line) torn_lines_ = 1;
  return torn_offset;
}

// The torn last line goes before anything else is appended, so that the journal stays a list of
// whole lines. A journal that grew since it was loaded has another writer, whose lines this would cut.
void Journal::truncate_torn_tail() {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) fail(path_, std::string("cannot stat journal: ") + std::strerror(errno));
  if (static_cast<uint64_t>(info.st_size) != loaded_bytes_) {
    fail(path_, "grew since it was opened (another writer?): not cutting its torn last line");
  }
  if (::ftruncate(fd_, static_cast<off_t>(*torn_tail_offset_)) != 0) {
    fail(path_, std::string("cannot cut the torn last line: ") + std::strerror(errno));
  }
  torn_tail_offset_.reset();
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

const InstanceResponse* Journal::find(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second.response;
}

std::optional<double> Journal::model_seconds(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? std::nullopt : it->second.model_seconds;
}

void Journal::append(const std::string& key, const Task& task, const Instance& instance,
                     const InstanceResponse& response, std::optional<double> model_seconds) {
  nlohmann::json line = {{"key", key},
                         {"task", task.name()},
                         {"doc_id", instance.doc_id},
                         {"type", to_string(instance.type)},
                         {"response", response_to_json(response)}};
  if (model_seconds) line["model_seconds"] = *model_seconds;
  append_line(line);
  entries_[key] = {response, model_seconds};
  own_keys_.insert(key);
  imported_lines_.erase(key);
}

size_t Journal::adopt_imported() {
  const size_t count = imported_lines_.size();
  for (const auto& [id, line] : imported_lines_) {
    append_line(line);
    own_keys_.insert(id);
  }
  imported_lines_.clear();
  if (count > 0) sync();
  return count;
}

void Journal::record_model(const std::string& fingerprint, const nlohmann::json& description) {
  if (models_.count(fingerprint)) return;
  append_line({{"model_fingerprint", fingerprint}, {"model", description}});
  sync();
  models_[fingerprint] = description;
  own_keys_.insert("model:" + fingerprint);
  imported_lines_.erase("model:" + fingerprint);
}

void Journal::sync() {
  while (::fdatasync(fd_) != 0) {
    if (errno != EINTR) fail(path_, std::string("cannot sync journal to disk: ") + std::strerror(errno));
  }
}

void Journal::append_line(const nlohmann::json& entry) {
  if (torn_tail_offset_) truncate_torn_tail();
  const std::string line = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  size_t written = 0;
  // One write per line: O_APPEND places it atomically at the end. The loop only continues after a
  // short write (a full disk or a signal), which the next load treats as a torn line.
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path_, std::string("cannot append to journal: ") + std::strerror(errno));
    }
    written += static_cast<size_t>(n);
  }
}

}  // namespace engram::tasks
