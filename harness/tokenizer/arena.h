#pragma once
// Append-only character storage for one encode call. Pre-tokenizers hand string_views from stage
// to stage; the pieces they rewrite (byte-level mapping, a prefix space) live here, so a megabyte
// of text costs a few block allocations instead of one std::string per word.

#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace engram::tokenizer {

class Arena {
 public:
  // n bytes that stay valid until the arena is destroyed.
  char* allocate(size_t n) {
    if (blocks_.empty() || n > cap_ - used_) grow(n);
    char* p = blocks_.back().get() + used_;
    used_ += n;
    return p;
  }

  // Gives back the unused tail of the most recent allocation (p must be what allocate returned).
  void shrink_last(const char* p, size_t allocated, size_t used) {
    if (!blocks_.empty() && p + allocated == blocks_.back().get() + used_) used_ -= allocated - used;
  }

  std::string_view copy(std::string_view s) {
    char* p = allocate(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

 private:
  void grow(size_t n) {
    const size_t size = n > kBlock ? n : kBlock;
    blocks_.emplace_back(new char[size]);
    used_ = 0;
    cap_ = size;
  }

  static constexpr size_t kBlock = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0, cap_ = 0;
};

}  // namespace engram::tokenizer
