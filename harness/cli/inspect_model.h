#pragma once
// `engram-bench inspect --model SPEC`: what the model loader makes of a spec (any kind the loader
// takes): the source, the config's shape, the context window, the tokenizer, the parameter
// accounting (a tied embedding counted once) and the identity that reports record.

#include <optional>
#include <string>

namespace engram::cli {

int inspect_model(const std::string& spec, const std::optional<std::string>& tokenizer_dir, bool json);

}  // namespace engram::cli
