#include "tasks/humaneval/sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "tasks/crash_point.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

namespace engram::tasks::humaneval {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string_view to_string(ExecStatus status) {
  switch (status) {
    case ExecStatus::kPassed: return "passed";
    case ExecStatus::kFailed: return "failed";
    case ExecStatus::kTimeout: return "timeout";
    case ExecStatus::kCrashed: return "crashed";
    case ExecStatus::kOutputLimit: return "output_limit";
    case ExecStatus::kSandboxError: return "sandbox_error";
  }
  return "unknown";
}

bool Isolation::contains_hostile() const {
  // Without a uid drop the program runs as the harness's user and could signal it, unless a PID
  // namespace hides it and a read-only mount namespace protects its files.
  const bool harness_protected = uid_drop || (pid_ns && readonly_fs && user_ns);
  return harness_protected && net_ns && readonly_fs && no_new_privs;
}

nlohmann::json Isolation::to_json() const {
  return {{"root", root},           {"uid_drop", uid_drop},         {"user_ns", user_ns},
          {"net_ns", net_ns},       {"pid_ns", pid_ns},             {"ipc_ns", ipc_ns},
          {"mount_ns", mount_ns},   {"private_tmpfs", private_tmpfs}, {"readonly_fs", readonly_fs}, {"readonly_recursive", readonly_recursive},
          {"no_new_privs", no_new_privs}, {"contains_hostile", contains_hostile()}, {"notes", notes}};
}

nlohmann::json ExecResult::to_json() const {
  nlohmann::json j = {{"status", std::string(to_string(status))}, {"reason", reason}, {"wall_s", wall_s},
                      {"cpu_s", cpu_s}, {"output_bytes", output_bytes}};
  if (exit_code >= 0) j["exit_code"] = exit_code;
  if (signal != 0) j["signal"] = signal;
  if (!stderr_tail.empty()) j["stderr_tail"] = stderr_tail;
  if (!stdout_tail.empty()) j["stdout_tail"] = stdout_tail;
  return j;
}

namespace {

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  const char* desc = strerrordesc_np(err);
  return fmt::format("{} ({})", name ? name : fmt::format("errno {}", err), desc ? desc : "unknown error");
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

// ---- what the child does, decided once ----------------------------------------------------------

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

const char* stage_name(int32_t stage) {
  switch (stage) {
    case kStageFds: return "setting up descriptors";
    case kStageSignals: return "resetting signals";
    case kStagePdeathsig: return "PR_SET_PDEATHSIG";
    case kStageUserNsMaps: return "writing user-namespace id maps";
    case kStageSetsid: return "setsid";
    case kStageMountPrivate: return "making mounts private";
    case kStageTmpfs: return "mounting the private tmpfs";
    case kStageBindWorkdir: return "bind-mounting the working directory";
    case kStageProgramFile: return "writing the program file";
    case kStageReadonly: return "remounting read-only";
    case kStageChdir: return "chdir into the working directory";
    case kStageRlimit: return "setrlimit";
    case kStageSetgroups: return "setgroups";
    case kStageSetgid: return "setresgid";
    case kStageSetuid: return "setresuid";
    case kStageVerifyDrop: return "verifying the privilege drop";
    case kStageCapabilities: return "dropping capabilities";
    case kStageNoNewPrivs: return "PR_SET_NO_NEW_PRIVS";
    case kStageExec: return "execve";
    default: return "unknown stage";
  }
}

struct ChildReport {
  int32_t stage = 0;
  int32_t err = 0;
  int32_t index = -1;  // the mount entry, for kStageReadonly
};

struct MountEntry {
  std::string path;
  unsigned long keep_flags = 0;  // nosuid/nodev/noexec/atime flags to preserve on remount
};

// mount_setattr(2) (Linux 5.12): one call makes a whole mount tree read-only, including mounts
// that appear after the Sandbox was built. Declared here so that older C libraries build too.
struct MountAttrV0 {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};
constexpr uint64_t kMountAttrReadOnly = 0x00000001;
constexpr unsigned kAtRecursive = 0x8000;

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
};

struct Limits {
  rlim_t cpu_soft, cpu_hard, as, nproc, nofile, fsize;
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
  int devnull = -1, out_w = -1, err_w = -1, status_w = -1;
  int cap_last = 40;
  bool probe_only = false;
};

constexpr int kStatusFd = 3;

void child_report(int32_t stage, int32_t err, int32_t index = -1) {
  ChildReport report{stage, err, index};
  ssize_t ignored = write(kStatusFd, &report, sizeof report);
  (void)ignored;
}

[[noreturn]] void child_fail(int32_t stage, int32_t index = -1) {
  child_report(stage, errno, index);
  _exit(127);
}

bool write_all_fd(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool write_file_c(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write_all_fd(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

[[noreturn]] void child_main(const ChildArgs& a) {
  const Plan& plan = *a.plan;
  // Descriptors first, so that failures can be reported on fd 3: move the four we keep above any
  // low number, then into place, then close everything else.
  {
    int keep[4] = {a.devnull, a.out_w, a.err_w, a.status_w};
    for (int& fd : keep) {
      fd = fcntl(fd, F_DUPFD, 16);
      if (fd < 0) _exit(126);
    }
    if (dup2(keep[0], 0) < 0 || dup2(keep[1], 1) < 0 || dup2(keep[2], 2) < 0 ||
        dup3(keep[3], kStatusFd, O_CLOEXEC) < 0)
      _exit(126);
    if (syscall(SYS_close_range, 4u, ~0u, 0u) != 0) {
      for (int fd = 4; fd < 65536; ++fd) close(fd);
    }
  }
  // Signals: nothing blocked or ignored is inherited by the program.
  {
    sigset_t all;
    sigemptyset(&all);
    if (sigprocmask(SIG_SETMASK, &all, nullptr) != 0) child_fail(kStageSignals);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig == SIGKILL || sig == SIGSTOP) continue;
      sigaction(sig, &dfl, nullptr);  // fails harmlessly for the real-time signals glibc reserves
    }
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) child_fail(kStagePdeathsig);
  if (plan.user_ns) {
    if (!write_file_c("/proc/self/setgroups", "deny") || !write_file_c("/proc/self/uid_map", a.uid_map) ||
        !write_file_c("/proc/self/gid_map", a.gid_map))
      child_fail(kStageUserNsMaps);
  }
  if (setsid() < 0) child_fail(kStageSetsid);

  if (plan.mount_ns) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) child_fail(kStageMountPrivate);
    // Everything read-only first; the working directory's own mount comes after, writable.
    if (plan.readonly && plan.recursive_readonly) {
      MountAttrV0 attr{kMountAttrReadOnly, 0, 0, 0};
      if (syscall(SYS_mount_setattr, AT_FDCWD, "/", kAtRecursive, &attr, sizeof attr) != 0)
        child_fail(kStageReadonly, -1);
    } else if (plan.readonly) {
      for (size_t i = 0; i < plan.mounts.size(); ++i) {
        const MountEntry& m = plan.mounts[i];
        if (mount(nullptr, m.path.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | m.keep_flags, nullptr) != 0) {
          // A mount that has gone since the list was read needs no protection.
          if (m.path != "/" && (errno == ENOENT || errno == EINVAL)) continue;
          child_fail(kStageReadonly, static_cast<int32_t>(i));
        }
      }
    }
    if (plan.tmpfs) {
      if (mount("tmpfs", a.workdir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, a.tmpfs_options) != 0)
        child_fail(kStageTmpfs);
    } else if (plan.readonly) {
      // A host directory stays writable when everything else turns read-only: give it a mount of its own.
      if (mount(a.workdir, a.workdir, nullptr, MS_BIND, nullptr) != 0 ||
          mount(nullptr, a.workdir, nullptr, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, nullptr) != 0)
        child_fail(kStageBindWorkdir);
    }
  }
  if (a.program != nullptr) {
    int fd = open(a.program_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (fd < 0 || !write_all_fd(fd, a.program, a.program_size) || close(fd) != 0) child_fail(kStageProgramFile);
  }
  if (chdir(a.workdir) != 0) child_fail(kStageChdir);

  {
    const struct {
      int resource;
      rlim_t soft, hard;
    } limits[] = {
        {RLIMIT_CPU, a.limits.cpu_soft, a.limits.cpu_hard},
        {RLIMIT_AS, a.limits.as, a.limits.as},
        {RLIMIT_NPROC, a.limits.nproc, a.limits.nproc},
        {RLIMIT_NOFILE, a.limits.nofile, a.limits.nofile},
        {RLIMIT_FSIZE, a.limits.fsize, a.limits.fsize},
        {RLIMIT_CORE, 0, 0},
    };
    for (const auto& l : limits) {
      struct rlimit r {l.soft, l.hard};
      if (setrlimit(l.resource, &r) != 0) child_fail(kStageRlimit);
    }
  }

  if (plan.drop_uid) {
    // Raw system calls: glibc's wrappers would try to apply the change to every thread of the
    // parent, which this clone() child does not have (and would wait for them forever).
    if (syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(kStageSetgroups);
    if (syscall(SYS_setresgid, a.gid, a.gid, a.gid) != 0) child_fail(kStageSetgid);
    if (syscall(SYS_setresuid, a.uid, a.uid, a.uid) != 0) child_fail(kStageSetuid);
    uid_t r, e, s;
    gid_t gr, ge, gs;
    errno = 0;
    if (getresuid(&r, &e, &s) != 0 || r != a.uid || e != a.uid || s != a.uid) child_fail(kStageVerifyDrop);
    if (getresgid(&gr, &ge, &gs) != 0 || gr != a.gid || ge != a.gid || gs != a.gid) child_fail(kStageVerifyDrop);
    if (getgroups(0, nullptr) != 0) child_fail(kStageVerifyDrop);
    if (syscall(SYS_setresuid, 0, 0, 0) == 0 || syscall(SYS_setresgid, 0, 0, 0) == 0) {
      errno = 0;
      child_fail(kStageVerifyDrop);
    }
  }
  if (plan.user_ns) {
    // The capabilities this process holds in its user namespace could undo the read-only remounts:
    // empty the bounding set, stop uid 0 from gaining any at exec, and drop what it holds.
    for (int cap = 0; cap <= a.cap_last; ++cap) {
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) child_fail(kStageCapabilities);
    }
    constexpr unsigned long kNoRoot = 1ul << 0, kNoRootLocked = 1ul << 1;
    if (prctl(PR_SET_SECUREBITS, kNoRoot | kNoRootLocked, 0, 0, 0) != 0) child_fail(kStageCapabilities);
    struct __user_cap_header_struct header {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capset, &header, data) != 0) child_fail(kStageCapabilities);
  }
  umask(077);
  if (plan.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(kStageNoNewPrivs);
  if (a.probe_only) _exit(0);
  execve(a.python, a.argv, a.envp);
  child_fail(kStageExec);
}

// ---- parent-side helpers ------------------------------------------------------------------------

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    reset();
    fd = o.fd;
    o.fd = -1;
    return *this;
  }
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

