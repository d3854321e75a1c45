#pragma once
// Hand-made reports with known differences, generated (seeded) for the compare and regress tests.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::testing {

// Per-item 0/1 scores of two runs on n items: `one_to_zero` items right in A and wrong in B,
// `zero_to_one` the reverse, the rest agree (about half right), in a seeded random order.
struct BinaryPair {
  std::vector<double> a, b;
};

inline BinaryPair make_binary_pair(size_t n, size_t one_to_zero, size_t zero_to_one, uint64_t seed) {
  BinaryPair out;
  std::mt19937_64 rng(seed);
  std::vector<int> kind(n, 0);  // 0 agree, 1 one_to_zero, 2 zero_to_one
  std::fill(kind.begin(), kind.begin() + static_cast<long>(one_to_zero), 1);
  std::fill(kind.begin() + static_cast<long>(one_to_zero), kind.begin() + static_cast<long>(one_to_zero + zero_to_one), 2);
  std::shuffle(kind.begin(), kind.end(), rng);
  for (size_t i = 0; i < n; ++i) {
    if (kind[i] == 1) {
      out.a.push_back(1), out.b.push_back(0);
    } else if (kind[i] == 2) {
      out.a.push_back(0), out.b.push_back(1);
    } else {
      const double v = static_cast<double>(rng() % 2);
      out.a.push_back(v), out.b.push_back(v);
    }
  }
  return out;
}

inline double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// A task entry as docs/report-format.md lays it out, with items "sub<k>/<i>" over `subtasks` subtasks.
inline nlohmann::json make_task(const std::string& name, const std::string& metric, const std::vector<double>& values,
                                const std::string& fingerprint = "fp-v1", size_t subtasks = 1) {
  nlohmann::json ids = nlohmann::json::array(), column = nlohmann::json::array();
  for (size_t i = 0; i < values.size(); ++i) {
    ids.push_back("sub" + std::to_string(i % subtasks) + "/" + std::to_string(i));
    column.push_back(values[i]);
  }
  const double m = mean_of(values);
  const double se = values.size() > 1 ? std::sqrt(m * (1 - m) / static_cast<double>(values.size() - 1)) : 0;
  nlohmann::json task = {{"task", name},
                         {"fingerprint", fingerprint},
                         {"primary_metric", metric},
                         {"metrics", {{metric, {{"value", m}, {"stderr", se}, {"n", values.size()}, {"higher_is_better", true}}}}},
                         {"items", {{"ids", ids}, {"metrics", {{metric, column}}}}}};
  nlohmann::json subtask_results = nlohmann::json::object();
  for (size_t k = 0; k < subtasks; ++k) {
    std::vector<double> part;
    for (size_t i = k; i < values.size(); i += subtasks) part.push_back(values[i]);
    subtask_results["sub" + std::to_string(k)] = {{"fingerprint", fingerprint},
                                                  {"metrics", {{metric, {{"value", mean_of(part)}, {"n", part.size()}}}}}};
  }
  task["subtask_results"] = subtask_results;
  return task;
}

inline nlohmann::json make_speed_row(const std::string& model, double decode_tok_s) {
  return {{"model", model},         {"dtype", "float32"}, {"device", "cpu"},        {"threads", 2},
          {"engram_table", "device"}, {"workload", "sweep"}, {"batch", 4},            {"prompt_tokens", 128},
          {"gen_tokens", 32},       {"prefill_tok_s", 1000.0}, {"decode_tok_s", decode_tok_s}, {"decode_tok_s_stddev", 1.0}};
}

inline nlohmann::json make_report(const std::string& model, const nlohmann::json& tasks,
                                  const std::vector<nlohmann::json>& speed_rows = {}) {
  nlohmann::json report = {{"schema_version", "1.0"},
                           {"kind", "engram-bench-report"},
                           {"model", {{"spec", model}, {"name", model}}},
                           {"tasks", tasks},
                           {"future_field_readers_ignore", {{"x", 1}}}};
  report["speed"] = nlohmann::json(nullptr);
  if (!speed_rows.empty()) report["speed"] = {{"rows", nlohmann::json(speed_rows)}};
  return report;
}

inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("engram_compare_tests_" + std::to_string(::getpid())) / name;
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string write_json(const std::filesystem::path& path, const nlohmann::json& body) {
  std::ofstream(path) << body.dump(1);
  return path.string();
}

}  // namespace engram::testing
