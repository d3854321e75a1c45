#include "harness/distributed/distributed_context.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "harness/distributed/cpu_binding.h"
#include "harness/distributed/heartbeat.h"
#include "harness/distributed/process_groups.h"

namespace engram::distributed {
namespace {

constexpr std::chrono::milliseconds kHeartbeatInterval{1000};

std::string failed_key(int rank) { return "failed/" + std::to_string(rank); }
std::string placement_key(int rank) { return "placement/" + std::to_string(rank); }

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

std::string choose_backend(const DistributedOptions& options) {
  std::string backend = options.backend;
  if (backend.empty()) {
    const char* variable = std::getenv("ENGRAM_DIST_BACKEND");
    if (variable != nullptr) backend = variable;
  }
  if (backend.empty()) backend = nccl_built() && at::hasCUDA() ? "nccl" : "gloo";
  if (backend != "gloo" && backend != "nccl") {
    throw std::invalid_argument("ENGRAM_DIST_BACKEND=" + backend + ": expected gloo or nccl");
  }
  return backend;
}

std::chrono::milliseconds choose_timeout(const DistributedOptions& options) {
  const char* variable = std::getenv("ENGRAM_DIST_TIMEOUT");
  if (variable == nullptr || *variable == '\0') return options.timeout;
  char* end = nullptr;
  const double seconds = std::strtod(variable, &end);
  if (end == variable || *end != '\0' || !(seconds > 0)) {
    throw std::invalid_argument(std::string("ENGRAM_DIST_TIMEOUT=") + variable + ": expected seconds > 0");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// Keys of this program stay apart from torchrun's own, and from an earlier attempt's after an
// elastic restart.
// As torch.distributed does: with its own server, every rank's first connection counts itself in and
// rank 0 waits until all have; the agent's store needs no count. Further connections (the
// heartbeat's) must not count.
c10::intrusive_ptr<c10d::Store> connect_store(const LaunchEnvironment& launch, bool first_connection,
                                              std::chrono::milliseconds timeout) {
  const bool counted = first_connection && !launch.agent_serves_store;
  c10d::TCPStoreOptions options;
  options.port = launch.master_port;
  options.isServer = first_connection && !launch.agent_serves_store && launch.rank == 0;
  options.numWorkers = counted ? std::optional<std::size_t>(launch.world_size) : std::nullopt;
  options.waitWorkers = counted;
  options.timeout = timeout;
  options.multiTenant = true;
  auto store = c10::make_intrusive<c10d::TCPStore>(launch.master_addr, options);
  return c10::make_intrusive<c10d::PrefixStore>("engram-bench/attempt_" + std::to_string(launch.restart_count),
                                                store);
}

at::Tensor bytes_tensor(const std::string& bytes, size_t padded_size, const c10::Device& device) {
  at::Tensor cpu = at::zeros({static_cast<int64_t>(std::max<size_t>(padded_size, 1))}, at::kByte);
  if (!bytes.empty()) std::memcpy(cpu.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  return cpu.to(device);
}

std::string tensor_bytes(const at::Tensor& tensor, size_t size) {
  const at::Tensor cpu = tensor.to(at::kCPU).contiguous();
  return std::string(reinterpret_cast<const char*>(cpu.data_ptr<uint8_t>()), size);
}

}  // namespace

std::unique_ptr<DistributedContext> DistributedContext::from_environment(const DistributedOptions& options) {
  const std::optional<LaunchEnvironment> launch = read_launch_environment();
  if (!launch || launch->world_size < 2) return nullptr;
  std::unique_ptr<DistributedContext> context(new DistributedContext());
  context->launch_ = *launch;
  context->timeout_ = choose_timeout(options);
  context->backend_name_ = choose_backend(options);

  RankPlacement placement;
  placement.rank = launch->rank;
  placement.local_rank = launch->local_rank;
  placement.host = host_name();
  if (context->backend_name_ == "nccl") {
    placement.device = bind_to_gpu(launch->local_rank);
    context->device_ = c10::Device(placement.device);
  } else {
    placement.device = "cpu";
    if (options.bind_cpus) {
      const CpuBinding binding = bind_to_cpu_share(launch->local_rank, launch->local_world_size);
      placement.cpus = cpu_list_text(binding.cpus);
    }
  }
  placement.threads = at::get_num_threads();

  try {
    context->store_ = connect_store(*launch, true, context->timeout_);
    context->heartbeat_ = std::make_unique<Heartbeat>(connect_store(*launch, false, context->timeout_),
                                                      launch->rank, kHeartbeatInterval);
    context->process_group_ = context->backend_name_ == "nccl"
                                  ? make_nccl_group(context->store_, launch->rank, launch->world_size, context->timeout_)
                                  : make_gloo_group(context->store_, launch->rank, launch->world_size, context->timeout_);
    const nlohmann::json mine = {{"rank", placement.rank}, {"local_rank", placement.local_rank},
                                 {"host", placement.host}, {"device", placement.device},
                                 {"cpus", placement.cpus}, {"threads", placement.threads}};
    context->store_->set(placement_key(launch->rank), mine.dump());
    for (int r = 0; r < launch->world_size; ++r) {
      const std::vector<uint8_t> bytes = context->store_->get(placement_key(r));
      const nlohmann::json entry = nlohmann::json::parse(bytes.begin(), bytes.end());
      context->placements_.push_back({entry["rank"], entry["local_rank"], entry["host"], entry["device"],
                                      entry["cpus"], entry["threads"]});
    }
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    throw DistributedFailure("rank " + std::to_string(launch->rank) + ": rendezvous at " + launch->master_addr + ":" +
                             std::to_string(launch->master_port) + " (" + context->backend_name_ +
                             ") failed: " + e.what());
  }
  return context;
}

DistributedContext::~DistributedContext() {
  post_done();
  heartbeat_.reset();
  process_group_.reset();
  store_.reset();
}

nlohmann::json DistributedContext::describe() const {
  nlohmann::json ranks = nlohmann::json::array();
  for (const RankPlacement& p : placements_) {
    ranks.push_back({{"rank", p.rank}, {"local_rank", p.local_rank}, {"host", p.host}, {"device", p.device},
                     {"cpus", p.cpus.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.cpus)},
                     {"threads", p.threads}});
  }
  return {{"world_size", world_size()}, {"backend", backend_name_}, {"ranks", std::move(ranks)}};
}

std::string DistributedContext::describe_stopped_ranks() {
  try {
    std::string posted;
    for (int r = 0; r < world_size(); ++r) {
      if (r == rank() || !store_->check({failed_key(r)})) continue;
      const std::vector<uint8_t> message = store_->get(failed_key(r));
      posted += (posted.empty() ? "" : "; ") + std::string("rank ") + std::to_string(r) + " failed: " +
                std::string(message.begin(), message.end());
    }
    if (!posted.empty()) return posted;
    const auto window = 3 * kHeartbeatInterval;
    std::vector<int> silent = Heartbeat::silent_ranks(*store_, world_size(), window);
    silent.erase(std::remove(silent.begin(), silent.end(), rank()), silent.end());
    if (silent.empty()) return "no peer is known to have stopped";
    std::string names;
    for (int r : silent) names += (names.empty() ? "" : ", ") + std::to_string(r);
    return std::string(silent.size() == 1 ? "rank " : "ranks ") + names + " stopped (no heartbeat for " +
           std::to_string(window.count() / 1000) + " s)";
  } catch (const std::exception&) {
    return std::string("the rendezvous store at ") + launch_.master_addr + ":" + std::to_string(launch_.master_port) +
           " is unreachable: " + (launch_.agent_serves_store ? "torchrun's agent" : "rank 0, which serves it,") +
           " stopped";
  }
}

void DistributedContext::fail(const std::string& what, const std::string& cause) {
  throw DistributedFailure("rank " + std::to_string(rank()) + " of " + std::to_string(world_size()) + ": " + what +
                           " failed: " + describe_stopped_ranks() + " [" + backend_name_ + ": " + cause + "]");
}

void DistributedContext::wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) {
  try {
    if (!work->wait(timeout_)) fail(what, "timed out");
  } catch (const DistributedFailure&) {
    throw;
  } catch (const std::exception& e) {
    fail(what, e.what());
  }
}

void DistributedContext::barrier(const std::string& what) {
  c10d::BarrierOptions options;
  options.timeout = timeout_;
  run(what, [&] { return process_group_->barrier(options); });
}

void DistributedContext::run(const std::string& what, const std::function<c10::intrusive_ptr<c10d::Work>()>& start) {
  c10::intrusive_ptr<c10d::Work> work;
  try {
    work = start();
  } catch (const std::exception& e) {
    fail(what, e.what());
  }
  wait(work, what);
}

std::vector<size_t> DistributedContext::all_gather_sizes(size_t mine, const std::string& what) {
  std::vector<at::Tensor> in{at::full({1}, static_cast<int64_t>(mine), at::kLong).to(device_)};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < world_size(); ++r) out[0].push_back(at::empty({1}, at::kLong).to(device_));
  run(what + " (sizes)", [&] { return process_group_->allgather(out, in); });
  std::vector<size_t> sizes;
  for (const at::Tensor& t : out[0]) sizes.push_back(static_cast<size_t>(t.to(at::kCPU).item<int64_t>()));
  return sizes;
}

// Gloo gathers tensors of one size: each rank pads its bytes to the largest.
std::vector<std::string> DistributedContext::all_gather_bytes(const std::string& mine, const std::string& what) {
  const std::vector<size_t> sizes = all_gather_sizes(mine.size(), what);
  const size_t padded = *std::max_element(sizes.begin(), sizes.end());
  std::vector<at::Tensor> in{bytes_tensor(mine, padded, device_)};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < world_size(); ++r) out[0].push_back(at::empty_like(in[0]));
  run(what, [&] { return process_group_->allgather(out, in); });
  std::vector<std::string> bytes;
  for (size_t r = 0; r < sizes.size(); ++r) bytes.push_back(tensor_bytes(out[0][r], sizes[r]));
  return bytes;
}