struct Pipe {
  Fd r, w;
  static Pipe make() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2: " + errno_text(errno));
    Pipe p;
    p.r.fd = fds[0];
    p.w.fd = fds[1];
    return p;
  }
};

std::string decode_mountinfo_path(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<MountEntry> read_mounts() {
  std::vector<MountEntry> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, parent, devno, root, point, options;
    if (!(ls >> id >> parent >> devno >> root >> point >> options)) continue;
    MountEntry m;
    m.path = decode_mountinfo_path(point);
    std::istringstream os(options);
    std::string opt;
    while (std::getline(os, opt, ',')) {
      if (opt == "nosuid") m.keep_flags |= MS_NOSUID;
      else if (opt == "nodev") m.keep_flags |= MS_NODEV;
      else if (opt == "noexec") m.keep_flags |= MS_NOEXEC;
      else if (opt == "noatime") m.keep_flags |= MS_NOATIME;
      else if (opt == "nodiratime") m.keep_flags |= MS_NODIRATIME;
      else if (opt == "relatime") m.keep_flags |= MS_RELATIME;
      else if (opt == "strictatime") m.keep_flags |= MS_STRICTATIME;
    }
    mounts.push_back(std::move(m));
  }
  return mounts;
}

struct ProcessStatus {
  long real_uid = -1;
  uint64_t threads = 1;
};

