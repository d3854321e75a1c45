#pragma once
// A tiny whitespace "tokenizer" for the test models (replay, oracle): one id per whitespace-separated
// word, ids handed out on first sight. It exists so that those models can answer encode/decode and
// count tokens without a real vocabulary; decode joins words with single spaces (lossy on purpose).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace engram::tasks {

class WhitespaceCodec {
 public:
  WhitespaceCodec();
  ~WhitespaceCodec();
  WhitespaceCodec(WhitespaceCodec&&) noexcept;
  WhitespaceCodec& operator=(WhitespaceCodec&&) noexcept;

  std::vector<int64_t> encode(const std::string& text) const;
  std::string decode(const std::vector<int64_t>& ids) const;  // unknown ids: std::out_of_range
  size_t count(const std::string& text) const;               // number of words, without assigning ids

 private:
  struct State;  // vocabulary and its mutex, behind a pointer so that models holding a codec can move
  std::unique_ptr<State> state_;
};

}  // namespace engram::tasks
