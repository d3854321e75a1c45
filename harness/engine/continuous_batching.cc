#include "harness/engine/continuous_batching.h"

#include <ATen/ATen.h>
#include <torch/types.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>

#include "harness/engine/block_manager.h"
#include "harness/engine/prefix_tree.h"
#include "harness/engine/prompt_lookup.h"
#include "tasks/crash_point.h"

namespace engram::harness {
namespace {

using EngramStates = std::vector<EngramState>;  // one per layer

struct Sequence {
  std::vector<int64_t> tokens;  // prompt, then chosen tokens; after a choice the last is not cached yet
  std::vector<int64_t> blocks;  // block table
  EngramStates engram;
  int64_t cached = 0;  // leading tokens whose entries are in the pool
  int prefix = 0;      // the shared prefix it starts from (0: none)
  bool resumed = false;  // preempted after choosing tokens: its last token is chosen but not cached
};

// A prompt prefix that several sequences share, computed once into blocks they then hold too.
struct SharedPrefix {
  int parent = 0;
  int64_t length = 0;  // a whole number of blocks, so that the sequences' own blocks start after it
  std::size_t source = 0;
  std::vector<int64_t> blocks;
  EngramStates engram;
  int64_t holders = 0;  // sequences and child prefixes yet to start from it
  bool computed = false;
};

class Scheduler {
 public:
  Scheduler(model::CausalLM& model, TokenPolicy& policy, const ContinuousBatchingOptions& options)
      : model_(model), policy_(policy), options_(options), blocks_(options.num_blocks, options.block_size),
        device_(model->device()), cache_(model->new_cache()), has_engram_(!model->engram_layers().empty()) {
    if (options.max_running < 1) throw std::invalid_argument("continuous batching: max_running must be positive");
  }

  ContinuousBatchingStats run(const std::vector<std::vector<int64_t>>& prompts);

 private:
  void plan_shared_prefixes();
  int64_t blocks_to_admit(const Sequence& sequence) const;
  void compute_prefix(int index);
  void drop_holder(int index);
  void admit(std::size_t index);
  void schedule_blocks();
  struct RowGroup {
    std::vector<std::size_t> members;  // sequences
    int64_t shared = 0;                // leading positions they hold in the same blocks
  };
  std::vector<RowGroup> group_rows() const;
  std::vector<std::vector<int64_t>> draft_tokens(const std::vector<std::size_t>& order);
  void decode_step();
  void preempt(std::size_t index);
  void finish(std::size_t index);
  at::Tensor forward_one(const std::vector<int64_t>& tokens, int64_t start, const std::vector<int64_t>& table,
                         EngramStates& engram);
  std::shared_ptr<model::PagedStep> new_step() const;
  EngramStates fresh_engram() const { return EngramStates(cache_.engram.size()); }

