#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/cli/inspect_gguf.h"
#include "harness/cli/inspect_model.h"
#include "harness/io/checkpoint.h"
#include "harness/io/checkpoint_summary.h"
#include "harness/io/hf_config.h"

namespace engram::cli {
namespace {

namespace fs = std::filesystem;

struct InspectOptions {
  std::string path;
  std::string model;  // --model SPEC: the loaded model instead of a checkpoint's files
  std::string tokenizer;
  bool json = false;
  bool list_tensors = true;
};

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::string human_count(uint64_t n) {
  if (n >= 1000000000ull) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1000000ull) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1000ull) return fmt::format("{:.1f}K", n / 1e3);
  return std::to_string(n);
}

int run_inspect(const InspectOptions& options) {
  if (is_gguf_path(options.path)) return run_inspect_gguf(options.path, options.json, options.list_tensors);
  const io::Checkpoint checkpoint = io::Checkpoint::open(options.path);
  std::vector<io::TensorInfo> tensors;
  for (const std::string& name : checkpoint.names()) {
    const io::SafetensorsEntry& entry = checkpoint.entry(name);
    tensors.push_back({name, entry.dtype.name, entry.shape, ""});
  }
  const io::ParameterSummary summary = io::summarize(tensors);
  const fs::path dir = fs::is_directory(options.path) ? fs::path(options.path) : fs::path(options.path).parent_path();
  std::optional<nlohmann::json> config_json;
  std::string config_error;
  if (fs::exists(dir / "config.json")) {
    try {
      config_json = io::to_hf_json(io::load_hf_config((dir / "config.json").string()));
    } catch (const std::exception& e) {
      config_error = e.what();
    }
  }

  if (options.json) {
    nlohmann::json out;
    out["files"] = checkpoint.files();
    out["metadata"] = checkpoint.metadata();
    out["total_parameters"] = summary.total;
    out["bytes"] = summary.bytes;
    out["parameters_by_group"] = summary.by_group;
    out["parameters_by_dtype"] = summary.by_dtype;
    if (options.list_tensors) {
      out["tensors"] = nlohmann::json::array();
      for (const auto& t : tensors) out["tensors"].push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}});
    }
    if (config_json) out["config"] = *config_json;
    if (!config_error.empty()) out["config_error"] = config_error;
    std::cout << out.dump(2) << "\n";
    return config_error.empty() ? 0 : 1;
  }
  std::cout << fmt::format("checkpoint: {} ({} file{})\n", options.path, checkpoint.files().size(),
                           checkpoint.files().size() == 1 ? "" : "s");
  std::cout << fmt::format("parameters: {} ({}), {:.2f} GiB\n", summary.total, human_count(summary.total),
                           summary.bytes / double(1ull << 30));
  std::cout << "by group:\n";
  for (const auto& [group, n] : summary.by_group) {
    std::cout << fmt::format("  {:<18} {:>16} {:>9} {:6.2f}%\n", group, n, human_count(n), 100.0 * n / summary.total);
  }
  std::cout << "by dtype:\n";
  for (const auto& [dtype, n] : summary.by_dtype) std::cout << fmt::format("  {:<18} {:>16}\n", dtype, n);
  if (config_json) {
    std::cout << "config.json:\n";
    for (auto it = config_json->begin(); it != config_json->end(); ++it) {
      std::cout << fmt::format("  {:<28} {}\n", it.key(), it->dump());
    }
  }
  if (!config_error.empty()) std::cout << "config.json: error: " << config_error << "\n";
  if (options.list_tensors) {
    std::cout << "tensors:\n";
    for (const auto& t : tensors) {
      std::cout << fmt::format("  {:<60} {:<8} {:<20} {:>12}\n", t.name, t.dtype, shape_text(t.shape), t.numel());
    }
  }
  return config_error.empty() ? 0 : 1;
}

}  // namespace

void add_inspect_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Print a checkpoint's (safetensors or GGUF) tensors, dtypes, shapes, parameter counts by group and its config.json");
  auto* path = inspect->add_option("path", options->path, "checkpoint folder, index file, .safetensors or .gguf file")
                   ->check(CLI::ExistingPath);
  auto* model = inspect->add_option("--model", options->model,
                                    "load a model spec instead (PRESET[+engram=SIZE] | hf:DIR | gguf:FILE | smollm2-135m) "
                                    "and print its config, context window, parameter counts and identity")
                    ->excludes(path);
  path->excludes(model);
  inspect->add_option("--tokenizer", options->tokenizer, "with --model: tokenizer folder (default: the model's)")
      ->needs(model);
  inspect->add_flag("--json", options->json, "machine-readable output");
  inspect->add_flag("!--no-tensors", options->list_tensors, "omit the per-tensor list");
  actions.emplace_back(inspect, [options] {
    if (!options->model.empty()) {
      return inspect_model(options->model,
                           options->tokenizer.empty() ? std::nullopt : std::optional<std::string>(options->tokenizer),
                           options->json);
    }
    if (options->path.empty()) throw std::invalid_argument("inspect: give a checkpoint path or --model SPEC");
    return run_inspect(*options);
  });
}

}  // namespace engram::cli
