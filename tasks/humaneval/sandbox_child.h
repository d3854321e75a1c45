#pragma once
// The child between clone() and exec: what it sets up (the Plan, decided once by the probe), what it
// gets from the parent (ChildArgs, prepared before clone so the child only makes system calls), and
// how it reports a failed step (a ChildReport on kStatusFd, which closes at exec).

#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace engram::tasks::humaneval::sandbox_internal {

enum Stage : int32_t {
  kStageNone = 0,
  kStageFds,
  kStageSignals,
  kStagePdeathsig,
  kStageUserNsMaps,
  kStageSetsid,
  kStageMountPrivate,
  kStageTmpfs,
  kStageBindWorkdir,
  kStageProgramFile,
  kStageReadonly,
  kStageChdir,
  kStageRlimit,
  kStageSetgroups,
  kStageSetgid,
  kStageSetuid,
  kStageVerifyDrop,
  kStageCapabilities,
  kStageNoNewPrivs,
  kStageExec,
};
const char* stage_name(int32_t stage);

// What a child that failed a setup step writes on kStatusFd before _exit(127).
struct ChildReport {
  int32_t stage = 0;  // -1: clone itself failed (set by the parent)
  int32_t err = 0;
  int32_t index = -1;  // the mount entry, for kStageReadonly
};

// The child's descriptors at exec: 0-2 as usual, kStatusFd until exec, kKeyFd for the runner's key
// (sandbox_runner.h), and the end-of-program channel at a number drawn per run.
constexpr int kStatusFd = 3;
constexpr int kKeyFd = 4;
constexpr int kFirstChannelFd = 32;
// Exit status of a child that could not even set up its descriptors (it cannot report on kStatusFd).
constexpr int kDescriptorSetupExit = 126;

struct MountEntry {
  std::string path;
  unsigned long keep_flags = 0;  // nosuid/nodev/noexec/atime flags to preserve on remount
};

// What the child sets up, decided by the probe.
struct Plan {
  bool user_ns = false;
  bool recursive_readonly = true;  // mount_setattr; else the mounts listed at construction, one by one
  bool net_ns = false;
  bool pid_ns = false;
  bool ipc_ns = false;
  bool mount_ns = false;
  bool tmpfs = false;
  bool readonly = false;
  bool drop_uid = false;
  bool no_new_privs = true;
  std::vector<MountEntry> mounts;  // remounted read-only when `readonly`

  long clone_flags() const {
    long flags = SIGCHLD;
    if (user_ns) flags |= CLONE_NEWUSER;
    if (net_ns) flags |= CLONE_NEWNET;
    if (pid_ns) flags |= CLONE_NEWPID;
    if (ipc_ns) flags |= CLONE_NEWIPC;
    if (mount_ns) flags |= CLONE_NEWNS;
    return flags;
  }
  void namespaces_off() { net_ns = pid_ns = ipc_ns = mount_ns = tmpfs = readonly = user_ns = false; }
};

struct Limits {
  rlim_t cpu_soft, cpu_hard, as, nproc, nofile, fsize;
};

// The parent's ends of the child's descriptors, before the child moves them into place.
struct ChildDescriptors {
  int devnull = -1, out_w = -1, err_w = -1, status_w = -1, key_r = -1, channel_w = -1;
  int channel_fd = -1;  // the number the channel gets in the child (>= kFirstChannelFd)
};

// Everything the child needs, prepared before clone(): the child only makes system calls.
struct ChildArgs {
  const Plan* plan = nullptr;
  Limits limits{};
  uid_t uid = 0;  // drop target when plan->drop_uid
  gid_t gid = 0;
  const char* uid_map = nullptr;  // user-namespace maps ("<uid> <uid> 1")
  const char* gid_map = nullptr;
  const char* workdir = nullptr;
  const char* tmpfs_options = nullptr;
  const char* program_file = nullptr;  // absolute; written by the child when program != nullptr
  const char* program = nullptr;
  size_t program_size = 0;
  const char* python = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  ChildDescriptors fds;
  int cap_last = 40;
  bool probe_only = false;
};

// Runs in the clone()d child: sets up the plan and execs python (or, probe_only, exits 0 just
// before exec). Never returns.
[[noreturn]] void child_main(const ChildArgs& a);

}  // namespace engram::tasks::humaneval::sandbox_internal
