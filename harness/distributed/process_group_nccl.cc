// Built only when CMake found the CUDA toolkit and NCCL's header (ENGRAM_HAVE_C10D_NCCL); untested
// on a GPU so far (no GPU machine was available when it was written).
#include <stdexcept>

#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "harness/distributed/process_groups.h"

namespace engram::distributed {

bool nccl_built() { return true; }

std::string bind_to_gpu(int local_rank) {
  const int gpus = static_cast<int>(c10::cuda::device_count());
  if (local_rank >= gpus) {
    throw std::invalid_argument("backend nccl: local rank " + std::to_string(local_rank) + " has no GPU (" +
                                std::to_string(gpus) + " visible): start at most that many processes per node");
  }
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(local_rank));
  return "cuda:" + std::to_string(local_rank);
}

c10::intrusive_ptr<c10d::Backend> make_nccl_group(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                  int world_size, std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size, options);
}

}  // namespace engram::distributed
