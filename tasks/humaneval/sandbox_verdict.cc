// What one run means: a failed setup step, a limit the parent enforced, or how the program ended,
// read together with the end-of-program channel (sandbox_runner.h). A program passes only when the
// runner wrote this run's token after the program's last statement returned, and python then
// exited with status 0.

#include <sys/wait.h>

#include <cctype>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "tasks/humaneval/sandbox_impl.h"

namespace engram::tasks::humaneval {

using namespace sandbox_internal;

namespace {

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

bool has_traceback(const std::string& stderr_tail) {
  return stderr_tail.find("Traceback (most recent call last):") != std::string::npos;
}

}  // namespace

void Sandbox::Impl::judge(const Outcome& outcome, Launch& launch) const {
  ExecResult& res = launch.result;
  const int wstatus = outcome.wait_status;
  if (WIFEXITED(wstatus)) res.exit_code = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) res.signal = WTERMSIG(wstatus);
  res.ran_to_end = outcome.channel == ChannelVerdict::kRanToEnd;

  if (outcome.status_bytes.size() >= sizeof(ChildReport)) {
    std::memcpy(&launch.report, outcome.status_bytes.data(), sizeof(ChildReport));
    launch.reported = true;
    res.status = ExecStatus::kSandboxError;
    res.reason = fmt::format("sandbox: {} failed: {}", stage_name(launch.report.stage),
                             launch.report.err ? errno_text(launch.report.err) : std::string("check failed"));
    const int32_t index = launch.report.index;
    if (launch.report.stage == kStageReadonly && index >= 0 && static_cast<size_t>(index) < plan.mounts.size())
      res.reason += " (" + plan.mounts[static_cast<size_t>(index)].path + ")";
  } else if (outcome.killed_output) {
    res.status = ExecStatus::kOutputLimit;
    res.reason = fmt::format("output limit: more than {} bytes on stdout and stderr", config.max_output_bytes);
  } else if (outcome.killed_timeout) {
    res.status = ExecStatus::kTimeout;
    res.reason = fmt::format("wall-clock timeout after {:g} s", config.timeout_s);
  } else if (outcome.channel == ChannelVerdict::kForged) {
    res.status = ExecStatus::kFailed;
    res.reason = fmt::format("forged_end: {} bytes on the end-of-program channel are not this run's token",
                             outcome.channel_bytes);
  } else if (WIFEXITED(wstatus)) {
    judge_exit(outcome, res);
  } else if (WIFSIGNALED(wstatus)) {
    judge_signal(res);
  } else {
    res.status = ExecStatus::kSandboxError;
    res.reason = "sandbox: unexpected wait status";
  }
}

// Exited on its own: passed only with the token and status 0. Without the token it ended before
// its last statement returned (for HumanEval, before check returned): an exception (the reason is
// its line), or exit()/sys.exit()/SystemExit/os._exit()/quit() with any status (an early exit).
void Sandbox::Impl::judge_exit(const Outcome& outcome, ExecResult& res) const {
  const std::string line = last_line(res.stderr_tail);
  res.status = ExecStatus::kFailed;
  if (res.ran_to_end) {
    if (res.exit_code == 0) {
      res.status = ExecStatus::kPassed;
      res.reason = "passed";
    } else {
      res.reason = fmt::format("exit status {} after check returned{}", res.exit_code, line.empty() ? "" : ": " + line);
    }
  } else if (res.exit_code == kDescriptorSetupExit && outcome.channel_bytes == 0 && res.stderr_tail.empty() &&
             res.stdout_tail.empty()) {
    res.status = ExecStatus::kSandboxError;
    res.reason = "sandbox: the child could not set up its descriptors";
  } else if (res.exit_code != 0 && has_traceback(res.stderr_tail)) {
    res.reason = line;
  } else {
    res.reason = fmt::format("early_exit: status {} before check returned{}", res.exit_code,
                             line.empty() ? "" : ": " + line);
  }
}

void Sandbox::Impl::judge_signal(ExecResult& res) const {
  res.status = ExecStatus::kCrashed;
  const double cpu_limit = static_cast<double>(limits.cpu_soft);
  if ((res.signal == SIGXCPU || res.signal == SIGKILL) && res.cpu_s >= cpu_limit - 0.05) {
    res.reason = fmt::format("CPU time limit ({} s) exceeded", limits.cpu_soft);
    return;
  }
  res.reason = "killed by " + signal_name(res.signal);
  const std::string line = last_line(res.stderr_tail);
  if (!line.empty()) res.reason += ": " + line;
}

}  // namespace engram::tasks::humaneval
