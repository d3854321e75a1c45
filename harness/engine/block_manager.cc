#include "harness/engine/block_manager.h"

#include <stdexcept>
#include <string>

namespace engram::harness {

BlockManager::BlockManager(int64_t num_blocks, int64_t block_size) : block_size_(block_size) {
  if (num_blocks < 1) throw std::invalid_argument("paged KV cache: the block count must be positive");
  if (block_size < 1) throw std::invalid_argument("paged KV cache: the block size must be positive");
  references_.assign(static_cast<std::size_t>(num_blocks), 0);
  for (int64_t block = 0; block < num_blocks; ++block) free_.push_back(block);
}

std::vector<int64_t> BlockManager::allocate(int64_t count) {
  if (count > free_blocks()) {
    throw std::runtime_error("paged KV cache: " + std::to_string(count) + " blocks wanted, " +
                             std::to_string(free_blocks()) + " free");
  }
  std::vector<int64_t> out;
  for (int64_t k = 0; k < count; ++k) {
    const int64_t block = free_.front();
    free_.pop_front();
    references_[static_cast<std::size_t>(block)] = 1;
    out.push_back(block);
  }
  return out;
}

void BlockManager::share(const std::vector<int64_t>& blocks) {
  for (int64_t block : blocks) {
    if (references_.at(static_cast<std::size_t>(block)) < 1) {
      throw std::logic_error("paged KV cache: sharing free block " + std::to_string(block));
    }
    ++references_[static_cast<std::size_t>(block)];
  }
}

void BlockManager::release(const std::vector<int64_t>& blocks) {
  for (int64_t block : blocks) {
    int64_t& held = references_.at(static_cast<std::size_t>(block));
    if (held < 1) throw std::logic_error("paged KV cache: releasing free block " + std::to_string(block));
    if (--held == 0) free_.push_front(block);  // reused first: the pool touches as few pages as it can
  }
}

}  // namespace engram::harness
