#pragma once
// Fault injection for the kill-and-resume tests: with ENGRAM_CRASH_AT=PHASE:N in the environment,
// the process kills itself with SIGKILL (no unwinding, no flushing: what a crash or `kill -9`
// leaves) the moment phase PHASE reaches count N. Phases: "loglikelihood" and "generate_until"
// (instances answered by the model), "score" (tasks scored), "execute" (HumanEval programs run).
// Unset, a crash point costs one cached lookup.

#include <cstddef>
#include <string_view>

namespace engram::tasks {

void crash_point(std::string_view phase, size_t count);

}  // namespace engram::tasks
