#pragma once
// What only LibTorch knows about the machine and the build, for the report's context: the LibTorch
// and CUDA versions and the GPUs with their memory and compute capability.

#include "harness/report/report_context.h"

namespace engram::harness {

// Fills gpus, libtorch_version, cuda_version and threads of `inputs`.
void add_torch_context(report::ContextInputs& inputs);

}  // namespace engram::harness
