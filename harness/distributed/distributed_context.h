#pragma once
// One process's place in a data- or expert-parallel run started by torchrun, over LibTorch's own
// c10d: the rendezvous TCPStore at MASTER_ADDR:MASTER_PORT (served by torchrun's agent when it says
// so, else by rank 0), and a process group on it: ProcessGroupGloo on CPU, ProcessGroupNCCL on GPU
// (when this build has it). Each rank is bound to its device: GPU LOCAL_RANK under NCCL, its share
// of the node's CPUs under Gloo (cpu_binding.h).
//
// A rank that dies breaks every collective its peers are in (Gloo sees the closed connection; NCCL
// and a rank that hangs hit the timeout): the collectives here turn that into DistributedFailure,
// whose message names the rank(s), found from a heartbeat each rank keeps in the store
// (heartbeat.h) and from the failure a rank posts before it exits on an error.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include "harness/distributed/launch_environment.h"

namespace engram::distributed {

class Heartbeat;

// A collective failed because a peer stopped; what() names the rank(s) where that could be told.
class DistributedFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DistributedOptions {
  // "gloo" | "nccl"; empty: $ENGRAM_DIST_BACKEND, else nccl when GPUs are visible and this build
  // has NCCL, else gloo.
  std::string backend;
  // How long a collective or the rendezvous waits for a peer ($ENGRAM_DIST_TIMEOUT in seconds).
  std::chrono::milliseconds timeout = std::chrono::minutes(30);
  bool bind_cpus = true;  // Gloo: bind each rank to its share of the node's CPUs
};

// Where one rank runs, as every rank learns at start-up (the report's context records it).
struct RankPlacement {
  int rank = 0;
  int local_rank = 0;
  std::string host;
  std::string device;  // "cpu" or "cuda:N"
  std::string cpus;    // the CPUs it is bound to ("0-3"); empty when unbound
  int threads = 0;     // intra-op threads
};

class DistributedContext {
 public:
  // From torchrun's environment (launch_environment.h); nullptr when the process was not launched
  // for more than one rank. Throws std::invalid_argument for a bad environment or backend, and
  // DistributedFailure when the rendezvous fails.
  static std::unique_ptr<DistributedContext> from_environment(const DistributedOptions& options = {});
  ~DistributedContext();
  DistributedContext(const DistributedContext&) = delete;
  DistributedContext& operator=(const DistributedContext&) = delete;

  int rank() const { return launch_.rank; }
  int world_size() const { return launch_.world_size; }
  int local_rank() const { return launch_.local_rank; }
  int local_world_size() const { return launch_.local_world_size; }
  bool is_root() const { return launch_.rank == 0; }
  const std::string& backend_name() const { return backend_name_; }
  // Where collective tensors must live: CPU under Gloo, cuda:LOCAL_RANK under NCCL.
  const c10::Device& device() const { return device_; }
  const std::vector<RankPlacement>& placements() const { return placements_; }
  // The report context's "distributed" object: {"world_size", "backend", "ranks": [...]}.
  nlohmann::json describe() const;

  // For helpers that run their own collectives (all-to-all of expert parallelism): wrap their
  // waits in wait() so a dead peer is named.
  c10d::Backend& process_group() { return *process_group_; }
  const c10::intrusive_ptr<c10d::Backend>& process_group_ptr() const { return process_group_; }
  c10d::Store& store() { return *store_; }

  // Waits for a collective; a failure becomes DistributedFailure naming the rank(s) that stopped.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what);
  void barrier(const std::string& what);
  // Every rank's bytes, in rank order, on every rank.
  std::vector<std::string> all_gather_bytes(const std::string& mine, const std::string& what);
  // Every rank's bytes on `root` (in rank order); the others get an empty list.
  std::vector<std::string> gather_bytes(const std::string& mine, int root, const std::string& what);
  // `root`'s bytes on every rank (`value` is read on root only).
  std::string broadcast_bytes(const std::string& value, int root, const std::string& what);

  // Posts this rank's error where its peers look when their collectives fail, so that their
  // messages say what happened here. Never throws.
  void post_failure(const std::string& message) noexcept;
  // Says this rank finished, so peers do not take its silent heartbeat for a death (the destructor
  // does it too).
  void post_done() noexcept;

 private:
  DistributedContext() = default;
  std::string describe_stopped_ranks();
  [[noreturn]] void fail(const std::string& what, const std::string& cause);
  // Issues a collective with `start` and waits for it.
  void run(const std::string& what, const std::function<c10::intrusive_ptr<c10d::Work>()>& start);
  std::vector<size_t> all_gather_sizes(size_t mine, const std::string& what);

  LaunchEnvironment launch_;
  std::chrono::milliseconds timeout_{};
  std::string backend_name_;
  c10::Device device_{c10::kCPU};
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::Backend> process_group_;
  std::unique_ptr<Heartbeat> heartbeat_;
  std::vector<RankPlacement> placements_;
};

}  // namespace engram::distributed