  model::CausalLM& model_;
  TokenPolicy& policy_;
  ContinuousBatchingOptions options_;
  BlockManager blocks_;
  c10::Device device_;
  model::KvCache cache_;  // the pools; each step sets its slots and Engram states
  bool has_engram_;
  std::vector<Sequence> sequences_;
  std::vector<SharedPrefix> prefixes_;
  std::deque<std::size_t> waiting_, running_;
  ContinuousBatchingStats stats_;
};

std::shared_ptr<model::PagedStep> Scheduler::new_step() const {
  auto step = std::make_shared<model::PagedStep>();
  step->slots = blocks_.num_blocks() * blocks_.block_size();
  return step;
}

at::Tensor to_device_ids(const std::vector<int64_t>& values, int64_t rows, c10::Device device) {
  return at::tensor(values, at::kLong).view({rows, -1}).to(device);
}

// Runs `tokens` at positions start.. of one sequence, whose earlier entries its table holds.
at::Tensor Scheduler::forward_one(const std::vector<int64_t>& tokens, int64_t start, const std::vector<int64_t>& table,
                                  EngramStates& engram) {
  const auto length = static_cast<int64_t>(tokens.size());
  std::vector<int64_t> write, read;
  for (int64_t p = 0; p < start + length; ++p) read.push_back(blocks_.slot(table, p));
  write.assign(read.begin() + start, read.end());
  auto step = new_step();
  step->write_slots = to_device_ids(write, 1, device_);
  step->read_slots = to_device_ids(read, 1, device_);
  for (auto& layer : cache_.attention) layer.step = step;
  cache_.engram = engram;
  cache_.length = start;
  const at::Tensor hidden = model_->forward_hidden(to_device_ids(tokens, 1, device_), &cache_);
  engram = cache_.engram;
  return hidden;
}

void Scheduler::plan_shared_prefixes() {
  prefixes_.assign(1, SharedPrefix{});  // 0: the empty prefix
  prefixes_[0].computed = true;
  prefixes_[0].engram = fresh_engram();
  if (options_.min_shared_prefix <= 0) return;
  // A prefix can be shared up to a prompt's last token, whose logits choose the first new token.
  PrefixTree tree;
  for (const Sequence& s : sequences_) tree.insert({s.tokens.begin(), s.tokens.end() - 1});
  const auto found = tree.shared_prefixes(options_.min_shared_prefix);
  std::vector<int> kept(found.size(), 0);  // found prefix -> prefixes_ index
  for (std::size_t g = 1; g < found.size(); ++g) {
    const int parent = kept[static_cast<std::size_t>(found[g].parent)];
    const int64_t aligned = found[g].length / blocks_.block_size() * blocks_.block_size();
    if (aligned - prefixes_[static_cast<std::size_t>(parent)].length < std::max<int64_t>(1, options_.min_shared_prefix)) {
      kept[g] = parent;  // too little left once cut to whole blocks: its members start from the parent
    } else {
      SharedPrefix prefix;
      prefix.parent = parent;
      prefix.length = aligned;
      prefix.source = found[g].source;
      prefixes_.push_back(std::move(prefix));
      kept[g] = static_cast<int>(prefixes_.size() - 1);
      ++prefixes_[static_cast<std::size_t>(parent)].holders;
    }
    for (std::size_t member : found[g].members) {
      sequences_[member].prefix = kept[g];
      ++prefixes_[static_cast<std::size_t>(kept[g])].holders;
    }
  }
}

void Scheduler::compute_prefix(int index) {
  SharedPrefix& prefix = prefixes_[static_cast<std::size_t>(index)];
  if (prefix.computed) return;
  compute_prefix(prefix.parent);
  SharedPrefix& parent = prefixes_[static_cast<std::size_t>(prefix.parent)];
  prefix.blocks = parent.blocks;
  blocks_.share(parent.blocks);
  const std::vector<int64_t> own = blocks_.allocate(blocks_.blocks_for(prefix.length) - static_cast<int64_t>(parent.blocks.size()));
  prefix.blocks.insert(prefix.blocks.end(), own.begin(), own.end());
  const std::vector<int64_t>& source = sequences_[prefix.source].tokens;
  prefix.engram = parent.engram;
  forward_one({source.begin() + parent.length, source.begin() + prefix.length}, parent.length, prefix.blocks,
              prefix.engram);
  prefix.computed = true;
  ++stats_.shared_prefixes;
  drop_holder(prefix.parent);
}

void Scheduler::drop_holder(int index) {
  if (index == 0) return;
  SharedPrefix& prefix = prefixes_[static_cast<std::size_t>(index)];
  if (--prefix.holders > 0) return;
  blocks_.release(prefix.blocks);
  prefix.blocks.clear();
  prefix.engram.clear();
}

// Blocks a waiting sequence takes when admitted: those of its cached tokens, less those of the
// nearest computed prefix it starts from.
int64_t Scheduler::blocks_to_admit(const Sequence& sequence) const {
  const int64_t cached_tokens = static_cast<int64_t>(sequence.tokens.size()) - (sequence.resumed ? 1 : 0);
  int prefix = sequence.prefix;
  while (!prefixes_[static_cast<std::size_t>(prefix)].computed) prefix = prefixes_[static_cast<std::size_t>(prefix)].parent;
  return blocks_.blocks_for(cached_tokens) - static_cast<int64_t>(prefixes_[static_cast<std::size_t>(prefix)].blocks.size());
}

void Scheduler::admit(std::size_t index) {
  Sequence& sequence = sequences_[index];
  ++stats_.prefills;
  // A sequence holds its prefix until it finishes, so a preempted one recomputes only its own part.
  compute_prefix(sequence.prefix);
  const SharedPrefix& prefix = prefixes_[static_cast<std::size_t>(sequence.prefix)];
  sequence.blocks = prefix.blocks;
  blocks_.share(prefix.blocks);
  // A resumed sequence's last token is already chosen: it is decoded next, not recomputed.
  const int64_t length = static_cast<int64_t>(sequence.tokens.size()) - (sequence.resumed ? 1 : 0);
  const std::vector<int64_t> own = blocks_.allocate(blocks_.blocks_for(length) - static_cast<int64_t>(prefix.blocks.size()));
  sequence.blocks.insert(sequence.blocks.end(), own.begin(), own.end());
  sequence.engram = prefix.engram;
  if (!sequence.resumed) stats_.reused_tokens += prefix.length;
  const at::Tensor hidden = forward_one({sequence.tokens.begin() + prefix.length, sequence.tokens.begin() + length},
                                        prefix.length, sequence.blocks, sequence.engram);
  sequence.cached = length;
  if (sequence.resumed) {
    running_.push_back(index);
    return;
  }
  const int64_t token = policy_.choose(model_->project(hidden.select(1, hidden.size(1) - 1)), {index})[0];
  sequence.tokens.push_back(token);
  if (policy_.accept(index, token)) {
    finish(index);
  } else {
    running_.push_back(index);
  }
}

void Scheduler::preempt(std::size_t index) {
  Sequence& sequence = sequences_[index];
  blocks_.release(sequence.blocks);
  sequence.blocks.clear();
  sequence.engram.clear();
  sequence.cached = 0;
  sequence.resumed = true;
  waiting_.push_front(index);
  ++stats_.preemptions;
}

void Scheduler::finish(std::size_t index) {
  Sequence& sequence = sequences_[index];
  blocks_.release(sequence.blocks);
  sequence.blocks.clear();
  sequence.engram.clear();
  drop_holder(sequence.prefix);
}

// Gives every running sequence a slot for the token it decodes next, preempting the most recently
// admitted sequences while no block is free.
void Scheduler::schedule_blocks() {
  std::deque<std::size_t> scheduled;
  while (!running_.empty()) {
    const std::size_t index = running_.front();
    running_.pop_front();
    Sequence& sequence = sequences_[index];
    const bool needs_block = sequence.cached == static_cast<int64_t>(sequence.blocks.size()) * blocks_.block_size();
    bool keep = true;
    while (needs_block && blocks_.free_blocks() == 0) {
      if (!running_.empty()) {
        preempt(running_.back());
        running_.pop_back();
      } else {
        preempt(index);
        keep = false;
        break;
      }
    }
    if (!keep) continue;
    if (needs_block) sequence.blocks.push_back(blocks_.allocate(1)[0]);
    scheduled.push_back(index);
  }
  running_ = std::move(scheduled);
}

// One step's Engram histories as a batch: rows shorter than the longest are filled on the left
// with what precedes a sequence start (the hash pad id; zeros for the convolution's inputs).
at::Tensor stack_left_filled(const std::vector<at::Tensor>& rows, double fill) {
  int64_t width = 0;
  for (const at::Tensor& row : rows) width = std::max(width, row.size(1));
  std::vector<at::Tensor> filled;
  for (const at::Tensor& row : rows) {
    if (row.size(1) == width) {
      filled.push_back(row);
    } else {
      std::vector<int64_t> shape = row.sizes().vec();
      shape[1] = width - row.size(1);
      filled.push_back(at::cat({at::full(shape, fill, row.options()), row}, 1));
    }
  }
  return at::cat(filled, 0);
}

// The running sequences in step order: those that start in the same block (a prompt prefix they
// share) next to each other, each group with the positions all its members hold in the same blocks,
// in whole blocks each has cached. A group of one shares nothing.
std::vector<Scheduler::RowGroup> Scheduler::group_rows() const {
  std::vector<std::size_t> order(running_.begin(), running_.end());
  if (!options_.shared_prefix_attention) return {RowGroup{order, 0}};
  std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    return sequences_[a].blocks.front() < sequences_[b].blocks.front();
  });
  std::vector<RowGroup> groups;
  for (std::size_t index : order) {
    const Sequence& s = sequences_[index];
    if (groups.empty() || sequences_[groups.back().members.front()].blocks.front() != s.blocks.front()) {
      groups.push_back(RowGroup{{index}, static_cast<int64_t>(s.blocks.size())});
    } else {
      groups.back().members.push_back(index);
    }
    const std::vector<int64_t>& first = sequences_[groups.back().members.front()].blocks;
    int64_t& same = groups.back().shared;
    same = std::min<int64_t>(same, s.cached / blocks_.block_size());
    for (int64_t b = 0; b < same; ++b) {
      if (s.blocks[static_cast<std::size_t>(b)] != first[static_cast<std::size_t>(b)]) same = b;
    }
  }
  for (RowGroup& group : groups) group.shared = group.members.size() < 2 ? 0 : group.shared * blocks_.block_size();
  return groups;
}

