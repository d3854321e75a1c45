#pragma once
// Fault injection for the kill-and-resume tests: with ENGRAM_CRASH_AT=PHASE:N in the environment,
// the process kills itself with SIGKILL (no unwinding, no flushing: what a crash or `kill -9`
// leaves) the moment phase PHASE reaches count N. Phases: "loglikelihood" and "generate_until"
// (instances answered by the model), "score" (tasks scored), "execute" (HumanEval programs run).
// Unset, a crash point costs one cached lookup. With ENGRAM_CRASH_RANK=R too, only the process whose
// RANK (torchrun's; 0 when unset) is R crashes: one rank of a data-parallel run.
//
// Planted faults, for the tests that prove a check catches what it exists to catch: with
// ENGRAM_PLANT_FAULT=NAME in the environment, fault_planted(NAME) is true. The one fault today is
// "unmasked-left-padding": the engine's batched generation attends to its left padding, so answers
// depend on the batch size (the determinism audit's CLI test, tests/test_cli_audit.cc).

#include <cstddef>
#include <string_view>

namespace engram::tasks {

void crash_point(std::string_view phase, size_t count);

bool fault_planted(std::string_view fault);

}  // namespace engram::tasks
