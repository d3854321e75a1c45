#pragma once
// The one DistributedContext of a process that torchrun launched with more than one rank, made on
// first use (binding the rank to its GPU or CPU share before any model loads) and kept for the
// process's life, so that `eval`, `run` and whatever else runs in the process share it.

#include <string>

#include "harness/distributed/distributed_context.h"

namespace engram::distributed {

// nullptr when the process was not launched for more than one rank. Throws what
// DistributedContext::from_environment throws.
DistributedContext* launched_context();

// Tells the peers this rank is failing with `message`, when a context exists; never throws.
void post_failure_if_launched(const std::string& message) noexcept;

}  // namespace engram::distributed