// Every process in /proc (zombies included: they still count for RLIMIT_NPROC), from its status file.
std::vector<ProcessStatus> process_statuses() {
  std::vector<ProcessStatus> processes;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream in(entry.path() / "status");
    std::string line;
    ProcessStatus status;
    while (std::getline(in, line)) {
      if (line.rfind("Uid:", 0) == 0) {
        std::istringstream ls(line.substr(4));
        ls >> status.real_uid;
      } else if (line.rfind("Threads:", 0) == 0) {
        status.threads = std::strtoull(line.c_str() + 8, nullptr, 10);
      }
    }
    if (status.real_uid >= 0) processes.push_back(status);
  }
  return processes;
}

// Real uids that own at least one process.
std::set<uint32_t> uids_in_use() {
  std::set<uint32_t> used;
  for (const ProcessStatus& p : process_statuses()) used.insert(static_cast<uint32_t>(p.real_uid));
  return used;
}

// Tasks (threads count, as RLIMIT_NPROC counts them) whose real uid is `uid`.
uint64_t count_tasks_of_uid(uid_t uid) {
  uint64_t total = 0;
  for (const ProcessStatus& p : process_statuses()) {
    if (p.real_uid == static_cast<long>(uid)) total += p.threads;
  }
  return total;
}

int cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::string resolve_python(const std::string& configured) {
  auto executable = [](const fs::path& p) { return access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); };
  std::error_code ec;
  if (!configured.empty()) {
    fs::path p = configured;
    if (p.is_absolute()) {
      if (!executable(p)) throw SandboxSetupError("python not executable: " + configured);
      return fs::canonical(p, ec).string();
    }
  }
  const std::string name = configured.empty() ? "python3" : configured;
  if (configured.empty() && executable("/usr/bin/python3")) return fs::canonical("/usr/bin/python3", ec).string();
  const char* path_env = std::getenv("PATH");
  std::istringstream ps(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(ps, dir, ':')) {
    if (dir.empty()) continue;
    fs::path p = fs::path(dir) / name;
    // pyenv shims are shell scripts that need the user's environment: skip them.
    if (dir.find("/shims") != std::string::npos) continue;
    if (executable(p)) return fs::canonical(p, ec).string();
  }
  throw SandboxSetupError("no " + name + " found (/usr/bin/python3 or on PATH); set SandboxConfig::python");
}

// Keeps the last `cap` bytes of a stream.
void append_tail(std::string& tail, const char* data, size_t n, size_t cap) {
  tail.append(data, n);
  if (tail.size() > 2 * cap + 65536) tail.erase(0, tail.size() - cap);
}

void trim_tail(std::string& tail, size_t cap) {
  if (tail.size() > cap) tail.erase(0, tail.size() - cap);
}

std::string last_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = text.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    std::string line = text.substr(start, end - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos) {
      line = line.substr(first);
      if (line.size() > 300) line = line.substr(0, 300) + "...";
      return line;
    }
    if (start == 0) break;
    end = start - 1;
  }
  return "";
}

std::string format_seconds(double s) { return fmt::format("{:g} s", s); }

}  // namespace

// ---- the sandbox ---------------------------------------------------------------------------------

struct Sandbox::Impl {
  SandboxConfig config;
  Isolation isolation;
  Plan plan;
  fs::path base;      // root-owned, 0711: tmpfs mount point or host temp dirs live here
  fs::path workdir;   // tmpfs mode: base/w, the same path in every mount namespace
  Fd devnull;
  int cap_last = 40;
  uid_t outer_uid = 0;
  gid_t outer_gid = 0;
  std::string uid_map, gid_map;
  std::string python_version;
  mutable std::atomic<uint64_t> counter{0};
  mutable std::mutex slot_mutex;
  mutable std::condition_variable slot_free;
  mutable std::vector<bool> slot_busy;

  int acquire_slot() const {
    std::unique_lock<std::mutex> lock(slot_mutex);
    for (;;) {
      for (size_t i = 0; i < slot_busy.size(); ++i) {
        if (!slot_busy[i]) {
          slot_busy[i] = true;
          return static_cast<int>(i);
        }
      }
      slot_free.wait(lock);
    }
  }
  void release_slot(int slot) const {
    {
      std::lock_guard<std::mutex> lock(slot_mutex);
      slot_busy[static_cast<size_t>(slot)] = false;
    }
    slot_free.notify_one();
  }
  struct SlotGuard {
    const Impl& impl;
    int slot;
    explicit SlotGuard(const Impl& i) : impl(i), slot(i.acquire_slot()) {}
    ~SlotGuard() { impl.release_slot(slot); }
  };
  std::vector<std::string> argv_storage;
  bool sweep_uids = false;  // no PID namespace: kill every process of the worker's uid afterwards

