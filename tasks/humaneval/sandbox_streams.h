#pragma once
// The pipes a running child writes to (stdout, stderr, the setup-failure report and the
// end-of-program channel), drained without blocking by one poll loop, while the child runs and
// after it has gone.

#include <array>
#include <cstdint>
#include <string>

#include "tasks/humaneval/sandbox_posix.h"

namespace engram::tasks::humaneval::sandbox_internal {

class ChildStreams {
 public:
  enum Which { kStdout = 0, kStderr, kStatus, kChannel };

  // Read ends, made non-blocking here. stdout and stderr keep their last `tail_bytes`; the status
  // report and the channel keep their first bytes (all that a well-behaved writer sends).
  ChildStreams(Fd out, Fd err, Fd status, Fd channel, size_t tail_bytes);

  // One poll over the open streams and `pidfd` (when >= 0) for up to wait_ms; drains whatever is
  // readable. True when the pidfd became readable (the child exited).
  bool poll_once(int wait_ms, int pidfd);
  bool any_open() const;

  uint64_t output_bytes() const { return streams_[kStdout].bytes + streams_[kStderr].bytes; }
  uint64_t bytes(Which w) const { return streams_[w].bytes; }
  const std::string& text(Which w) const { return streams_[w].text; }
  // The kept text, trimmed to the tail size (stdout and stderr).
  std::string take_tail(Which w);

 private:
  struct Stream {
    Fd fd;
    bool open = true;
    bool keep_tail = false;  // the last bytes (output) or the first (reports)
    size_t cap = 0;
    std::string text;
    uint64_t bytes = 0;
  };
  void drain(Stream& s);

  std::array<Stream, 4> streams_;
  char buf_[65536];
};

}  // namespace engram::tasks::humaneval::sandbox_internal
