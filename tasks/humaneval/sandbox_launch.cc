// One program: its directory, its descriptors and end-of-program token, clone(), supervision
// until it exits or is killed, and the reaping. The verdict is sandbox_verdict.cc's.

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "tasks/humaneval/sandbox_impl.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace engram::tasks::humaneval {

namespace fs = std::filesystem;
using namespace sandbox_internal;

namespace {

// The program's directory on the host, when there is no private tmpfs: created with the program in
// it, owned by the program's uid, and removed at scope exit whatever the program did to it.
class HostDirectory {
 public:
  explicit HostDirectory(fs::path path) : path_(std::move(path)) {}
  HostDirectory(const HostDirectory&) = delete;
  HostDirectory& operator=(const HostDirectory&) = delete;
  ~HostDirectory() {
    if (!created_) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
    if (!ec) return;
    // The program may have removed permissions on what it created.
    for (auto it = fs::recursive_directory_iterator(path_, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ignored;
      if (it->is_directory(ignored) && !it->is_symlink(ignored)) chmod(it->path().c_str(), 0700);
    }
    chmod(path_.c_str(), 0700);
    fs::remove_all(path_, ec);
  }

  // Empty on success, else the reason.
  std::string create(const std::string* program, bool chown_to_uid, uid_t uid, gid_t gid) {
    if (mkdir(path_.c_str(), 0700) != 0) return "sandbox: mkdir " + path_.string() + ": " + errno_text(errno);
    created_ = true;
    if (program != nullptr) {
      const fs::path file = path_ / "prog.py";
      int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
      if (fd < 0 || !write_all_fd(fd, program->data(), program->size()) || close(fd) != 0)
        return "sandbox: writing " + file.string() + ": " + errno_text(errno);
    }
    if (chown_to_uid && chown(path_.c_str(), uid, gid) != 0)
      return "sandbox: chown " + path_.string() + ": " + errno_text(errno);
    return "";
  }

 private:
  fs::path path_;
  bool created_ = false;
};

uint64_t open_files_limit() {
  struct rlimit r {};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 1024;
  return r.rlim_cur;
}

// The key goes into the pipe before clone() and its write end is closed: the runner reads it to EOF.
Pipe key_pipe(const EndToken& token) {
  Pipe key = Pipe::make();
  const std::string message = token.key_message();
  if (!write_all_fd(key.w.fd, message.data(), message.size()))
    throw std::runtime_error("writing the runner's key: " + errno_text(errno));
  key.w.reset();
  return key;
}

double cpu_seconds(const struct rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

Sandbox::Impl::ChildStrings Sandbox::Impl::child_strings(const fs::path& dir, uid_t uid, gid_t gid) const {
  ChildStrings s;
  s.program_file = (dir / "prog.py").string();
  s.tmpfs_options = fmt::format("size={},nr_inodes=4096,mode=0700,uid={},gid={}", config.tmpfs_bytes,
                                plan.drop_uid ? uid : outer_uid, plan.drop_uid ? gid : outer_gid);
  s.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir.string(), "TMPDIR=" + dir.string(), "LANG=C.UTF-8",
           "OMP_NUM_THREADS=1"};
  for (const auto& e : s.env) s.envp.push_back(const_cast<char*>(e.c_str()));
  s.envp.push_back(nullptr);
  for (const auto& arg : argv_storage) s.argv.push_back(const_cast<char*>(arg.c_str()));
  s.argv.push_back(nullptr);
  return s;
}

ChildArgs Sandbox::Impl::child_args(const ChildStrings& strings, const fs::path& dir, uid_t uid, bool probe_only) const {
  ChildArgs a;
  a.plan = &plan;
  a.limits = limits;
  a.uid = uid;
  a.gid = static_cast<gid_t>(uid);
  a.uid_map = uid_map.c_str();
  a.gid_map = gid_map.c_str();
  a.workdir = dir.c_str();
  a.tmpfs_options = strings.tmpfs_options.c_str();
  a.program_file = strings.program_file.c_str();
  a.python = argv_storage[0].c_str();
  a.argv = strings.argv.data();
  a.envp = strings.envp.data();
  a.fds.devnull = devnull.fd;
  a.cap_last = cap_last;
  a.probe_only = probe_only;
  return a;
}

Sandbox::Impl::Launch Sandbox::Impl::launch(const std::string& program, int worker, bool probe_only) const {
  Launch out;
  ExecResult& res = out.result;
  const auto t0 = Clock::now();
  const uid_t uid = uid_for(worker);
  const fs::path dir = plan.tmpfs ? workdir : base / fmt::format("w{}-{}", worker, counter.fetch_add(1));
  HostDirectory host_dir(plan.tmpfs ? fs::path() : dir);
  if (!plan.tmpfs) {
    res.reason = host_dir.create(probe_only ? nullptr : &program, plan.drop_uid, uid, static_cast<gid_t>(uid));
    if (!res.reason.empty()) return out;
  }
  const ChildStrings strings = child_strings(dir, uid, static_cast<gid_t>(uid));
  const EndToken token = draw_end_token(open_files_limit());
  Pipe out_pipe = Pipe::make(), err_pipe = Pipe::make(), status_pipe = Pipe::make(), channel = Pipe::make();
  Pipe key = key_pipe(token);

  ChildArgs a = child_args(strings, dir, uid, probe_only);
  if (plan.tmpfs && !probe_only) {  // the child writes it into its own tmpfs
    a.program = program.data();
    a.program_size = program.size();
  }
  a.fds = {devnull.fd, out_pipe.w.fd, err_pipe.w.fd, status_pipe.w.fd, key.r.fd, channel.w.fd, token.channel_fd};

  // clone() as a raw system call behaves like fork(), with the namespaces created for the child.
  const long raw = syscall(SYS_clone, plan.clone_flags(), nullptr, nullptr, nullptr, nullptr);
  if (raw == 0) child_main(a);
  if (raw < 0) {
    const int err = errno;
    res.reason = fmt::format("sandbox: clone: {}", errno_text(err));
    out.report = {-1, err, -1};
    out.reported = true;
    return out;
  }
  const pid_t pid = static_cast<pid_t>(raw);
  for (Fd* child_end : {&out_pipe.w, &err_pipe.w, &status_pipe.w, &channel.w, &key.r}) child_end->reset();
  ChildStreams streams(std::move(out_pipe.r), std::move(err_pipe.r), std::move(status_pipe.r), std::move(channel.r),
                       config.tail_bytes);
  Outcome outcome;
  supervise(pid, worker, t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.timeout_s)),
            streams, outcome);

