#pragma once
// Loading named tensors into a module whose parameter and buffer names match the checkpoint's.

#include <torch/nn/module.h>

#include <string>
#include <utility>
#include <vector>

namespace engram {

// Strict: every parameter and buffer must be present with the same shape, and no tensor may be left
// over. Values are converted to each parameter's dtype and device. Errors name source and tensor.
void load_state_dict(torch::nn::Module& module, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                     const std::string& source);

}  // namespace engram
