#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

#include <exception>
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/distributed/launched_context.h"
#include "harness/allocator_policy.h"
#include "harness/thread_policy.h"

namespace engram::cli {
namespace {
std::vector<std::string>& stored_command_line() {
  static std::vector<std::string> args;
  return args;
}
}  // namespace
const std::vector<std::string>& command_line() { return stored_command_line(); }
void set_command_line(int argc, const char* const* argv) { stored_command_line().assign(argv, argv + argc); }
}  // namespace engram::cli

int main(int argc, char** argv) {
  engram::harness::reexec_with_passive_omp_wait(argv);
  engram::harness::keep_freed_memory_for_reuse();
  const engram::harness::ThreadPolicy threads = engram::harness::process_thread_policy();
  // LibTorch applies OMP_NUM_THREADS itself; otherwise its default is every online core.
  if (threads.threads_source != "OMP_NUM_THREADS") at::set_num_threads(threads.threads);
  engram::cli::set_command_line(argc, argv);
  CLI::App app{"engram-bench: evaluation and benchmark harness for Engram conditional-memory models and their "
               "MoE and dense baselines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "engram-bench 0.1.0");
  std::vector<std::pair<CLI::App*, engram::cli::Action>> actions;
  engram::cli::add_run_command(app, actions);
  engram::cli::add_eval_command(app, actions);
  engram::cli::add_data_commands(app, actions);
  engram::cli::add_speed_command(app, actions);
  engram::cli::add_engram_commands(app, actions);
  engram::cli::add_inspect_command(app, actions);
  engram::cli::add_tokenizer_commands(app, actions);
  engram::cli::add_models_commands(app, actions);
  engram::cli::add_compare_command(app, actions);
  engram::cli::add_regress_command(app, actions);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [command, action] : actions) {
      if (command->parsed()) return action();
    }
    std::cerr << app.help();
    return 2;
  } catch (const c10::Error& e) {
    engram::distributed::post_failure_if_launched(e.what_without_backtrace());
    std::cerr << "engram-bench: error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    engram::distributed::post_failure_if_launched(e.what());
    std::cerr << "engram-bench: error: " << e.what() << "\n";
    return 1;
  }
}
