#include "harness/torch_info.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#if __has_include(<cuda_runtime_api.h>)
#include <cuda_runtime_api.h>
#define ENGRAM_HAVE_CUDA_RUNTIME 1
#endif

#include <fmt/format.h>

#include "harness/thread_policy.h"

namespace engram::harness {

void add_torch_context(report::ContextInputs& inputs) {
  inputs.libtorch_version = TORCH_VERSION;
  inputs.threads = at::get_num_threads();
  const ThreadPolicy policy = process_thread_policy();
  // main() applied the policy's count; a different one now was asked for (speed --threads).
  inputs.threads_source = inputs.threads == policy.threads ? policy.threads_source : "set by the command (--threads)";
  inputs.omp_wait_policy = policy.omp_wait_policy;
  inputs.omp_wait_source = policy.omp_wait_source;
  if (!at::hasCUDA()) return;
#ifdef ENGRAM_HAVE_CUDA_RUNTIME
  int runtime = 0, driver = 0, count = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) {
    inputs.cuda_version = fmt::format("{}.{}", runtime / 1000, (runtime % 1000) / 10);
  }
  const bool have_driver = cudaDriverGetVersion(&driver) == cudaSuccess;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return;
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, d) != cudaSuccess) continue;
    report::GpuInfo gpu;
    gpu.name = prop.name;
    gpu.memory_bytes = static_cast<uint64_t>(prop.totalGlobalMem);
    gpu.compute_capability = fmt::format("{}.{}", prop.major, prop.minor);
    // The CUDA driver API version (e.g. 13.0), not the kernel module's; nvidia-smi has that one.
    if (have_driver) gpu.driver = fmt::format("CUDA driver API {}.{}", driver / 1000, (driver % 1000) / 10);
    inputs.gpus.push_back(gpu);
  }
#else
  inputs.cuda_version = "unknown (built without the CUDA runtime headers)";
#endif
}

}  // namespace engram::harness
