#pragma once
// Each verb registers its options on the shared CLI11 app and returns the action to run when chosen.

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace engram::cli {

using Action = std::function<int()>;

// argv as the process got it, for reports (set once by main).
const std::vector<std::string>& command_line();
void set_command_line(int argc, const char* const* argv);

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
// `engram-bench speed --model LIST --batch LIST ...`: throughput and latency sweeps.
void add_speed_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench data fetch|verify`: the canonical benchmark files, downloaded and checksummed.
void add_data_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench run`: the main job.
void add_run_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench compare A.json B.json ... --format md|csv|latex|html`: reports side by side, paired tests.
void add_compare_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);
// `engram-bench regress --baseline B.json --current C.json`: the CI gate (exit 1 on a regression).
void add_regress_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);

}  // namespace engram::cli
