#include "harness/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace engram::harness {
namespace {

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  const long s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, size_t total, bool quiet)
    : label_(std::move(label)),
      total_(total),
      quiet_(quiet),
      terminal_(::isatty(STDERR_FILENO) == 1),
      started_(std::chrono::steady_clock::now()),
      last_draw_(started_ - std::chrono::seconds(1)) {}

ProgressBar::~ProgressBar() {
  if (!finished_ && done_ > 0) finish();
}

void ProgressBar::update(size_t done, const std::string& note, size_t reused) {
  done_ = std::min(done, total_);
  reused_ = std::min(reused, done_);
  if (quiet_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    if (done_ < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(false, note);
  } else {
    const int decile = total_ == 0 ? 10 : static_cast<int>(10 * done_ / total_);
    if (decile == last_decile_ || done_ == total_) return;  // the final line comes from finish()
    last_decile_ = decile;
    draw(false, note);
  }
  if (done_ == total_) finish(note);
}

void ProgressBar::finish(const std::string& note) {
  if (finished_) return;
  finished_ = true;
  if (quiet_) return;
  done_ = total_;
  draw(true, note);
}

void ProgressBar::draw(bool final_line, const std::string& note) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double fraction = total_ == 0 ? 1.0 : static_cast<double>(done_) / static_cast<double>(total_);
  const size_t worked = done_ - reused_;  // update() keeps reused_ <= done_, and finish() only raises done_
  const double rate = elapsed > 0 ? static_cast<double>(worked) / elapsed : 0;
  const std::string timing = final_line || worked == 0 || rate <= 0
                                 ? format_duration(elapsed)
                                 : format_duration(elapsed) + " < " + format_duration(static_cast<double>(total_ - done_) / rate);
  std::string text;
  if (terminal_) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    text = fmt::format("\r  {:<24} [{}{}] {}/{} {:.1f}/s {}{}{}", label_, std::string(static_cast<size_t>(filled), '#'),
                       std::string(static_cast<size_t>(kWidth - filled), '.'), done_, total_, rate, timing,
                       note.empty() ? "" : "  ", note);
    text += "\x1b[K";
    if (final_line) text += "\n";
  } else {
    text = fmt::format("  {} {}/{} ({:.0f}%) {:.1f}/s {}{}{}\n", label_, done_, total_, 100 * fraction, rate, timing,
                       note.empty() ? "" : "  ", note);
  }
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace engram::harness
