#pragma once
// `engram-bench inspect FILE.gguf`: a GGUF file's header, metadata, tensors and the model config
// its hyperparameters map to.

#include <string>

namespace engram::cli {

bool is_gguf_path(const std::string& path);
// Exit code 1 when the hyperparameters do not map to a model we run (the error is printed).
int run_inspect_gguf(const std::string& path, bool json, bool list_tensors);

}  // namespace engram::cli