std::vector<std::string> DistributedContext::gather_bytes(const std::string& mine, int root, const std::string& what) {
  const std::vector<size_t> sizes = all_gather_sizes(mine.size(), what);
  const size_t padded = *std::max_element(sizes.begin(), sizes.end());
  std::vector<at::Tensor> in{bytes_tensor(mine, padded, device_)};
  std::vector<std::vector<at::Tensor>> out;
  if (rank() == root) {
    out.resize(1);
    for (int r = 0; r < world_size(); ++r) out[0].push_back(at::empty_like(in[0]));
  }
  c10d::GatherOptions options;
  options.rootRank = root;
  options.timeout = timeout_;
  run(what, [&] { return process_group_->gather(out, in, options); });
  std::vector<std::string> bytes;
  if (rank() != root) return bytes;
  for (size_t r = 0; r < sizes.size(); ++r) bytes.push_back(tensor_bytes(out[0][r], sizes[r]));
  return bytes;
}

std::string DistributedContext::broadcast_bytes(const std::string& value, int root, const std::string& what) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  options.timeout = timeout_;
  std::vector<at::Tensor> length{
      at::full({1}, static_cast<int64_t>(rank() == root ? value.size() : 0), at::kLong).to(device_)};
  run(what + " (size)", [&] { return process_group_->broadcast(length, options); });
  const size_t size = static_cast<size_t>(length[0].to(at::kCPU).item<int64_t>());
  std::vector<at::Tensor> payload{bytes_tensor(rank() == root ? value : std::string(), size, device_)};
  run(what, [&] { return process_group_->broadcast(payload, options); });
  return tensor_bytes(payload[0], size);
}

void DistributedContext::post_failure(const std::string& message) noexcept {
  try {
    store_->set(failed_key(rank()), message);
  } catch (...) {
    // The store is gone too: the peers' own failures say so.
  }
}

void DistributedContext::post_done() noexcept {
  try {
    store_->set(Heartbeat::done_key(rank()), "1");
  } catch (...) {
  }
}

}  // namespace engram::distributed