  struct rusage usage {};
  while (wait4(pid, &outcome.wait_status, 0, &usage) < 0 && errno == EINTR) {
  }
  res.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  res.cpu_s = cpu_seconds(usage);
  res.output_bytes = streams.output_bytes();
  res.stdout_tail = streams.take_tail(ChildStreams::kStdout);
  res.stderr_tail = streams.take_tail(ChildStreams::kStderr);
  outcome.status_bytes = streams.text(ChildStreams::kStatus);
  outcome.channel_bytes = streams.bytes(ChildStreams::kChannel);
  outcome.channel = judge_channel(streams.text(ChildStreams::kChannel), outcome.channel_bytes, token);
  judge(outcome, out);
  return out;
}

void Sandbox::Impl::supervise(pid_t pid, int worker, Clock::time_point deadline, ChildStreams& streams,
                              Outcome& outcome) const {
  Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  auto child_gone = [&]() {  // without a pidfd (Linux < 5.3)
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
  };
  bool exited = false;
  while (!exited) {
    int wait_ms = 20;  // once killed, until the child is gone
    if (!outcome.killed_timeout && !outcome.killed_output) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      wait_ms = std::max(0, static_cast<int>(left) + 1);
    }
    if (pidfd.fd < 0) wait_ms = std::min(wait_ms, 10);
    exited = streams.poll_once(wait_ms, pidfd.fd);
    if (pidfd.fd < 0 && child_gone()) exited = true;
    if (!outcome.killed_output && streams.output_bytes() > config.max_output_bytes) {
      outcome.killed_output = true;
      kill_all(pid, worker);
    }
    if (!exited && !outcome.killed_timeout && !outcome.killed_output && Clock::now() >= deadline) {
      outcome.killed_timeout = true;
      kill_all(pid, worker);
    }
  }
  // The child is gone. Without a PID namespace its descendants may live on: kill them too. Then
  // collect what is left in the pipes (bounded: a descendant we could not kill may hold them open).
  if (!plan.pid_ns) kill_all(pid, worker);
  const auto drain_deadline = Clock::now() + std::chrono::milliseconds(500);
  while (streams.any_open() && Clock::now() < drain_deadline) {
    streams.poll_once(50, -1);
    if (streams.output_bytes() > config.max_output_bytes + (1u << 20)) break;  // a stray writer: stop reading
  }
}

}  // namespace engram::tasks::humaneval
