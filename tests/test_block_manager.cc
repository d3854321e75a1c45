// The paged KV cache's block bookkeeping: allocation, sharing, release, slots.
#include <gtest/gtest.h>

#include <stdexcept>

#include "harness/engine/block_manager.h"

namespace engram::harness {
namespace {

TEST(BlockManager, SharedBlocksAreFreedByTheirLastHolder) {
  BlockManager blocks(4, 16);
  EXPECT_EQ(blocks.blocks_for(1), 1);
  EXPECT_EQ(blocks.blocks_for(16), 1);
  EXPECT_EQ(blocks.blocks_for(17), 2);
  const auto prefix = blocks.allocate(2);
  EXPECT_EQ(blocks.free_blocks(), 2);
  blocks.share(prefix);  // a sequence continuing the prefix
  blocks.release(prefix);  // the prefix itself is done
  EXPECT_EQ(blocks.free_blocks(), 2);
  blocks.release(prefix);  // the sequence is done
  EXPECT_EQ(blocks.free_blocks(), 4);
  EXPECT_THROW(blocks.release(prefix), std::logic_error);
  EXPECT_THROW(blocks.allocate(5), std::runtime_error);
}

TEST(BlockManager, SlotsFollowTheBlockTable) {
  BlockManager blocks(8, 4);
  const std::vector<int64_t> table = {5, 2};
  EXPECT_EQ(blocks.slot(table, 0), 20);
  EXPECT_EQ(blocks.slot(table, 3), 23);
  EXPECT_EQ(blocks.slot(table, 4), 8);
  EXPECT_EQ(blocks.slot(table, 7), 11);
  EXPECT_THROW(BlockManager(0, 4), std::invalid_argument);
}

}  // namespace
}  // namespace engram::harness
