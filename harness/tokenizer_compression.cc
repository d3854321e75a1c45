#include "harness/tokenizer_compression.h"

#include <algorithm>

#include "harness/tokenizer/tokenizer.h"

namespace engram::harness {

CompressionTable build_compression_table(const tokenizer::Tokenizer& tokenizer) {
  const int64_t vocab = tokenizer.vocab_size();
  std::vector<VocabEntry> entries;
  entries.reserve(static_cast<std::size_t>(vocab));
  for (int64_t id = 0; id < vocab; ++id) {
    entries.push_back({id, tokenizer.decode({id}, /*skip_special_tokens=*/false), tokenizer.id_to_token(id)});
  }
  return CompressionTable::build(std::move(entries));
}

std::vector<MergedGroup> largest_groups(const CompressionTable& table, std::size_t count) {
  std::vector<MergedGroup> groups(static_cast<std::size_t>(table.compressed_size()));
  for (int64_t id = 0; id < table.compressed_size(); ++id) {
    groups[id].compressed_id = id;
    groups[id].key = table.keys()[id];
  }
  for (int64_t raw = 0; raw < table.vocab_size(); ++raw) groups[table.lookup_table()[raw]].raw_ids.push_back(raw);
  std::stable_sort(groups.begin(), groups.end(),
                   [](const MergedGroup& a, const MergedGroup& b) { return a.raw_ids.size() > b.raw_ids.size(); });
  if (groups.size() > count) groups.resize(count);
  return groups;
}

}  // namespace engram::harness
