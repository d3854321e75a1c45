#pragma once
// tokenizer.json "pre_tokenizer": cuts each stretch of normalized text into the words the model
// sees. Supported: Split (String or Regex pattern; Removed, Isolated, MergedWithPrevious,
// MergedWithNext, Contiguous; invert), ByteLevel (add_prefix_space, use_regex with GPT-2's regex)
// and Sequence of those.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/tokenizer/arena.h"
#include "harness/tokenizer/json_fields.h"
#include "harness/tokenizer/pattern.h"

namespace engram::tokenizer {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces pieces with their sub-pieces, in order. Empty pieces are dropped, as `tokenizers`
  // drops empty splits. New text goes into arena; use_fast=false makes regexes use ICU (tests).
  virtual void pre_tokenize(std::vector<std::string_view>& pieces, Arena& arena, bool use_fast) const = 0;
};

// nullptr for a JSON null. Throws ConfigError naming `where` for unknown types or bad fields.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& j, const std::string& where);

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// One Split step on one piece, exposed for tests: appends the resulting sub-pieces to out.
void split_piece(std::string_view piece, const Pattern& pattern, SplitBehavior behavior, bool invert,
                 std::vector<std::string_view>& out, bool use_fast = true);

}  // namespace engram::tokenizer
