#pragma once
// A rank's pulse in the rendezvous store: a thread adds 1 to "heartbeat/RANK" every interval, on a
// store connection of its own. When a collective fails, the ranks whose counters stand still over a
// few intervals (and that did not say they finished) are the ones that stopped: the failure message
// can name them, whatever the backend reported.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <torch/csrc/distributed/c10d/Store.hpp>

namespace engram::distributed {

class Heartbeat {
 public:
  Heartbeat(c10::intrusive_ptr<c10d::Store> own_connection, int rank, std::chrono::milliseconds interval);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  std::chrono::milliseconds interval() const { return interval_; }

  static std::string beat_key(int rank);
  static std::string done_key(int rank);
  // The ranks of 0..world_size-1 whose beat did not move within `window` and that did not post done.
  // Throws what the store throws when it is unreachable.
  static std::vector<int> silent_ranks(c10d::Store& store, int world_size, std::chrono::milliseconds window);

 private:
  void run();
  c10::intrusive_ptr<c10d::Store> store_;
  int rank_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace engram::distributed
