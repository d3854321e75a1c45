#include "harness/distributed/launch_environment.h"

#include <cstdlib>
#include <stdexcept>

namespace engram::distributed {
namespace {

using Lookup = std::function<std::optional<std::string>(const std::string&)>;

int integer_variable(const Lookup& lookup, const std::string& name, std::optional<int> fallback, int minimum,
                     int maximum) {
  const std::optional<std::string> text = lookup(name);
  if (!text || text->empty()) {
    if (fallback) return *fallback;
    throw std::invalid_argument("launch environment: " + name + " is not set (start the processes with torchrun)");
  }
  size_t used = 0;
  long value = 0;
  try {
    value = std::stol(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size() || value < minimum || value > maximum) {
    throw std::invalid_argument("launch environment: " + name + "=" + *text + " is not an integer in [" +
                                std::to_string(minimum) + ", " + std::to_string(maximum) + "]");
  }
  return static_cast<int>(value);
}

}  // namespace

std::optional<LaunchEnvironment> read_launch_environment(const Lookup& lookup) {
  if (!lookup("WORLD_SIZE")) return std::nullopt;
  LaunchEnvironment env;
  constexpr int kMaxRanks = 1 << 20;
  env.world_size = integer_variable(lookup, "WORLD_SIZE", std::nullopt, 1, kMaxRanks);
  env.rank = integer_variable(lookup, "RANK", std::nullopt, 0, env.world_size - 1);
  env.local_world_size = integer_variable(lookup, "LOCAL_WORLD_SIZE", env.world_size, 1, env.world_size);
  env.local_rank = integer_variable(lookup, "LOCAL_RANK", env.rank % env.local_world_size, 0, env.local_world_size - 1);
  env.master_port = static_cast<uint16_t>(integer_variable(lookup, "MASTER_PORT", 29500, 1, 65535));
  env.master_addr = lookup("MASTER_ADDR").value_or("127.0.0.1");
  if (env.master_addr.empty()) throw std::invalid_argument("launch environment: MASTER_ADDR is empty");
  env.agent_serves_store = lookup("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
  env.restart_count = integer_variable(lookup, "TORCHELASTIC_RESTART_COUNT", 0, 0, kMaxRanks);
  return env;
}

std::optional<LaunchEnvironment> read_launch_environment() {
  return read_launch_environment([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace engram::distributed