  std::vector<uint32_t> uids;  // per worker slot (root only)
  std::vector<std::string> isolation_notes_pending;
  std::vector<Fd> uid_claims;  // flock()ed files holding those uids against other Sandboxes

  uid_t uid_for(int worker) const {
    if (config.shared_uid) return *config.shared_uid;
    return uids.empty() ? geteuid() : uids[static_cast<size_t>(worker)];
  }
  void claim_uids();

  Limits limits_for() const {
    Limits l{};
    l.cpu_soft = static_cast<rlim_t>(std::ceil(config.cpu_limit_s));
    l.cpu_hard = l.cpu_soft + 1;  // SIGXCPU at the soft limit, SIGKILL one second later
    l.as = config.memory_bytes;
    l.nproc = config.max_processes;
    if (plan.drop_uid && config.shared_uid) l.nproc = config.max_processes * static_cast<uint64_t>(config.workers);
    if (!plan.drop_uid) {
      // The count is per real uid, so the harness's own tasks count too.
      l.nproc = count_tasks_of_uid(geteuid()) + config.max_processes * static_cast<uint64_t>(config.workers) + 64;
    }
    l.nofile = config.max_open_files;
    l.fsize = config.max_file_bytes;
    return l;
  }

  Limits limits;

  struct Launch {
    ExecResult result;
    ChildReport report;
    bool reported = false;
  };

  // Runs one child with the current plan. `probe_only` stops just before exec.
  Launch launch(const std::string& program, int worker, bool probe_only) const;
  void kill_all(pid_t pid, int worker) const;
  void probe();
};

void Sandbox::Impl::claim_uids() {
  // Claims are files locked with flock(): the lock goes when the process does, however it ends.
  // Root only; the directory must be root's and closed to others.
  fs::path dir = fs::is_directory("/run/lock") ? fs::path("/run/lock/engram-humaneval")
                                               : fs::path("/tmp/engram-humaneval-uids");
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw SandboxSetupError("mkdir " + dir.string() + ": " + errno_text(errno));
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0)
    throw SandboxSetupError(dir.string() + " must be a directory owned by root with mode 0700");
  int skipped_accounts = 0, skipped_busy = 0;
  // A uid that already runs something (a program left over by a crashed harness without a PID
  // namespace, or a zombie nobody reaps) is not ours to use, nor to kill.
  const std::set<uint32_t> busy = uids_in_use();
  for (uint32_t off = 0; off < config.uid_range && uids.size() < static_cast<size_t>(config.workers); ++off) {
    const uint32_t uid = config.uid_base + off;
    if (uid == 0 || uid == static_cast<uint32_t>(-1)) continue;
    struct passwd pw {};
    struct passwd* pw_found = nullptr;
    struct group gr {};
    struct group* gr_found = nullptr;
    std::vector<char> buf(1 << 16);
    getpwuid_r(uid, &pw, buf.data(), buf.size(), &pw_found);
    if (!pw_found) getgrgid_r(uid, &gr, buf.data(), buf.size(), &gr_found);
    if (pw_found || gr_found) {
      ++skipped_accounts;
      continue;
    }
    if (busy.count(uid) != 0) {
      ++skipped_busy;
      continue;
    }
    const fs::path lock = dir / std::to_string(uid);
    Fd fd(open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.fd < 0) throw SandboxSetupError("open " + lock.string() + ": " + errno_text(errno));
    if (flock(fd.fd, LOCK_EX | LOCK_NB) != 0) continue;  // another Sandbox holds it
    uids.push_back(uid);
    uid_claims.push_back(std::move(fd));
  }
  if (uids.size() < static_cast<size_t>(config.workers))
    throw SandboxSetupError(fmt::format("only {} of {} free sandbox uids in [{}, {}) ({} belong to accounts)",
                                        uids.size(), config.workers, config.uid_base,
                                        static_cast<uint64_t>(config.uid_base) + config.uid_range, skipped_accounts));
  if (skipped_accounts > 0)
    isolation_notes_pending.push_back(fmt::format("{} uids in the sandbox range belong to accounts and were skipped",
                                                  skipped_accounts));
  if (skipped_busy > 0)
    isolation_notes_pending.push_back(fmt::format("{} uids in the sandbox range own processes and were skipped",
                                                  skipped_busy));
}

