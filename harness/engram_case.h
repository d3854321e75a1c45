#pragma once
// What the `engram hash` and `engram forward` verbs do, as functions over files, so that tests and
// the CLI share one path: read a config (reference field names) and safetensors inputs, compute,
// write safetensors outputs atomically.

#include <optional>
#include <string>

namespace engram::harness {

struct HashCaseOptions {
  std::string config_path;
  std::string input_path;
  std::string output_path;
  std::string input_prefix;  // e.g. "main." to read "main.input_ids" from a golden file
  std::string device = "cpu";
  int threads = 1;
};

struct ForwardCaseOptions {
  std::string config_path;
  std::string weights_path;
  std::string input_path;
  std::string output_path;
  std::string dtype = "float32";  // float32 | float64 | bfloat16
  std::string device = "cpu";
  std::optional<int64_t> layer_id;  // default: the config's layer_id
};

// Both return a one-line human summary; they throw std::exception with file and field on bad input.
std::string run_hash_case(const HashCaseOptions& options);
std::string run_forward_case(const ForwardCaseOptions& options);

}  // namespace engram::harness
