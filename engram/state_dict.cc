#include "engram/state_dict.h"

#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace engram {

void load_state_dict(torch::nn::Module& module, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                     const std::string& source) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& item : module.named_parameters(true)) targets[item.key()] = item.value();
  for (const auto& item : module.named_buffers(true)) targets[item.key()] = item.value();
  std::set<std::string> loaded;
  std::vector<std::string> unexpected;
  torch::NoGradGuard no_grad;
  for (const auto& [name, value] : tensors) {
    const auto target = targets.find(name);
    if (target == targets.end()) {
      unexpected.push_back(name);
      continue;
    }
    if (target->second.sizes() != value.sizes()) {
      std::ostringstream message;
      message << source << ": tensor '" << name << "' has shape " << value.sizes() << " but the model expects "
              << target->second.sizes();
      throw std::runtime_error(message.str());
    }
    target->second.copy_(value);
    loaded.insert(name);
  }
  std::vector<std::string> missing;
  for (const auto& [name, tensor] : targets) {
    if (!loaded.count(name)) missing.push_back(name);
  }
  if (!missing.empty() || !unexpected.empty()) {
    std::ostringstream message;
    message << source << ": checkpoint does not match the model.";
    if (!missing.empty()) {
      message << " Missing:";
      for (const auto& name : missing) message << " '" << name << "'";
      message << ".";
    }
    if (!unexpected.empty()) {
      message << " Unexpected:";
      for (const auto& name : unexpected) message << " '" << name << "'";
      message << ".";
    }
    throw std::runtime_error(message.str());
  }
}

}  // namespace engram
