#pragma once
// The paged KV cache's bookkeeping, as nano-vLLM and vLLM keep it: the pool is cut into blocks of
// `block_size` token slots; a sequence owns a block table (its blocks in position order); blocks
// are reference counted so that sequences continuing one shared prefix hold that prefix's blocks
// together; a block returns to the free list when its last holder releases it.

#include <cstdint>
#include <deque>
#include <vector>

namespace engram::harness {

class BlockManager {
 public:
  BlockManager(int64_t num_blocks, int64_t block_size);

  int64_t block_size() const { return block_size_; }
  int64_t num_blocks() const { return static_cast<int64_t>(references_.size()); }
  int64_t free_blocks() const { return static_cast<int64_t>(free_.size()); }
  int64_t blocks_for(int64_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }

  // Takes `count` free blocks, each held once; throws std::runtime_error when fewer are free.
  std::vector<int64_t> allocate(int64_t count);
  // One more holder for each block (a sequence continuing a shared prefix).
  void share(const std::vector<int64_t>& blocks);
  // One holder fewer for each block; a block nobody holds is free again.
  void release(const std::vector<int64_t>& blocks);

  // The pool slot of a position, through a block table.
  int64_t slot(const std::vector<int64_t>& table, int64_t position) const {
    return table[static_cast<std::size_t>(position / block_size_)] * block_size_ + position % block_size_;
  }

 private:
  int64_t block_size_;
  std::vector<int64_t> references_;
  std::deque<int64_t> free_;
};

}  // namespace engram::harness