// Prompt-lookup drafts for the step's rows (prompt_lookup.h), each given the KV blocks its drafted
// positions need; all empty where the step does not speculate: speculation is off, a row's choice
// is not a function of its logits alone (sampling), Engram's token histories would need undoing,
// the step is too wide, or the blocks are not free.
std::vector<std::vector<int64_t>> Scheduler::draft_tokens(const std::vector<std::size_t>& order) {
  const auto rows = static_cast<int64_t>(order.size());
  std::vector<std::vector<int64_t>> drafts(order.size());
  const int64_t per_row = std::min(options_.speculative_tokens, options_.speculative_step_tokens / rows - 1);
  if (per_row < 1 || has_engram_) return drafts;
  for (std::size_t index : order) {
    if (!policy_.deterministic(index)) return drafts;
  }
  PromptLookupOptions lookup;
  lookup.max_tokens = per_row;
  int64_t longest = 0;
  for (std::size_t row = 0; row < order.size(); ++row) {
    drafts[row] = prompt_lookup_draft(sequences_[order[row]].tokens, lookup);
    longest = std::max<int64_t>(longest, static_cast<int64_t>(drafts[row].size()));
  }
  if (longest == 0) return drafts;
  // Every row computes as many positions as the longest draft, so each needs blocks for that many.
  const auto more_blocks = [&](const Sequence& s) {
    return blocks_.blocks_for(s.cached + longest + 1) - static_cast<int64_t>(s.blocks.size());
  };
  int64_t needed = 0;
  for (std::size_t index : order) needed += std::max<int64_t>(0, more_blocks(sequences_[index]));
  if (needed > blocks_.free_blocks()) return std::vector<std::vector<int64_t>>(order.size());
  for (std::size_t index : order) {
    Sequence& s = sequences_[index];
    const int64_t more = more_blocks(s);
    if (more > 0) {
      const std::vector<int64_t> extra = blocks_.allocate(more);
      s.blocks.insert(s.blocks.end(), extra.begin(), extra.end());
    }
  }
  return drafts;
}