void Sandbox::Impl::kill_all(pid_t pid, int worker) const {
  kill(pid, SIGKILL);  // with a PID namespace, its init: the kernel kills the rest
  killpg(pid, SIGKILL);
  if (sweep_uids) {
    // No PID namespace: a descendant may have left the process group. Kill everything running
    // under this worker's uid (which belongs to no account and to no other worker).
    uid_t uid = uid_for(worker);
    pid_t helper = fork();
    if (helper == 0) {
      if (syscall(SYS_setresgid, uid, uid, uid) == 0 && syscall(SYS_setresuid, uid, uid, uid) == 0) kill(-1, SIGKILL);
      _exit(0);
    }
    if (helper > 0) {
      while (waitpid(helper, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
}

Sandbox::Impl::Launch Sandbox::Impl::launch(const std::string& program, int worker, bool probe_only) const {
  Launch out;
  ExecResult& res = out.result;
  const auto t0 = Clock::now();

  // Working directory.
  fs::path dir = workdir;
  bool host_dir = !plan.tmpfs;
  uid_t uid = uid_for(worker);
  gid_t gid = static_cast<gid_t>(uid);
  if (host_dir) {
    dir = base / fmt::format("w{}-{}", worker, counter.fetch_add(1));
    if (mkdir(dir.c_str(), 0700) != 0) {
      res.reason = "sandbox: mkdir " + dir.string() + ": " + errno_text(errno);
      return out;
    }
    if (!probe_only) {
      fs::path file = dir / "prog.py";
      int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
      if (fd < 0 || !write_all_fd(fd, program.data(), program.size()) || close(fd) != 0) {
        res.reason = "sandbox: writing " + file.string() + ": " + errno_text(errno);
        std::error_code ec;
        fs::remove_all(dir, ec);
        return out;
      }
    }
    if (plan.drop_uid && chown(dir.c_str(), uid, gid) != 0) {
      res.reason = "sandbox: chown " + dir.string() + ": " + errno_text(errno);
      std::error_code ec;
      fs::remove_all(dir, ec);
      return out;
    }
  }
  struct DirCleanup {
    bool active;
    fs::path path;
    ~DirCleanup() {
      if (!active) return;
      std::error_code ec;
      fs::remove_all(path, ec);
      if (ec) {  // the program may have removed permissions on what it created
        for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
          std::error_code ignored;
          if (it->is_directory(ignored) && !it->is_symlink(ignored)) chmod(it->path().c_str(), 0700);
        }
        chmod(path.c_str(), 0700);
        fs::remove_all(path, ec);
      }
    }
  } cleanup{host_dir, dir};

  const std::string program_file = (dir / "prog.py").string();
  const std::string tmpfs_options =
      fmt::format("size={},nr_inodes=4096,mode=0700,uid={},gid={}", config.tmpfs_bytes,
                  plan.drop_uid ? uid : outer_uid, plan.drop_uid ? gid : outer_gid);
  const std::string home = "HOME=" + dir.string();
  const std::string tmpdir = "TMPDIR=" + dir.string();
  const std::string env_strings[] = {"PATH=/usr/local/bin:/usr/bin:/bin", home, tmpdir, "LANG=C.UTF-8",
                                     "OMP_NUM_THREADS=1"};
  std::vector<char*> envp;
  for (const auto& s : env_strings) envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const auto& s : argv_storage) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);

  Pipe out_pipe = Pipe::make(), err_pipe = Pipe::make(), status_pipe = Pipe::make();

  ChildArgs a;
  a.plan = &plan;
  a.limits = limits;
  a.uid = uid;
  a.gid = gid;
  a.uid_map = uid_map.c_str();
  a.gid_map = gid_map.c_str();
  a.workdir = dir.c_str();
  a.tmpfs_options = tmpfs_options.c_str();
  a.program_file = program_file.c_str();
  if (!host_dir && !probe_only) {
    a.program = program.data();
    a.program_size = program.size();
  }
  a.python = argv_storage[0].c_str();
  a.argv = argv.data();
  a.envp = envp.data();
  a.devnull = devnull.fd;
  a.out_w = out_pipe.w.fd;
  a.err_w = err_pipe.w.fd;
  a.status_w = status_pipe.w.fd;
  a.cap_last = cap_last;
  a.probe_only = probe_only;

  // clone() as a raw system call behaves like fork(), with the namespaces created for the child.
  long raw = syscall(SYS_clone, plan.clone_flags(), nullptr, nullptr, nullptr, nullptr);
  if (raw == 0) child_main(a);
  if (raw < 0) {
    res.reason = fmt::format("sandbox: clone: {}", errno_text(errno));
    out.report = {-1, errno, -1};
    out.reported = true;
    return out;
  }
  const pid_t pid = static_cast<pid_t>(raw);
  out_pipe.w.reset();
  err_pipe.w.reset();
  status_pipe.w.reset();
  Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  for (int fd : {out_pipe.r.fd, err_pipe.r.fd, status_pipe.r.fd}) fcntl(fd, F_SETFL, O_NONBLOCK);

  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.timeout_s));
  bool exited = false, killed_timeout = false, killed_output = false;
  bool out_open = true, err_open = true, status_open = true;
  std::string stdout_tail, stderr_tail;
  char buf[65536];
  std::string status_bytes;

  auto drain = [&](int fd, bool& open_flag, std::string* tail) {
    for (int rounds = 0; rounds < 64; ++rounds) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) {
        if (tail) {
          append_tail(*tail, buf, static_cast<size_t>(n), config.tail_bytes);
          res.output_bytes += static_cast<uint64_t>(n);
        } else {
          status_bytes.append(buf, static_cast<size_t>(n));
        }
        continue;
      }
      if (n == 0) open_flag = false;
      else if (errno == EINTR) continue;
      else if (errno != EAGAIN) open_flag = false;
      return;
    }
  };
  auto child_gone = [&]() {
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
  };

  while (!exited) {
    auto now = Clock::now();
    int wait_ms = 0;
    if (!killed_timeout && !killed_output) {
      wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
      wait_ms = std::max(wait_ms, 0);
    } else {
      wait_ms = 20;
    }
    if (pidfd.fd < 0) wait_ms = std::min(wait_ms, 10);
    struct pollfd pfds[4];
    int n = 0;
    int i_out = -1, i_err = -1, i_status = -1, i_pid = -1;
    if (out_open) { pfds[n] = {out_pipe.r.fd, POLLIN, 0}; i_out = n++; }
    if (err_open) { pfds[n] = {err_pipe.r.fd, POLLIN, 0}; i_err = n++; }
    if (status_open) { pfds[n] = {status_pipe.r.fd, POLLIN, 0}; i_status = n++; }
    if (pidfd.fd >= 0) { pfds[n] = {pidfd.fd, POLLIN, 0}; i_pid = n++; }
    int rc = poll(pfds, static_cast<nfds_t>(n), wait_ms);
    if (rc < 0 && errno != EINTR) break;
    if (rc > 0) {
      if (i_out >= 0 && pfds[i_out].revents) drain(out_pipe.r.fd, out_open, &stdout_tail);
      if (i_err >= 0 && pfds[i_err].revents) drain(err_pipe.r.fd, err_open, &stderr_tail);
      if (i_status >= 0 && pfds[i_status].revents) drain(status_pipe.r.fd, status_open, nullptr);
      if (i_pid >= 0 && pfds[i_pid].revents) exited = true;
    }
    if (pidfd.fd < 0 && child_gone()) exited = true;
    if (!killed_output && res.output_bytes > config.max_output_bytes) {
      killed_output = true;
      kill_all(pid, worker);
    }
    if (!exited && !killed_timeout && !killed_output && Clock::now() >= deadline) {
      killed_timeout = true;
      kill_all(pid, worker);
    }
  }
  // The child is gone. Without a PID namespace its descendants may live on: kill them too. Then
  // collect what is left in the pipes (bounded: a descendant we could not kill may hold them open).
  if (!plan.pid_ns) kill_all(pid, worker);
  const auto drain_deadline = Clock::now() + std::chrono::milliseconds(500);
  while ((out_open || err_open || status_open) && Clock::now() < drain_deadline) {
    struct pollfd pfds[3];
    int n = 0;
    int i_out = -1, i_err = -1, i_status = -1;
    if (out_open) { pfds[n] = {out_pipe.r.fd, POLLIN, 0}; i_out = n++; }
    if (err_open) { pfds[n] = {err_pipe.r.fd, POLLIN, 0}; i_err = n++; }
    if (status_open) { pfds[n] = {status_pipe.r.fd, POLLIN, 0}; i_status = n++; }
    if (poll(pfds, static_cast<nfds_t>(n), 50) <= 0) continue;
    if (i_out >= 0 && pfds[i_out].revents) drain(out_pipe.r.fd, out_open, &stdout_tail);
    if (i_err >= 0 && pfds[i_err].revents) drain(err_pipe.r.fd, err_open, &stderr_tail);
    if (i_status >= 0 && pfds[i_status].revents) drain(status_pipe.r.fd, status_open, nullptr);
    if (res.output_bytes > config.max_output_bytes + (1u << 20)) break;  // cannot stop a stray writer; stop reading
  }

  int wstatus = 0;
  struct rusage usage {};
  while (wait4(pid, &wstatus, 0, &usage) < 0 && errno == EINTR) {
  }
  res.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  res.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
              static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  trim_tail(stdout_tail, config.tail_bytes);
  trim_tail(stderr_tail, config.tail_bytes);
  res.stdout_tail = std::move(stdout_tail);
  res.stderr_tail = std::move(stderr_tail);
  if (WIFEXITED(wstatus)) res.exit_code = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) res.signal = WTERMSIG(wstatus);

  if (status_bytes.size() >= sizeof(ChildReport)) {
    std::memcpy(&out.report, status_bytes.data(), sizeof(ChildReport));
    out.reported = true;
    res.status = ExecStatus::kSandboxError;
    res.reason = fmt::format("sandbox: {} failed: {}", stage_name(out.report.stage),
                             out.report.err ? errno_text(out.report.err) : std::string("check failed"));
    if (out.report.stage == kStageReadonly && out.report.index >= 0 &&
        static_cast<size_t>(out.report.index) < plan.mounts.size())
      res.reason += " (" + plan.mounts[static_cast<size_t>(out.report.index)].path + ")";
  } else if (killed_output) {
    res.status = ExecStatus::kOutputLimit;
    res.reason = fmt::format("output limit: more than {} bytes on stdout and stderr", config.max_output_bytes);
  } else if (killed_timeout) {
    res.status = ExecStatus::kTimeout;
    res.reason = "wall-clock timeout after " + format_seconds(config.timeout_s);
  } else if (WIFEXITED(wstatus)) {
    if (res.exit_code == 0) {
      res.status = ExecStatus::kPassed;
      res.reason = "passed";
    } else if (res.exit_code == 126 && res.stderr_tail.empty() && res.stdout_tail.empty()) {
      res.status = ExecStatus::kSandboxError;
      res.reason = "sandbox: the child could not set up its descriptors";
    } else {
      res.status = ExecStatus::kFailed;
      std::string line = last_line(res.stderr_tail);
      res.reason = line.empty() ? fmt::format("exit code {}", res.exit_code) : line;
    }
  } else if (WIFSIGNALED(wstatus)) {
    res.status = ExecStatus::kCrashed;
    const double cpu_limit = static_cast<double>(limits.cpu_soft);
    if ((res.signal == SIGXCPU || res.signal == SIGKILL) && res.cpu_s >= cpu_limit - 0.05) {
      res.reason = fmt::format("CPU time limit ({} s) exceeded", limits.cpu_soft);
    } else {
      res.reason = "killed by " + signal_name(res.signal);
      std::string line = last_line(res.stderr_tail);
      if (!line.empty()) res.reason += ": " + line;
    }
  } else {
    res.status = ExecStatus::kSandboxError;
    res.reason = "sandbox: unexpected wait status";
  }
  return out;
}

