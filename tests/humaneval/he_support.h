#pragma once
// Shared helpers for the HumanEval suites: the data path, the problems (read once) and sandboxes
// (built once each: building one probes the machine).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../test_support.h"
#include "tasks/humaneval/humaneval.h"

namespace engram::testing::humaneval {

namespace he = engram::tasks::humaneval;

inline std::filesystem::path problems_path() {
  return shared_dir() / "datasets" / "humaneval" / "HumanEval.jsonl.gz";
}

inline const std::vector<he::Problem>& problems() {
  static const std::vector<he::Problem> loaded = he::load_problems(problems_path());
  return loaded;
}

inline const he::Sandbox& sandbox() {
  static const std::unique_ptr<he::Sandbox> box = [] {
    auto b = std::make_unique<he::Sandbox>(he::SandboxConfig{});
    std::fprintf(stderr, "[humaneval] sandbox: %s\n", b->describe().dump().c_str());
    return b;
  }();
  return *box;
}

// A sandbox for small programs: a 1 s timeout and two workers (built once).
inline const he::Sandbox& quick_sandbox() {
  static const std::unique_ptr<he::Sandbox> box = [] {
    he::SandboxConfig c;
    c.timeout_s = 1.0;
    c.workers = 2;
    return std::make_unique<he::Sandbox>(c);
  }();
  return *box;
}

// A fresh directory under the system temporary directory, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "engram-he-test-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace engram::testing::humaneval
