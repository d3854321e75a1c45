#include "tasks/humaneval/sandbox_posix.h"

#include <cstring>

#include <fmt/format.h>

namespace engram::tasks::humaneval::sandbox_internal {

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  const char* desc = strerrordesc_np(err);
  return fmt::format("{} ({})", name ? name : fmt::format("errno {}", err), desc ? desc : "unknown error");
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
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

}  // namespace engram::tasks::humaneval::sandbox_internal
