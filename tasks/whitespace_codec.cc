#include "tasks/whitespace_codec.h"

#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace engram::tasks {

struct WhitespaceCodec::State {
  std::mutex mutex;
  std::unordered_map<std::string, int64_t> ids;
  std::vector<std::string> words;
};

WhitespaceCodec::WhitespaceCodec() : state_(std::make_unique<State>()) {}
WhitespaceCodec::~WhitespaceCodec() = default;
WhitespaceCodec::WhitespaceCodec(WhitespaceCodec&&) noexcept = default;
WhitespaceCodec& WhitespaceCodec::operator=(WhitespaceCodec&&) noexcept = default;

std::vector<int64_t> WhitespaceCodec::encode(const std::string& text) const {
  std::istringstream in(text);
  std::vector<int64_t> out;
  std::lock_guard<std::mutex> lock(state_->mutex);
  for (std::string word; in >> word;) {
    auto [it, inserted] = state_->ids.try_emplace(word, static_cast<int64_t>(state_->words.size()));
    if (inserted) state_->words.push_back(word);
    out.push_back(it->second);
  }
  return out;
}

std::string WhitespaceCodec::decode(const std::vector<int64_t>& ids) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= state_->words.size()) {
      throw std::out_of_range("whitespace codec: unknown id " + std::to_string(ids[i]));
    }
    if (i) out += ' ';
    out += state_->words[static_cast<size_t>(ids[i])];
  }
  return out;
}

size_t WhitespaceCodec::count(const std::string& text) const {
  std::istringstream in(text);
  size_t n = 0;
  for (std::string word; in >> word;) ++n;
  return n;
}

}  // namespace engram::tasks
