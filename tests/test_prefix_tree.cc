// The radix tree that picks the shared prefixes scoring computes once.
#include <gtest/gtest.h>

#include "harness/engine/prefix_tree.h"

namespace engram::harness {
namespace {

std::vector<int64_t> range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t t = from; t < to; ++t) out.push_back(t);
  return out;
}

std::vector<int64_t> join(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(PrefixTree, FindsNestedSharedPrefixesDepthFirst) {
  PrefixTree tree;
  const auto subject_a = range(0, 40), subject_b = range(100, 150);
  tree.insert(join(subject_a, range(200, 210)));                    // 0: under A
  tree.insert(join(subject_b, {7, 8, 9}));                          // 1: under B
  tree.insert(join(join(subject_a, range(300, 306)), {1, 2}));      // 2: under A, nested
  tree.insert(join(subject_a, range(300, 306)));                    // 3: ends at the nested prefix
  tree.insert(join(subject_b, {5}));                                // 4: under B
  tree.insert(range(500, 520));                                     // 5: shares nothing
  tree.insert(join(subject_a, range(200, 210)));                    // 6: a duplicate of 0
  const auto prefixes = tree.shared_prefixes(4);
  ASSERT_EQ(prefixes.size(), 5u);
  EXPECT_EQ(prefixes[0].parent, -1);
  EXPECT_EQ(prefixes[0].length, 0);
  EXPECT_EQ(prefixes[0].members, (std::vector<std::size_t>{5}));
  // Children come in token order: subject A (first token 0) before subject B (first token 100).
  EXPECT_EQ(prefixes[1].parent, 0);
  EXPECT_EQ(prefixes[1].length, 40);
  EXPECT_TRUE(prefixes[1].members.empty());
  // Under A: the continuation 200..209 shared by 0 and 6, and 300..305 shared by 2 and 3.
  EXPECT_EQ(prefixes[2].parent, 1);
  EXPECT_EQ(prefixes[2].length, 50);
  EXPECT_EQ(prefixes[2].members, (std::vector<std::size_t>{0, 6}));
  EXPECT_EQ(prefixes[3].parent, 1);
  EXPECT_EQ(prefixes[3].length, 46);
  EXPECT_EQ(prefixes[3].members, (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(prefixes[4].parent, 0);
  EXPECT_EQ(prefixes[4].length, 50);
  EXPECT_EQ(prefixes[4].members, (std::vector<std::size_t>{4, 1}));
  for (const auto& prefix : prefixes) {
    if (prefix.parent < 0) continue;
    const auto& source = tree.sequence(prefix.source);
    for (std::size_t member : prefix.members) {
      const auto& sequence = tree.sequence(member);
      ASSERT_GE(sequence.size(), static_cast<std::size_t>(prefix.length));
      EXPECT_TRUE(std::equal(source.begin(), source.begin() + prefix.length, sequence.begin())) << member;
    }
  }
}

TEST(PrefixTree, ShortSegmentsAreNotComputedSeparately) {
  PrefixTree tree;
  tree.insert(join(range(0, 40), {1, 2, 3}));
  tree.insert(join(range(0, 40), {1, 2, 4}));
  tree.insert(join(range(0, 40), {9}));
  // [0, 40) is shared by all three; [0, 42) by two, but only 2 tokens past [0, 40).
  const auto prefixes = tree.shared_prefixes(4);
  ASSERT_EQ(prefixes.size(), 2u);
  EXPECT_EQ(prefixes[1].length, 40);
  EXPECT_EQ(prefixes[1].members.size(), 3u);
  // With a minimum past both depths nothing is shared; with a minimum of 1 the 2-token segment is.
  EXPECT_EQ(tree.shared_prefixes(43).size(), 1u);
  EXPECT_EQ(tree.shared_prefixes(1).size(), 3u);
}

}  // namespace
}  // namespace engram::harness