void Scheduler::decode_step() {
  const std::vector<RowGroup> groups = group_rows();
  std::vector<std::size_t> order;  // the step's rows
  for (const RowGroup& group : groups) order.insert(order.end(), group.members.begin(), group.members.end());
  const auto rows = static_cast<int64_t>(order.size());
  const std::vector<std::vector<int64_t>> drafts = draft_tokens(order);
  int64_t length = 1;  // new tokens per row: the last chosen one, then the drafts (filled to the longest)
  for (const auto& draft : drafts) length = std::max<int64_t>(length, 1 + static_cast<int64_t>(draft.size()));
  // A row reads its group's shared positions once with the group (PagedStep::shared), then its own
  // cached entries, then padding (its own first slot, masked out), then its new tokens, so that the
  // own keys of every row line up as `own` + length.
  int64_t own = 0;
  for (const RowGroup& group : groups) {
    for (std::size_t index : group.members) own = std::max(own, sequences_[index].cached - group.shared);
  }
  auto step = new_step();
  std::vector<int64_t> write, read, mask, positions, next;
  bool sharing = false;
  std::size_t row = 0;
  for (const RowGroup& group : groups) {
    model::PagedStep::SharedRows range{static_cast<int64_t>(row), static_cast<int64_t>(group.members.size()), {}};
    if (group.shared > 0) {
      std::vector<int64_t> slots;
      for (int64_t p = 0; p < group.shared; ++p) slots.push_back(blocks_.slot(sequences_[group.members.front()].blocks, p));
      range.slots = to_device_ids(slots, 1, device_).view({-1});
      sharing = true;
    }
    step->shared.push_back(std::move(range));
    for (std::size_t index : group.members) {
      const Sequence& s = sequences_[index];
      const std::vector<int64_t>& draft = drafts[row++];
      for (int64_t p = group.shared; p < group.shared + own; ++p) {
        read.push_back(blocks_.slot(s.blocks, p < s.cached ? p : 0));
        mask.push_back(p < s.cached ? 1 : 0);
      }
      for (int64_t t = 0; t < length; ++t) {
        write.push_back(blocks_.slot(s.blocks, s.cached + t));
        read.push_back(write.back());
        mask.push_back(1);
        positions.push_back(s.cached + t);
        // Past a shorter draft the row repeats its last token; those positions are never used.
        next.push_back(t >= 1 && t <= static_cast<int64_t>(draft.size()) ? draft[static_cast<std::size_t>(t - 1)]
                                                                          : s.tokens.back());
      }
    }
  }
  if (sharing) {
    ++stats_.shared_prefix_steps;
  } else {
    step->shared.clear();
  }
  step->write_slots = to_device_ids(write, rows, device_);
  step->read_slots = to_device_ids(read, rows, device_);
  for (auto& layer : cache_.attention) layer.step = step;
  for (std::size_t layer = 0; layer < cache_.engram.size(); ++layer) {
    std::vector<at::Tensor> ids, conv;
    for (std::size_t index : order) {
      const EngramState& state = sequences_[index].engram[layer];
      if (state.token_ids.defined()) ids.push_back(state.token_ids);
      if (state.conv_input.defined()) conv.push_back(state.conv_input);
    }
    cache_.engram[layer] = {};
    if (static_cast<int64_t>(ids.size()) == rows) cache_.engram[layer].token_ids = stack_left_filled(ids, static_cast<double>(options_.pad_id));
    if (static_cast<int64_t>(conv.size()) == rows) cache_.engram[layer].conv_input = stack_left_filled(conv, 0.0);
  }
  cache_.length = own;
  // The determinism audit's planted bug: shorter rows attend to their padding slots, so a row's
  // tokens depend on which rows share its step.
  if (tasks::fault_planted("unmasked-left-padding")) std::fill(mask.begin(), mask.end(), 1);
  model::ForwardOptions options;
  options.attention_mask = to_device_ids(mask, rows, device_);
  options.positions = to_device_ids(positions, rows, device_);
  const at::Tensor hidden = model_->forward_hidden(to_device_ids(next, rows, device_), &cache_, options);
  // One choice per position; drafts are only tried where choosing is a function of the logits, so
  // choosing at positions that turn out unused has no effect.
  std::vector<std::size_t> chooser;
  for (std::size_t index : order) chooser.insert(chooser.end(), static_cast<std::size_t>(length), index);
  const std::vector<int64_t> chosen = policy_.choose(model_->project(hidden.reshape({rows * length, -1})), chooser);
  ++stats_.decode_steps;
  stats_.decode_rows += rows;
  if (length > 1) ++stats_.speculative_steps;
  std::vector<bool> finished(sequences_.size(), false);
  for (row = 0; row < order.size(); ++row) {
    const std::size_t index = order[row];
    Sequence& s = sequences_[index];
    for (std::size_t layer = 0; layer < cache_.engram.size(); ++layer) {
      const EngramState& batch = cache_.engram[layer];
      const auto r = static_cast<int64_t>(row);
      if (batch.token_ids.defined()) s.engram[layer].token_ids = batch.token_ids.narrow(0, r, 1);
      if (batch.conv_input.defined()) s.engram[layer].conv_input = batch.conv_input.narrow(0, r, 1);
    }
    // The choice at position t is the model's next token after the t tokens fed before it; it is
    // kept, and the next position's is read too only while it equals the draft fed there.
    const std::vector<int64_t>& draft = drafts[row];
    stats_.drafted_tokens += static_cast<int64_t>(draft.size());
    for (int64_t t = 0; t < length; ++t) {
      const int64_t token = chosen[row * static_cast<std::size_t>(length) + static_cast<std::size_t>(t)];
      s.cached += 1;
      s.tokens.push_back(token);
      if (t > 0) ++stats_.accepted_tokens;
      if (policy_.accept(index, token)) {
        finish(index);
        finished[index] = true;
        break;
      }
      if (t >= static_cast<int64_t>(draft.size()) || token != draft[static_cast<std::size_t>(t)]) break;
    }
  }
  // Admission order, not step order: preemption takes the most recently admitted.
  running_.erase(std::remove_if(running_.begin(), running_.end(), [&finished](std::size_t index) { return finished[index]; }),
                 running_.end());
}

