#include "harness/distributed/heartbeat.h"

#include <string>

namespace engram::distributed {

Heartbeat::Heartbeat(c10::intrusive_ptr<c10d::Store> own_connection, int rank, std::chrono::milliseconds interval)
    : store_(std::move(own_connection)), rank_(rank), interval_(interval) {
  store_->add(beat_key(rank_), 1);
  thread_ = std::thread([this] { run(); });
}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string Heartbeat::beat_key(int rank) { return "heartbeat/" + std::to_string(rank); }
std::string Heartbeat::done_key(int rank) { return "done/" + std::to_string(rank); }

void Heartbeat::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    try {
      store_->add(beat_key(rank_), 1);
    } catch (const std::exception&) {
      // The store's host is gone: the peers' collectives fail and say so; nothing to beat to.
      return;
    }
  }
}

std::vector<int> Heartbeat::silent_ranks(c10d::Store& store, int world_size, std::chrono::milliseconds window) {
  // add(key, 0) reads a counter without waiting for it to exist.
  std::vector<int64_t> before(static_cast<size_t>(world_size));
  for (int r = 0; r < world_size; ++r) before[static_cast<size_t>(r)] = store.add(beat_key(r), 0);
  std::this_thread::sleep_for(window);
  std::vector<int> silent;
  for (int r = 0; r < world_size; ++r) {
    if (store.add(beat_key(r), 0) != before[static_cast<size_t>(r)]) continue;
    if (store.check({done_key(r)})) continue;
    silent.push_back(r);
  }
  return silent;
}

}  // namespace engram::distributed
