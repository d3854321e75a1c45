#pragma once
// Sandbox's private state and steps, shared by its files: sandbox.cc (construction and the public
// calls), sandbox_probe.cc (what this machine allows), sandbox_launch.cc (one program),
// sandbox_verdict.cc (what the run means), sandbox_uids.cc (uid claims, killing what is left),
// sandbox_limits.cc (rlimits).

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "tasks/humaneval/sandbox.h"
#include "tasks/humaneval/sandbox_child.h"
#include "tasks/humaneval/sandbox_posix.h"
#include "tasks/humaneval/sandbox_runner.h"
#include "tasks/humaneval/sandbox_streams.h"

namespace engram::tasks::humaneval {

struct Sandbox::Impl {
  using Clock = std::chrono::steady_clock;
  using Plan = sandbox_internal::Plan;
  using Limits = sandbox_internal::Limits;
  using ChildReport = sandbox_internal::ChildReport;
  using Fd = sandbox_internal::Fd;

  SandboxConfig config;
  Isolation isolation;
  Plan plan;
  Limits limits{};
  std::filesystem::path base;     // root-owned, 0711: tmpfs mount point or host temp dirs live here
  std::filesystem::path workdir;  // tmpfs mode: base/w, the same path in every mount namespace
  Fd devnull;
  int cap_last = 40;
  uid_t outer_uid = 0;
  gid_t outer_gid = 0;
  std::string uid_map, gid_map;
  std::string python_version;
  std::vector<std::string> argv_storage;
  bool sweep_uids = false;  // no PID namespace: kill every process of the worker's uid afterwards
  std::vector<uint32_t> uids;  // per worker slot (root only)
  std::vector<std::string> isolation_notes_pending;
  std::vector<Fd> uid_claims;  // flock()ed files holding those uids against other Sandboxes
  mutable std::atomic<uint64_t> counter{0};

  // ---- worker slots (sandbox.cc) ----
  mutable std::mutex slot_mutex;
  mutable std::condition_variable slot_free;
  mutable std::vector<bool> slot_busy;
  int acquire_slot() const;
  void release_slot(int slot) const;
  struct SlotGuard {
    const Impl& impl;
    int slot;
    explicit SlotGuard(const Impl& i) : impl(i), slot(i.acquire_slot()) {}
    ~SlotGuard() { impl.release_slot(slot); }
  };

  // ---- uids and cleanup (sandbox_uids.cc) ----
  uid_t uid_for(int worker) const;
  void claim_uids();
  // SIGKILL to the child and its group; without a PID namespace, to everything of the worker's uid.
  void kill_all(pid_t pid, int worker) const;

  // ---- limits (sandbox_limits.cc) ----
  Limits limits_for() const;

  // ---- probe (sandbox_probe.cc) ----
  void probe();
  void probe_namespaces();
  void list_mounts_for_readonly();
  void settle_plan_by_trial();
  void give_up_failed_step(const ChildReport& report, const std::string& reason);
  void record_isolation();

  // ---- one run (sandbox_launch.cc) ----
  struct Launch {
    ExecResult result;
    ChildReport report;
    bool reported = false;
  };
  // What the parent saw of one run, for the verdict.
  struct Outcome {
    int wait_status = 0;
    bool killed_timeout = false;
    bool killed_output = false;
    std::string status_bytes;  // a ChildReport when a setup step failed
    sandbox_internal::ChannelVerdict channel = sandbox_internal::ChannelVerdict::kSilent;
    uint64_t channel_bytes = 0;
  };
  // The strings the child's mount and execve use, alive until it has exec'd.
  struct ChildStrings {
    std::string program_file, tmpfs_options;
    std::vector<std::string> env;
    std::vector<char*> envp, argv;
  };
  ChildStrings child_strings(const std::filesystem::path& dir, uid_t uid, gid_t gid) const;
  sandbox_internal::ChildArgs child_args(const ChildStrings& strings, const std::filesystem::path& dir, uid_t uid,
                                         bool probe_only) const;
  // Runs one child with the current plan. `probe_only` stops just before exec.
  Launch launch(const std::string& program, int worker, bool probe_only) const;
  // Waits for the child, draining its streams; kills it at the timeout or the output limit.
  void supervise(pid_t pid, int worker, Clock::time_point deadline, sandbox_internal::ChildStreams& streams,
                 Outcome& outcome) const;

  // ---- the verdict (sandbox_verdict.cc) ----
  void judge(const Outcome& outcome, Launch& launch) const;
  void judge_exit(const Outcome& outcome, ExecResult& res) const;
  void judge_signal(ExecResult& res) const;
};

}  // namespace engram::tasks::humaneval
