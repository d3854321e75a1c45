#pragma once
// Each verb registers its options on the shared CLI11 app and returns the action to run when chosen.

#include <CLI/CLI.hpp>

#include <functional>

namespace engram::cli {

using Action = std::function<int()>;

// `engram-bench engram hash|forward`
void add_engram_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench inspect PATH`
void add_inspect_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench tokenizer compress`
void add_tokenizer_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench models [show NAME | derive --from NAME ...]`: presets and their accounting.
void add_models_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench eval --model SPEC --tasks LIST`
void add_eval_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench run`: the main job.
void add_run_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);

}  // namespace engram::cli
