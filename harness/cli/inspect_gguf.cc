#include "harness/cli/inspect_gguf.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "harness/io/checkpoint_summary.h"
#include "harness/io/gguf_config.h"
#include "harness/io/gguf_header.h"
#include "harness/io/hf_config.h"
#include "harness/io/mapped_file.h"

namespace engram::cli {
namespace {

using nlohmann::json;

// Arrays longer than this are shown as their type, length and first few elements (a vocabulary has
// tens of thousands).
constexpr std::size_t kShownElements = 8;

struct TensorTotals {
  std::map<std::string, uint64_t> by_group, by_type;
  uint64_t parameters = 0, bytes = 0;
};

TensorTotals totals(const io::GgufHeader& header) {
  TensorTotals t;
  for (const auto& info : header.tensors) {
    const auto n = static_cast<uint64_t>(info.numel());
    std::string group = "other";
    try {
      group = io::parameter_group(io::gguf_hf_tensor_name(info.name, header));
    } catch (const std::runtime_error&) {
    }
    t.by_group[group] += n;
    t.by_type[info.type.name] += n;
    t.parameters += n;
    t.bytes += info.bytes;
  }
  return t;
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

void print_text(const io::GgufHeader& header, const TensorTotals& t, const json& config, const std::string& config_error,
                bool list_tensors) {
  std::cout << fmt::format("gguf: {} (version {}, {} tensors, {} metadata keys, alignment {}, data at byte {})\n",
                           header.source, header.version, header.tensors.size(), header.metadata.size(), header.alignment,
                           header.data_offset);
  std::cout << fmt::format("parameters: {} in {} bytes ({:.2f} bits each)\n", t.parameters, t.bytes,
                           t.parameters ? 8.0 * t.bytes / t.parameters : 0.0);
  std::cout << "by group:\n";
  for (const auto& [group, n] : t.by_group) std::cout << fmt::format("  {:<18} {:>16}\n", group, n);
  std::cout << "by tensor type:\n";
  for (const auto& [type, n] : t.by_type) std::cout << fmt::format("  {:<18} {:>16}\n", type, n);
  std::cout << "metadata:\n";
  for (const auto& [key, value] : header.metadata) {
    std::string shown = io::gguf_value_json(value, kShownElements).dump();
    if (shown.size() > 160) shown = shown.substr(0, 157) + "...";
    std::cout << fmt::format("  {:<40} {:<16} {}\n", key, value.type_name(), shown);
  }
  if (!config.is_null()) {
    std::cout << "config (as config.json):\n";
    for (auto it = config.begin(); it != config.end(); ++it) std::cout << fmt::format("  {:<28} {}\n", it.key(), it->dump());
  }
  if (!config_error.empty()) std::cout << "config: error: " << config_error << "\n";
  if (list_tensors) {
    std::cout << "tensors:\n";
    for (const auto& info : header.tensors) {
      std::cout << fmt::format("  {:<36} {:<6} {:<24} {:>12}\n", info.name, info.type.name, dims_text(info.dims), info.numel());
    }
  }
}

}  // namespace

bool is_gguf_path(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

int run_inspect_gguf(const std::string& path, bool as_json, bool list_tensors) {
  const auto file = io::MappedFile::map(path);
  const io::GgufHeader header = io::parse_gguf_header(file->data(), file->size(), path);
  const TensorTotals t = totals(header);
  json config;
  std::string config_error;
  try {
    config = io::to_hf_json(io::gguf_model_config(header));
  } catch (const std::exception& e) {
    config_error = e.what();
  }
  if (!as_json) {
    print_text(header, t, config, config_error, list_tensors);
    return config_error.empty() ? 0 : 1;
  }
  json out = {{"format", "gguf"},          {"file", path},
              {"gguf_version", header.version}, {"alignment", header.alignment},
              {"data_offset", header.data_offset}, {"total_parameters", t.parameters},
              {"bytes", t.bytes},            {"parameters_by_group", t.by_group},
              {"parameters_by_type", t.by_type}};
  out["metadata"] = json::object();
  for (const auto& [key, value] : header.metadata) {
    out["metadata"][key] = {{"type", value.type_name()}, {"value", io::gguf_value_json(value, kShownElements)}};
  }
  if (list_tensors) {
    out["tensors"] = json::array();
    for (const auto& info : header.tensors) {
      out["tensors"].push_back({{"name", info.name}, {"type", info.type.name}, {"dims", info.dims}, {"offset", info.offset},
                                {"bytes", info.bytes}});
    }
  }
  if (!config.is_null()) out["config"] = config;
  if (!config_error.empty()) out["config_error"] = config_error;
  std::cout << out.dump(2) << "\n";
  return config_error.empty() ? 0 : 1;
}

}  // namespace engram::cli
