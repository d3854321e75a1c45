#include "harness/engine/prefix_tree.h"

namespace engram::harness {

void PrefixTree::insert(std::vector<int64_t> tokens) {
  const std::size_t index = sequences_.size();
  sequences_.push_back(std::move(tokens));
  const std::vector<int64_t>& key = sequences_.back();
  const auto length = static_cast<int64_t>(key.size());
  int node = 0;
  int64_t position = 0;
  nodes_[0].users += 1;
  while (true) {
    if (position == length) {
      nodes_[static_cast<std::size_t>(node)].ends.push_back(index);
      return;
    }
    const int64_t next = key[static_cast<std::size_t>(position)];
    auto found = nodes_[static_cast<std::size_t>(node)].children.find(next);
    if (found == nodes_[static_cast<std::size_t>(node)].children.end()) {
      Node leaf;
      leaf.source = index;
      leaf.begin = position;
      leaf.end = length;
      leaf.depth = length;
      leaf.users = 1;
      leaf.ends.push_back(index);
      nodes_.push_back(std::move(leaf));
      nodes_[static_cast<std::size_t>(node)].children[next] = static_cast<int>(nodes_.size() - 1);
      return;
    }
    const int child = found->second;
    const Node& edge = nodes_[static_cast<std::size_t>(child)];
    const int64_t edge_length = edge.end - edge.begin;
    int64_t matched = 0;
    while (matched < edge_length && position + matched < length &&
           edge_token(edge, matched) == key[static_cast<std::size_t>(position + matched)]) {
      ++matched;
    }
    if (matched < edge_length) {
      // Split the edge where the new sequence leaves it: the shared part becomes a node of its own.
      Node middle;
      middle.source = edge.source;
      middle.begin = edge.begin;
      middle.end = edge.begin + matched;
      middle.depth = nodes_[static_cast<std::size_t>(node)].depth + matched;
      middle.users = edge.users;
      const int64_t rest_first = edge_token(edge, matched);
      middle.children[rest_first] = child;
      nodes_[static_cast<std::size_t>(child)].begin += matched;
      nodes_.push_back(std::move(middle));
      const int middle_index = static_cast<int>(nodes_.size() - 1);
      nodes_[static_cast<std::size_t>(node)].children[next] = middle_index;
      node = middle_index;
    } else {
      node = child;
    }
    nodes_[static_cast<std::size_t>(node)].users += 1;
    position += matched;
  }
}

std::vector<PrefixTree::SharedPrefix> PrefixTree::shared_prefixes(int64_t min_segment) const {
  std::vector<SharedPrefix> out;
  out.push_back({-1, 0, 0, {}});
  collect(0, 0, 0, min_segment, out);
  return out;
}

void PrefixTree::collect(int node_index, int group, int64_t group_depth, int64_t min_segment,
                         std::vector<SharedPrefix>& out) const {
  const Node& node = nodes_[static_cast<std::size_t>(node_index)];
  if (node_index != 0 && node.users >= 2 && node.depth - group_depth >= min_segment) {
    out.push_back({group, node.depth, node.source, {}});
    group = static_cast<int>(out.size() - 1);
    group_depth = node.depth;
  }
  for (std::size_t sequence : node.ends) out[static_cast<std::size_t>(group)].members.push_back(sequence);
  for (const auto& [token, child] : node.children) collect(child, group, group_depth, min_segment, out);
}

}  // namespace engram::harness
