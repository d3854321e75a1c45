#pragma once
// What torchrun (or any launcher that sets the same variables) tells each process: its rank among
// all processes, its rank on its node, and where the rendezvous store listens. Read once, with
// errors that name the variable, so that a bad launch fails before any model is loaded.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace engram::distributed {

struct LaunchEnvironment {
  int rank = 0;              // RANK
  int world_size = 1;        // WORLD_SIZE
  int local_rank = 0;        // LOCAL_RANK (default: RANK)
  int local_world_size = 1;  // LOCAL_WORLD_SIZE (default: WORLD_SIZE)
  std::string master_addr;   // MASTER_ADDR (default: 127.0.0.1)
  uint16_t master_port = 29500;  // MASTER_PORT
  // torchrun's elastic agent already serves the store at MASTER_ADDR:MASTER_PORT
  // (TORCHELASTIC_USE_AGENT_STORE=True): every rank connects as a client.
  bool agent_serves_store = false;
  int restart_count = 0;     // TORCHELASTIC_RESTART_COUNT: keys of a restarted attempt stay apart
};

// Reads the variables through `lookup` (getenv in production). No WORLD_SIZE: not launched for
// data parallelism (std::nullopt). A value that is missing or not a number throws
// std::invalid_argument naming the variable.
std::optional<LaunchEnvironment> read_launch_environment(
    const std::function<std::optional<std::string>(const std::string&)>& lookup);
std::optional<LaunchEnvironment> read_launch_environment();

}  // namespace engram::distributed
