#pragma once
// The c10d process groups a DistributedContext can run on, each built in its own file so that only
// that file needs the backend's headers (Gloo's from Debian's libgloo-dev; NCCL's from the torch
// wheel's nvidia-nccl and the CUDA toolkit).

#include <chrono>
#include <string>

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace engram::distributed {

// Gloo over TCP; the network interface is $GLOO_SOCKET_IFNAME when set, else the one the host name
// resolves to (as torch.distributed does).
c10::intrusive_ptr<c10d::Backend> make_gloo_group(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                  int world_size, std::chrono::milliseconds timeout);

// Whether this build has ProcessGroupNCCL (CUDA toolkit and NCCL headers found at configure time).
bool nccl_built();
// Makes GPU `local_rank` this process's current CUDA device and names it ("cuda:N"); throws
// std::invalid_argument when there is no such GPU or !nccl_built().
std::string bind_to_gpu(int local_rank);
// NCCL on the current CUDA device; throws std::invalid_argument when !nccl_built().
c10::intrusive_ptr<c10d::Backend> make_nccl_group(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                  int world_size, std::chrono::milliseconds timeout);

}  // namespace engram::distributed
