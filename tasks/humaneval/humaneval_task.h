#pragma once
// HumanEval as a task of the framework (tasks/task.h), as lm-evaluation-harness's `humaneval`:
// the prompt as given, greedy, its stop strings, 1024 new tokens, pass@1 from running each
// completion against the problem's tests in the sandbox. Programs of a whole run execute in
// parallel through score_all. Sampled pass@k with n > 1 goes through humaneval-exec on a
// samples file (tasks/humaneval/README.md).

#include <memory>

#include "tasks/registry.h"
#include "tasks/task.h"

namespace engram::tasks::humaneval {

std::unique_ptr<Task> make_humaneval_task(const TaskOptions& options);

}  // namespace engram::tasks::humaneval
