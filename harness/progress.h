#pragma once
// Progress on stderr for anything long (evaluation phases, HumanEval execution, speed sweeps).
// On a terminal: one line redrawn in place with a bar, rate and ETA, at most ten times a second.
// Elsewhere (CI logs, pipes): a plain line at each 10% step, so logs stay short. Torch-free.

#include <chrono>
#include <cstddef>
#include <string>

namespace engram::harness {

class ProgressBar {
 public:
  // quiet: draw nothing (--quiet, or output that must stay machine-readable).
  ProgressBar(std::string label, size_t total, bool quiet = false);
  ~ProgressBar();  // finishes the line if update() never reached total
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `reused` of `done` took no work here (answers from a resumed run's journal): they count toward
  // the bar but not toward the rate and the time left.
  void update(size_t done, const std::string& note = "", size_t reused = 0);
  void finish(const std::string& note = "");

 private:
  void draw(bool final_line, const std::string& note);

  std::string label_;
  size_t total_;
  size_t done_ = 0;
  size_t reused_ = 0;
  bool quiet_;
  bool terminal_;
  bool finished_ = false;
  int last_decile_ = 0;  // logs start at the first 10% step
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace engram::harness
