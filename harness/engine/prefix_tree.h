#pragma once
// A radix (compressed prefix) tree over token sequences, used to compute a shared prefix once:
// MMLU's 5-shot prefix is the same for every question of a subject, BBH's 3-shot prompt for every
// item of a subtask. The tree finds the prefixes worth computing on their own (shared by two or
// more sequences, and long enough to pay for a separate forward) and which sequences continue
// from each, so a caller can compute each prefix's cache once and every continuation from it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace engram::harness {

class PrefixTree {
 public:
  // Adds a sequence; sequences are numbered in the order they are added.
  void insert(std::vector<int64_t> tokens);

  struct SharedPrefix {
    int parent;                        // index of the enclosing shared prefix; -1 for the root
    int64_t length;                    // tokens in the prefix (0 for the root)
    std::size_t source;                // a sequence that starts with it
    std::vector<std::size_t> members;  // sequences whose longest computed prefix is this one
  };
  // The root (length 0) and then, depth first, every node shared by two or more sequences whose
  // tokens past the nearest chosen ancestor number at least `min_segment`. A parent precedes its
  // children and siblings are adjacent, so a caller walking the list keeps only the caches of the
  // current chain of ancestors alive.
  std::vector<SharedPrefix> shared_prefixes(int64_t min_segment) const;

  const std::vector<int64_t>& sequence(std::size_t index) const { return sequences_[index]; }
  std::size_t size() const { return sequences_.size(); }

 private:
  struct Node {
    std::size_t source = 0;         // the edge is sequences_[source][begin, end)
    int64_t begin = 0, end = 0;
    int64_t depth = 0;              // tokens from the root to the end of this node's edge
    int64_t users = 0;              // sequences that pass through or end here
    std::map<int64_t, int> children;  // by the first token of the child's edge
    std::vector<std::size_t> ends;    // sequences that end exactly here
  };
  int64_t edge_token(const Node& node, int64_t offset) const {
    return sequences_[node.source][static_cast<std::size_t>(node.begin + offset)];
  }
  void collect(int node, int parent_group, int64_t parent_depth, int64_t min_segment,
               std::vector<SharedPrefix>& out) const;

  std::vector<std::vector<int64_t>> sequences_;
  std::vector<Node> nodes_{Node{}};  // nodes_[0] is the root
};

}  // namespace engram::harness
