#pragma once
// tokenizer.json "post_processor": adds the special tokens a model expects around one sequence when
// encode is called with add_special_tokens=true. Only ids matter here (no offsets, no type ids, no
// pairs). Supported: ByteLevel (ids unchanged), TemplateProcessing, BertProcessing,
// RobertaProcessing, Sequence.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/tokenizer/json_fields.h"

namespace engram::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Rewrites the ids of one encoded sequence; a no-op when add_special_tokens is false.
  virtual void process(std::vector<int64_t>& ids, bool add_special_tokens) const = 0;
};

// nullptr for a JSON null. Throws ConfigError naming `where` for unknown types or bad fields.
std::unique_ptr<PostProcessor> make_post_processor(const json& j, const std::string& where);

}  // namespace engram::tokenizer
