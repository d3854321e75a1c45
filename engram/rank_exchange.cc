#include "engram/rank_exchange.h"

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>

#include <chrono>
#include <numeric>
#include <stdexcept>

namespace engram {

RankExchange::RankExchange(c10::intrusive_ptr<c10d::Backend> backend, c10::Device device, Wait wait)
    : backend_(std::move(backend)), device_(device), wait_(std::move(wait)) {
  if (!backend_) throw std::invalid_argument("RankExchange needs a c10d backend");
  if (!wait_) wait_ = [](const c10::intrusive_ptr<c10d::Work>& work, const std::string&) { work->wait(); };
  rank_ = backend_->getRank();
  world_size_ = backend_->getSize();
}

RankExchange::~RankExchange() = default;

int64_t rows_per_rank(int64_t rows, int world_size) { return (rows + world_size - 1) / world_size; }

std::vector<int64_t> RankExchange::exchange_counts(const std::vector<int64_t>& send_counts, int64_t per_rank,
                                                   const std::string& label) {
  if (static_cast<int64_t>(send_counts.size()) != per_rank * world_size_) {
    throw std::invalid_argument(label + ": " + std::to_string(send_counts.size()) + " counts for " +
                                std::to_string(world_size_) + " ranks of " + std::to_string(per_rank));
  }
  at::Tensor send = at::tensor(send_counts, at::kLong).to(device_);
  at::Tensor recv = at::empty_like(send);
  std::vector<int64_t> splits(static_cast<size_t>(world_size_), per_rank);
  const auto start = std::chrono::steady_clock::now();
  wait_(backend_->all_to_all_single(recv, send, splits, splits), label + " (counts)");
  record(label, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0);
  const at::Tensor received = recv.cpu();
  return std::vector<int64_t>(received.data_ptr<int64_t>(), received.data_ptr<int64_t>() + received.numel());
}

at::Tensor RankExchange::exchange_rows(const at::Tensor& rows, const std::vector<int64_t>& send_counts,
                                       const std::vector<int64_t>& recv_counts, const std::string& label) {
  const int64_t sending = std::accumulate(send_counts.begin(), send_counts.end(), int64_t{0});
  if (sending != rows.size(0)) {
    throw std::invalid_argument(label + ": send counts add up to " + std::to_string(sending) + " rows, but " +
                                std::to_string(rows.size(0)) + " were given");
  }
  std::vector<int64_t> out_shape = rows.sizes().vec();
  out_shape[0] = std::accumulate(recv_counts.begin(), recv_counts.end(), int64_t{0});
  at::Tensor input = rows.contiguous();
  at::Tensor output = at::empty(out_shape, input.options());
  std::vector<int64_t> input_splits = send_counts, output_splits = recv_counts;
  const auto start = std::chrono::steady_clock::now();
  wait_(backend_->all_to_all_single(output, input, output_splits, input_splits), label);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t row_bytes = input.numel() == 0 ? 0 : input.nbytes() / input.size(0);
  record(label, seconds, (sending - send_counts[static_cast<size_t>(rank_)]) * row_bytes);
  return output;
}

void RankExchange::record(const std::string& label, double seconds, int64_t bytes_sent) {
  std::lock_guard<std::mutex> lock(mutex_);
  ExchangeTiming& timing = timings_[label];
  timing.calls += 1;
  timing.seconds += seconds;
  timing.bytes_sent += bytes_sent;
}

std::map<std::string, ExchangeTiming> RankExchange::timings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return timings_;
}

void RankExchange::reset_timings() {
  std::lock_guard<std::mutex> lock(mutex_);
  timings_.clear();
}

}  // namespace engram
