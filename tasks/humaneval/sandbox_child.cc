#include "tasks/humaneval/sandbox_child.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tasks/humaneval/sandbox_posix.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

namespace engram::tasks::humaneval::sandbox_internal {

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

namespace {

// mount_setattr(2) (Linux 5.12): one call makes a whole mount tree read-only, including mounts
// that appear after the Sandbox was built. Declared here so that older C libraries build too.
struct MountAttrV0 {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};
constexpr uint64_t kMountAttrReadOnly = 0x00000001;
constexpr unsigned kAtRecursive = 0x8000;

void child_report(int32_t stage, int32_t err, int32_t index = -1) {
  ChildReport report{stage, err, index};
  ssize_t ignored = write(kStatusFd, &report, sizeof report);
  (void)ignored;
}

[[noreturn]] void child_fail(int32_t stage, int32_t index = -1) {
  child_report(stage, errno, index);
  _exit(127);
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

void close_from(unsigned first, unsigned last) {
  if (first > last) return;
  if (syscall(SYS_close_range, first, last, 0u) == 0) return;
  for (unsigned fd = first; fd <= last && fd < 65536; ++fd) close(static_cast<int>(fd));
}

// Descriptors first, so that failures can be reported on kStatusFd: move the ones we keep above
// any number they will take, then into place, then close everything else. Nothing to report on
// yet when this fails, hence the bare exit status.
void place_descriptors(const ChildDescriptors& d) {
  int keep[6] = {d.devnull, d.out_w, d.err_w, d.status_w, d.key_r, d.channel_w};
  for (int& fd : keep) {
    fd = fcntl(fd, F_DUPFD, 16);
    if (fd == d.channel_fd) fd = fcntl(fd, F_DUPFD, 16);  // the copy left at channel_fd is replaced below
    if (fd < 0) _exit(kDescriptorSetupExit);
  }
  if (dup2(keep[0], 0) < 0 || dup2(keep[1], 1) < 0 || dup2(keep[2], 2) < 0 ||
      dup3(keep[3], kStatusFd, O_CLOEXEC) < 0 || dup2(keep[4], kKeyFd) < 0 || dup2(keep[5], d.channel_fd) < 0)
    _exit(kDescriptorSetupExit);
  close_from(kKeyFd + 1, static_cast<unsigned>(d.channel_fd) - 1);
  close_from(static_cast<unsigned>(d.channel_fd) + 1, ~0u);
}

// Nothing blocked or ignored is inherited by the program.
void reset_signals() {
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

void write_id_maps(const ChildArgs& a) {
  if (!write_file_c("/proc/self/setgroups", "deny") || !write_file_c("/proc/self/uid_map", a.uid_map) ||
      !write_file_c("/proc/self/gid_map", a.gid_map))
    child_fail(kStageUserNsMaps);
}

void remount_readonly(const Plan& plan) {
  if (plan.recursive_readonly) {
    MountAttrV0 attr{kMountAttrReadOnly, 0, 0, 0};
    if (syscall(SYS_mount_setattr, AT_FDCWD, "/", kAtRecursive, &attr, sizeof attr) != 0) child_fail(kStageReadonly, -1);
    return;
  }
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    const MountEntry& m = plan.mounts[i];
    if (mount(nullptr, m.path.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | m.keep_flags, nullptr) != 0) {
      // A mount that has gone since the list was read needs no protection.
      if (m.path != "/" && (errno == ENOENT || errno == EINVAL)) continue;
      child_fail(kStageReadonly, static_cast<int32_t>(i));
    }
  }
}

// Everything read-only first; the working directory's own mount comes after, writable.
void set_up_mounts(const ChildArgs& a) {
  const Plan& plan = *a.plan;
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) child_fail(kStageMountPrivate);
  if (plan.readonly) remount_readonly(plan);
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

void write_program_file(const ChildArgs& a) {
  int fd = open(a.program_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
  if (fd < 0 || !write_all_fd(fd, a.program, a.program_size) || close(fd) != 0) child_fail(kStageProgramFile);
}

void apply_limits(const Limits& l) {
  const struct {
    int resource;
    rlim_t soft, hard;
  } limits[] = {
      {RLIMIT_CPU, l.cpu_soft, l.cpu_hard}, {RLIMIT_AS, l.as, l.as},           {RLIMIT_NPROC, l.nproc, l.nproc},
      {RLIMIT_NOFILE, l.nofile, l.nofile},  {RLIMIT_FSIZE, l.fsize, l.fsize}, {RLIMIT_CORE, 0, 0},
  };
  for (const auto& limit : limits) {
    struct rlimit r {limit.soft, limit.hard};
    if (setrlimit(limit.resource, &r) != 0) child_fail(kStageRlimit);
  }
}

// Raw system calls: glibc's wrappers would try to apply the change to every thread of the parent,
// which this clone() child does not have (and would wait for them forever).
void drop_uid(uid_t uid, gid_t gid) {
  if (syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(kStageSetgroups);
  if (syscall(SYS_setresgid, gid, gid, gid) != 0) child_fail(kStageSetgid);
  if (syscall(SYS_setresuid, uid, uid, uid) != 0) child_fail(kStageSetuid);
  uid_t r, e, s;
  gid_t gr, ge, gs;
  errno = 0;
  if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid) child_fail(kStageVerifyDrop);
  if (getresgid(&gr, &ge, &gs) != 0 || gr != gid || ge != gid || gs != gid) child_fail(kStageVerifyDrop);
  if (getgroups(0, nullptr) != 0) child_fail(kStageVerifyDrop);
  if (syscall(SYS_setresuid, 0, 0, 0) == 0 || syscall(SYS_setresgid, 0, 0, 0) == 0) {
    errno = 0;
    child_fail(kStageVerifyDrop);
  }
}

// The capabilities this process holds in its user namespace could undo the read-only remounts:
// empty the bounding set, stop uid 0 from gaining any at exec, and drop what it holds.
void drop_capabilities(int cap_last) {
  for (int cap = 0; cap <= cap_last; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) child_fail(kStageCapabilities);
  }
  constexpr unsigned long kNoRoot = 1ul << 0, kNoRootLocked = 1ul << 1;
  if (prctl(PR_SET_SECUREBITS, kNoRoot | kNoRootLocked, 0, 0, 0) != 0) child_fail(kStageCapabilities);
  struct __user_cap_header_struct header {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &header, data) != 0) child_fail(kStageCapabilities);
}

}  // namespace

[[noreturn]] void child_main(const ChildArgs& a) {
  const Plan& plan = *a.plan;
  place_descriptors(a.fds);
  reset_signals();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) child_fail(kStagePdeathsig);
  if (plan.user_ns) write_id_maps(a);
  if (setsid() < 0) child_fail(kStageSetsid);
  if (plan.mount_ns) set_up_mounts(a);
  if (a.program != nullptr) write_program_file(a);
  if (chdir(a.workdir) != 0) child_fail(kStageChdir);
  apply_limits(a.limits);
  if (plan.drop_uid) drop_uid(a.uid, a.gid);
  if (plan.user_ns) drop_capabilities(a.cap_last);
  umask(077);
  if (plan.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(kStageNoNewPrivs);
  if (a.probe_only) _exit(0);
  execve(a.python, a.argv, a.envp);
  child_fail(kStageExec);
}

}  // namespace engram::tasks::humaneval::sandbox_internal
