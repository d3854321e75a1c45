#pragma once
// Small POSIX pieces the sandbox's files share: owned descriptors and pipes, error and signal names.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace engram::tasks::humaneval::sandbox_internal {

// "ENOENT (No such file or directory)".
std::string errno_text(int err);
// "SIGSEGV".
std::string signal_name(int sig);
// write() until everything is written; false (errno set) on an error other than EINTR.
bool write_all_fd(int fd, const char* data, size_t size);

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
  // Both ends close on exec: the child moves the ends it keeps into place itself.
  static Pipe make() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2: " + errno_text(errno));
    Pipe p;
    p.r.fd = fds[0];
    p.w.fd = fds[1];
    return p;
  }
};

}  // namespace engram::tasks::humaneval::sandbox_internal
