#include "tasks/humaneval/sandbox_streams.h"

#include <poll.h>

#include <algorithm>

namespace engram::tasks::humaneval::sandbox_internal {

namespace {

constexpr size_t kReportCap = 4096;  // a ChildReport, or an end-of-program token, is far shorter

}  // namespace

ChildStreams::ChildStreams(Fd out, Fd err, Fd status, Fd channel, size_t tail_bytes) {
  streams_[kStdout].fd = std::move(out);
  streams_[kStderr].fd = std::move(err);
  streams_[kStatus].fd = std::move(status);
  streams_[kChannel].fd = std::move(channel);
  for (Which w : {kStdout, kStderr}) {
    streams_[w].keep_tail = true;
    streams_[w].cap = tail_bytes;
  }
  for (Which w : {kStatus, kChannel}) streams_[w].cap = kReportCap;
  for (Stream& s : streams_) fcntl(s.fd.fd, F_SETFL, O_NONBLOCK);
}

bool ChildStreams::any_open() const {
  for (const Stream& s : streams_)
    if (s.open) return true;
  return false;
}

bool ChildStreams::poll_once(int wait_ms, int pidfd) {
  struct pollfd pfds[5];
  Stream* polled[5] = {};
  nfds_t n = 0;
  for (Stream& s : streams_) {
    if (!s.open) continue;
    polled[n] = &s;
    pfds[n++] = {s.fd.fd, POLLIN, 0};
  }
  const nfds_t i_pid = n;
  if (pidfd >= 0) pfds[n++] = {pidfd, POLLIN, 0};
  if (poll(pfds, n, wait_ms) <= 0) return false;
  for (nfds_t i = 0; i < i_pid; ++i)
    if (pfds[i].revents) drain(*polled[i]);
  return pidfd >= 0 && pfds[i_pid].revents != 0;
}

void ChildStreams::drain(Stream& s) {
  for (int rounds = 0; rounds < 64; ++rounds) {
    ssize_t n = read(s.fd.fd, buf_, sizeof buf_);
    if (n > 0) {
      const size_t got = static_cast<size_t>(n);
      s.bytes += got;
      if (s.keep_tail) {
        s.text.append(buf_, got);
        if (s.text.size() > 2 * s.cap + 65536) s.text.erase(0, s.text.size() - s.cap);
      } else if (s.text.size() < s.cap) {
        s.text.append(buf_, std::min(got, s.cap - s.text.size()));
      }
      continue;
    }
    if (n == 0) s.open = false;
    else if (errno == EINTR) continue;
    else if (errno != EAGAIN) s.open = false;
    return;
  }
}

std::string ChildStreams::take_tail(Which w) {
  std::string tail = std::move(streams_[w].text);
  if (tail.size() > streams_[w].cap) tail.erase(0, tail.size() - streams_[w].cap);
  return tail;
}

}  // namespace engram::tasks::humaneval::sandbox_internal