ContinuousBatchingStats Scheduler::run(const std::vector<std::vector<int64_t>>& prompts) {
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) throw std::invalid_argument("continuous batching: prompt " + std::to_string(i) + " is empty");
    Sequence s;
    s.tokens = prompts[i];
    sequences_.push_back(std::move(s));
    waiting_.push_back(i);
  }
  plan_shared_prefixes();
  while (!waiting_.empty() || !running_.empty()) {
    while (!waiting_.empty() && static_cast<int64_t>(running_.size()) < options_.max_running &&
           blocks_to_admit(sequences_[waiting_.front()]) <= blocks_.free_blocks()) {
      const std::size_t index = waiting_.front();
      waiting_.pop_front();
      admit(index);
    }
    if (running_.empty()) {
      if (waiting_.empty()) break;
      const Sequence& s = sequences_[waiting_.front()];
      throw std::runtime_error("paged KV cache: " + std::to_string(blocks_.num_blocks()) + " blocks of " +
                               std::to_string(blocks_.block_size()) + " tokens cannot hold one sequence of " +
                               std::to_string(s.tokens.size()) + " tokens");
    }
    stats_.max_running = std::max<int64_t>(stats_.max_running, static_cast<int64_t>(running_.size()));
    schedule_blocks();
    if (!running_.empty()) decode_step();
  }
  return stats_;
}

}  // namespace

ContinuousBatchingStats run_continuous_batching(model::CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                                TokenPolicy& policy, const ContinuousBatchingOptions& options) {
  torch::NoGradGuard no_grad;
  Scheduler scheduler(model, policy, options);
  return scheduler.run(prompts);
}

}  // namespace engram::harness