void Sandbox::Impl::probe() {
  isolation = Isolation{};
  isolation.notes = isolation_notes_pending;
  isolation.root = geteuid() == 0;
  plan = Plan{};
  plan.drop_uid = isolation.root;

  auto try_clone = [&](long flags) -> int {
    long raw = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (raw == 0) _exit(0);
    if (raw < 0) return errno;
    int status = 0;
    while (waitpid(static_cast<pid_t>(raw), &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EIO;
  };

  if (config.use_namespaces) {
    long user = 0;
    if (!isolation.root) {
      if (int err = try_clone(CLONE_NEWUSER); err == 0) {
        plan.user_ns = true;
        user = CLONE_NEWUSER;
      } else {
        isolation.notes.push_back("user namespace unavailable (" + errno_text(err) +
                                  "): not root, so no other namespace either");
      }
    }
    if (isolation.root || plan.user_ns) {
      struct {
        long flag;
        bool* on;
        const char* name;
      } kinds[] = {{CLONE_NEWNET, &plan.net_ns, "network"},
                   {CLONE_NEWPID, &plan.pid_ns, "PID"},
                   {CLONE_NEWIPC, &plan.ipc_ns, "IPC"},
                   {CLONE_NEWNS, &plan.mount_ns, "mount"}};
      for (auto& k : kinds) {
        int err = try_clone(user | k.flag);
        *k.on = err == 0;
        if (err != 0) isolation.notes.push_back(fmt::format("{} namespace unavailable: {}", k.name, errno_text(err)));
      }
    }
    plan.tmpfs = plan.mount_ns;
    plan.readonly = plan.mount_ns;
  } else {
    isolation.notes.push_back("namespaces disabled by configuration");
  }
  plan.recursive_readonly = plan.readonly && config.recursive_readonly;
  if (plan.readonly) {
    plan.mounts = read_mounts();
    if (plan.mounts.empty()) {
      plan.readonly = false;
      isolation.notes.push_back("no mounts listed in /proc/self/mountinfo: the file system stays writable");
    }
  }

  // Try the whole setup (without exec), giving up features that fail, until it works.
  for (int attempt = 0; attempt < 64; ++attempt) {
    Launch l = launch("", 0, /*probe_only=*/true);
    if (!l.reported && l.result.exit_code == 0) break;
    if (!l.reported) throw SandboxSetupError("sandbox probe: " + l.result.reason);
    const int32_t stage = l.report.stage;
    const std::string why = errno_text(l.report.err);
    if (stage == -1) {  // clone itself failed with all the namespaces together
      isolation.notes.push_back("clone with every namespace failed (" + why + "): namespaces off");
      plan.net_ns = plan.pid_ns = plan.ipc_ns = plan.mount_ns = plan.tmpfs = plan.readonly = plan.user_ns = false;
    } else if (stage == kStageUserNsMaps) {
      isolation.notes.push_back("user-namespace id maps refused (" + why + "): namespaces off");
      plan.net_ns = plan.pid_ns = plan.ipc_ns = plan.mount_ns = plan.tmpfs = plan.readonly = plan.user_ns = false;
    } else if (stage == kStageMountPrivate) {
      isolation.notes.push_back("mount namespace unusable (" + why + ")");
      plan.mount_ns = plan.tmpfs = plan.readonly = false;
    } else if (stage == kStageTmpfs) {
      isolation.notes.push_back("private tmpfs refused (" + why + "): host temp directories instead");
      plan.tmpfs = false;
    } else if (stage == kStageBindWorkdir) {
      isolation.notes.push_back("bind mount refused (" + why + "): file system stays writable");
      plan.readonly = false;
    } else if (stage == kStageReadonly && l.report.index < 0 && plan.recursive_readonly) {
      isolation.notes.push_back("mount_setattr refused (" + why + "): remounting the mounts present now one by one");
      plan.recursive_readonly = false;
    } else if (stage == kStageReadonly && l.report.index >= 0 &&
               static_cast<size_t>(l.report.index) < plan.mounts.size()) {
      const std::string path = plan.mounts[static_cast<size_t>(l.report.index)].path;
      if (path == "/") {
        isolation.notes.push_back("cannot remount / read-only (" + why + "): file system stays writable");
        plan.readonly = false;
      } else {
        isolation.notes.push_back("cannot remount " + path + " read-only (" + why + "): left as it is");
        plan.mounts.erase(plan.mounts.begin() + l.report.index);
      }
    } else if (stage == kStageSetgroups || stage == kStageSetgid || stage == kStageSetuid ||
               stage == kStageVerifyDrop) {
      isolation.notes.push_back(fmt::format("privilege drop failed at {} ({}): programs run as root", stage_name(stage), why));
      plan.drop_uid = false;
      limits = limits_for();
    } else if (stage == kStageCapabilities && plan.user_ns) {
      isolation.notes.push_back("cannot drop capabilities in the user namespace (" + why + "): namespaces off");
      plan.net_ns = plan.pid_ns = plan.ipc_ns = plan.mount_ns = plan.tmpfs = plan.readonly = plan.user_ns = false;
    } else if (stage == kStageNoNewPrivs) {
      isolation.notes.push_back("PR_SET_NO_NEW_PRIVS refused (" + why + ")");
      plan.no_new_privs = false;
    } else {
      throw SandboxSetupError("sandbox probe: " + l.result.reason);
    }
  }
  if (!plan.pid_ns) isolation.notes.push_back("no PID namespace: escaped descendants are found by uid (root) or not at all");
  if (!plan.net_ns) isolation.notes.push_back("no network namespace: programs can reach the network");
  if (!plan.drop_uid && !isolation.root) isolation.notes.push_back("not root: programs run as the harness's own user");

  isolation.uid_drop = plan.drop_uid;
  isolation.user_ns = plan.user_ns;
  isolation.net_ns = plan.net_ns;
  isolation.pid_ns = plan.pid_ns;
  isolation.ipc_ns = plan.ipc_ns;
  isolation.mount_ns = plan.mount_ns;
  isolation.private_tmpfs = plan.tmpfs;
  isolation.readonly_fs = plan.readonly;
  isolation.readonly_recursive = plan.readonly && plan.recursive_readonly;
  isolation.no_new_privs = plan.no_new_privs;
  sweep_uids = plan.drop_uid && !plan.pid_ns && !config.shared_uid;
}

Sandbox::Sandbox(SandboxConfig config) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  if (config.workers <= 0) config.workers = cpu_count();
  if (config.timeout_s <= 0) throw SandboxSetupError("SandboxConfig::timeout_s must be positive");
  if (config.cpu_limit_s <= 0) config.cpu_limit_s = std::ceil(config.timeout_s) + 1;
  config.python = resolve_python(config.python);
  if (config.tmp_root.empty()) {
    const char* t = std::getenv("TMPDIR");
    config.tmp_root = (t && *t) ? fs::path(t) : fs::path("/tmp");
  }
  m.config = config;
  m.slot_busy.assign(static_cast<size_t>(config.workers), false);
  m.outer_uid = geteuid();
  m.outer_gid = getegid();
  // Identity maps: inside its user namespace the program keeps the harness's (non-zero) uid, so exec
  // leaves it no capabilities even before the explicit drop.
  m.uid_map = fmt::format("{0} {0} 1", m.outer_uid);
  m.gid_map = fmt::format("{0} {0} 1", m.outer_gid);
  {
    std::ifstream in("/proc/sys/kernel/cap_last_cap");
    int v = 0;
    if (in >> v && v > 0) m.cap_last = v;
  }
  m.devnull = Fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (m.devnull.fd < 0) throw SandboxSetupError("cannot open /dev/null: " + errno_text(errno));
  m.argv_storage = {config.python, "-I", "-B", "prog.py"};

  if (geteuid() == 0) {
    if (config.shared_uid) {
      if (*config.shared_uid == 0) throw SandboxSetupError("sandbox uid must not be 0");
      m.uids.assign(static_cast<size_t>(config.workers), *config.shared_uid);
    } else {
      m.claim_uids();
    }
  }

  std::string tmpl = (config.tmp_root / "engram-humaneval-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw SandboxSetupError("mkdtemp " + tmpl + ": " + errno_text(errno));
  m.base = buf.data();
  chmod(m.base.c_str(), 0711);
  m.workdir = m.base / "w";
  if (mkdir(m.workdir.c_str(), 0755) != 0) throw SandboxSetupError("mkdir " + m.workdir.string() + ": " + errno_text(errno));

  m.limits = m.limits_for();
  m.probe();
  m.limits = m.limits_for();

  // A real program must run: python found, and it starts under these limits.
  ExecResult check = m.launch("import sys\nprint(sys.version.split()[0])\n", 0, false).result;
  if (!check.passed()) {
    throw SandboxSetupError(fmt::format("sandbox self-check with {} failed: {} ({}) stderr: {}", config.python,
                                        check.reason, to_string(check.status), check.stderr_tail));
  }
  m.python_version = last_line(check.stdout_tail);
}

Sandbox::~Sandbox() {
  if (!impl_) return;
  std::error_code ec;
  fs::remove_all(impl_->base, ec);
}

const SandboxConfig& Sandbox::config() const { return impl_->config; }
const Isolation& Sandbox::isolation() const { return impl_->isolation; }
const std::vector<uint32_t>& Sandbox::uids() const { return impl_->uids; }

ExecResult Sandbox::run_one(const std::string& program) const {
  Impl::SlotGuard slot(*impl_);
  return impl_->launch(program, slot.slot, false).result;
}

std::vector<ExecResult> Sandbox::run(const std::vector<std::string>& programs,
                                     const std::function<void(size_t, size_t)>& progress) const {
  std::vector<ExecResult> results(programs.size());
  if (programs.empty()) return results;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progress_mutex;
  auto work = [&]() {
    Impl::SlotGuard slot(*impl_);
    const int worker = slot.slot;
    for (size_t i = next.fetch_add(1); i < programs.size(); i = next.fetch_add(1)) {
      try {
        results[i] = impl_->launch(programs[i], worker, false).result;
      } catch (const std::exception& e) {
        results[i].status = ExecStatus::kSandboxError;
        results[i].reason = std::string("sandbox: ") + e.what();
      }
      size_t d = done.fetch_add(1) + 1;
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress(d, programs.size());
      }
      crash_point("execute", d);
    }
  };
  const int n = std::min<int>(impl_->config.workers, static_cast<int>(programs.size()));
  if (n <= 1) {
    work();
    return results;
  }
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int w = 0; w < n; ++w) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  return results;
}

nlohmann::json Sandbox::describe() const {
  const SandboxConfig& c = impl_->config;
  nlohmann::json j;
  j["python"] = c.python;
  j["python_version"] = impl_->python_version;
  j["workers"] = c.workers;
  j["timeout_s"] = c.timeout_s;
  j["cpu_limit_s"] = impl_->limits.cpu_soft;
  j["memory_bytes"] = c.memory_bytes;
  j["max_processes"] = c.max_processes;
  j["max_open_files"] = c.max_open_files;
  j["max_file_bytes"] = c.max_file_bytes;
  j["max_output_bytes"] = c.max_output_bytes;
  j["tmpfs_bytes"] = c.tmpfs_bytes;
  if (impl_->plan.drop_uid) j["uids"] = impl_->uids;
  j["isolation"] = impl_->isolation.to_json();
  return j;
}

}  // namespace engram::tasks::humaneval
