// EngineModel's generation: continuous batching over the paged KV cache (harness/engine/
// continuous_batching.h), or the fixed-batch scheduler (a batch runs until its longest member is
// done, left-padded, with a dense cache) that it replaced and that benchmarks compare with.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "harness/engine/continuous_batching.h"
#include "harness/engine/engine_model.h"
#include "harness/tokenizer/tokenizer.h"
#include "tasks/crash_point.h"

namespace engram::harness {
namespace {

// First occurrence of any stop string, or npos.
std::size_t find_stop(const std::string& text, const std::vector<std::string>& stops) {
  std::size_t best = std::string::npos;
  for (const auto& stop : stops) {
    if (stop.empty()) continue;
    const std::size_t at = text.find(stop);
    if (at < best) best = at;
  }
  return best;
}

int64_t sample_token(const at::Tensor& logits_in, const tasks::GenerationRequest& request, at::Generator& generator,
                     int64_t tokenizer_vocab) {
  // Embedding rows past the tokenizer's vocabulary (DeepSeek-V3 pads 128,815 to 129,280) are not
  // tokens: they cannot be decoded, and Engram's compression has no entry for them.
  at::Tensor logits = logits_in;
  if (logits.size(-1) > tokenizer_vocab) {
    logits = logits.clone();
    logits.narrow(-1, tokenizer_vocab, logits.size(-1) - tokenizer_vocab).fill_(-std::numeric_limits<float>::infinity());
  }
  if (request.greedy || request.temperature <= 0) return logits.argmax().item<int64_t>();
  at::Tensor probs = at::softmax(logits / request.temperature, -1);
  if (request.top_p < 1.0) {
    auto [sorted, indices] = probs.sort(-1, /*descending=*/true);
    const at::Tensor cumulative = sorted.cumsum(-1);
    // Keep the smallest prefix whose mass reaches top_p (the first token always stays).
    const at::Tensor drop = (cumulative - sorted) >= request.top_p;
    sorted = sorted.masked_fill(drop, 0.0);
    probs = at::zeros_like(probs).scatter_(-1, indices, sorted);
  }
  return at::multinomial(probs, 1, false, generator).item<int64_t>();
}

// One request's output as tokens arrive: end of sequence, stop strings and the token budget.
class GenerationTracker {
 public:
  GenerationTracker(const tasks::GenerationRequest& request, const tokenizer::Tokenizer& tokenizer)
      : request_(&request), tokenizer_(&tokenizer), generator_(at::make_generator<at::CPUGeneratorImpl>(request.seed)) {}

  int64_t choose(const at::Tensor& logits) {
    return sample_token(logits, *request_, generator_, tokenizer_->vocab_size());
  }
  // True when the request is done after `token`.
  bool accept(int64_t token) {
    const bool is_eos = tokenizer_->eos_id() && token == *tokenizer_->eos_id();
    if (!is_eos) generated_.push_back(token);
    const std::string text = tokenizer_->decode(generated_, false);
    const std::size_t stop = find_stop(text, request_->stop);
    result_.tokens = static_cast<int64_t>(generated_.size());
    if (stop != std::string::npos || is_eos) {
      result_.text = stop != std::string::npos ? text.substr(0, stop) : text;
      result_.hit_stop = true;
      return true;
    }
    if (static_cast<int64_t>(generated_.size()) >= request_->max_new_tokens) {
      result_.text = text;
      result_.truncated = true;
      return true;
    }
    return false;
  }
  const tasks::GenerationResult& result() const { return result_; }
  bool greedy() const { return request_->greedy || request_->temperature <= 0; }

 private:
  const tasks::GenerationRequest* request_;
  const tokenizer::Tokenizer* tokenizer_;
  at::Generator generator_;
  std::vector<int64_t> generated_;
  tasks::GenerationResult result_;
};

class TrackerPolicy : public TokenPolicy {
 public:
  explicit TrackerPolicy(std::vector<GenerationTracker>& trackers) : trackers_(trackers) {}
  std::vector<int64_t> choose(const at::Tensor& logits, const std::vector<std::size_t>& sequences) override {
    const at::Tensor rows = logits.cpu();
    std::vector<int64_t> out;
    for (std::size_t row = 0; row < sequences.size(); ++row) {
      out.push_back(trackers_[sequences[row]].choose(rows[static_cast<int64_t>(row)]));
    }
    return out;
  }
  bool accept(std::size_t sequence, int64_t token) override { return trackers_[sequence].accept(token); }
  bool deterministic(std::size_t sequence) const override { return trackers_[sequence].greedy(); }

 private:
  std::vector<GenerationTracker>& trackers_;
};

}  // namespace

std::vector<int64_t> EngineModel::generation_prompt(const tasks::GenerationRequest& request, bool* truncated) const {
  std::vector<int64_t> ids = encode(request.context);
  if (ids.empty()) ids = {prefix_token()};
  // Keep the most recent tokens so that prompt and generation fit the window.
  const int64_t keep = std::max<int64_t>(1, options_.max_length - request.max_new_tokens);
  *truncated = static_cast<int64_t>(ids.size()) > keep;  // counted per task in the report (truncated_prompts)
  if (*truncated) ids.erase(ids.begin(), ids.end() - keep);
  return ids;
}

std::vector<tasks::GenerationResult> EngineModel::generate_until(const std::vector<tasks::GenerationRequest>& requests) {
  if (requests.empty()) return {};
  std::vector<std::vector<int64_t>> prompts;
  std::vector<bool> truncated;
  for (const auto& request : requests) {
    bool cut = false;
    prompts.push_back(generation_prompt(request, &cut));
    truncated.push_back(cut);
  }
  std::vector<tasks::GenerationResult> results =
      options_.continuous_batching ? generate_continuous(requests, prompts) : generate_fixed(requests, prompts);
  for (std::size_t i = 0; i < results.size(); ++i) results[i].prompt_truncated = truncated[i];
  return results;
}

std::vector<tasks::GenerationResult> EngineModel::generate_continuous(const std::vector<tasks::GenerationRequest>& requests,
                                                                      const std::vector<std::vector<int64_t>>& prompts) {
  // Token order puts prompts that share a prefix next to each other, so a shared prefix's blocks
  // are held for a short while.
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return prompts[a] < prompts[b]; });
  std::vector<std::vector<int64_t>> ordered;
  std::vector<GenerationTracker> trackers;
  int64_t longest = 0;
  for (std::size_t i : order) {
    ordered.push_back(prompts[i]);
    trackers.emplace_back(requests[i], *tokenizer_);
    longest = std::max<int64_t>(longest, static_cast<int64_t>(prompts[i].size()) + requests[i].max_new_tokens);
  }
  ContinuousBatchingOptions options;
  options.max_running = options_.batch_size;
  options.block_size = options_.kv_block_size;
  options.min_shared_prefix = options_.min_shared_prefix;
  options.shared_prefix_attention = options_.shared_prefix_attention;
  options.speculative_tokens = options_.speculative_tokens;
  options.pad_id = pad_token();
  const int64_t per_sequence = (std::min(longest, options_.max_length + 1) + options.block_size - 1) / options.block_size;
  // Room for every running sequence at its longest, and for two more sequences' worth of shared prefixes.
  options.num_blocks = options_.kv_blocks > 0 ? options_.kv_blocks : (options.max_running + 2) * per_sequence;
  TrackerPolicy policy(trackers);
  generation_stats_ = run_continuous_batching(model_, ordered, policy, options);
  std::vector<tasks::GenerationResult> results(requests.size());
  for (std::size_t k = 0; k < order.size(); ++k) results[order[k]] = trackers[k].result();
  return results;
}

std::vector<tasks::GenerationResult> EngineModel::generate_fixed(const std::vector<tasks::GenerationRequest>& requests,
                                                                 const std::vector<std::vector<int64_t>>& prompts) {
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return prompts[a].size() > prompts[b].size(); });
  std::vector<tasks::GenerationResult> results(requests.size());
  for (std::size_t start = 0; start < order.size(); start += static_cast<std::size_t>(options_.batch_size)) {
    const std::size_t end = std::min(order.size(), start + static_cast<std::size_t>(options_.batch_size));
    std::vector<const tasks::GenerationRequest*> batch;
    std::vector<std::vector<int64_t>> batch_prompts;
    for (std::size_t k = start; k < end; ++k) {
      batch.push_back(&requests[order[k]]);
      batch_prompts.push_back(prompts[order[k]]);
    }
    const auto out = generate_batch(batch, batch_prompts);
    for (std::size_t k = start; k < end; ++k) results[order[k]] = out[k - start];
  }
  return results;
}

std::vector<tasks::GenerationResult> EngineModel::generate_batch(const std::vector<const tasks::GenerationRequest*>& batch,
                                                                 const std::vector<std::vector<int64_t>>& prompts) {
  torch::NoGradGuard no_grad;
  const auto device = model_->device();
  const int64_t rows = static_cast<int64_t>(batch.size());
  int64_t budget = 0, width = 0;
  for (const auto* r : batch) budget = std::max(budget, r->max_new_tokens);
  for (const auto& p : prompts) width = std::max<int64_t>(width, static_cast<int64_t>(p.size()));
  // Left padding, masked out of attention and of Engram's convolution.
  at::Tensor ids = at::full({rows, width}, pad_token(), at::kLong);
  at::Tensor mask = at::zeros({rows, width}, at::kLong);
  for (int64_t row = 0; row < rows; ++row) {
    const auto& p = prompts[static_cast<std::size_t>(row)];
    const int64_t offset = width - static_cast<int64_t>(p.size());
    std::copy(p.begin(), p.end(), ids[row].data_ptr<int64_t>() + offset);
    mask[row].narrow(0, offset, static_cast<int64_t>(p.size())).fill_(1);
  }
  if (tasks::fault_planted("unmasked-left-padding")) mask.fill_(1);
  std::vector<GenerationTracker> trackers;
  for (const auto* r : batch) trackers.emplace_back(*r, *tokenizer_);

  model::KvCache cache = model_->new_cache();
  model::ForwardOptions options;
  options.attention_mask = mask.to(device);
  options.positions = (mask.cumsum(1) - 1).clamp_min(0).to(device);
  at::Tensor hidden = model_->forward_hidden(ids.to(device), &cache, options);
  at::Tensor next_logits = model_->project(hidden.select(1, width - 1)).cpu();
  at::Tensor next_position = options.positions.select(1, width - 1).cpu() + 1;
  std::vector<bool> done(static_cast<std::size_t>(rows), false);
  for (int64_t step = 0; step < budget; ++step) {
    at::Tensor tokens = at::empty({rows, 1}, at::kLong);
    for (int64_t row = 0; row < rows; ++row) {
      const auto r = static_cast<std::size_t>(row);
      const int64_t token = done[r] ? pad_token() : trackers[r].choose(next_logits[row]);
      tokens[row][0] = token;
      if (!done[r]) done[r] = trackers[r].accept(token);
    }
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    mask = at::cat({mask, at::ones({rows, 1}, at::kLong)}, 1);
    options.attention_mask = mask.to(device);
    options.positions = next_position.unsqueeze(1).to(device);
    hidden = model_->forward_hidden(tokens.to(device), &cache, options);
    next_logits = model_->project(hidden.select(1, 0)).cpu();
    next_position = next_position + 1;
  }
  std::vector<tasks::GenerationResult> results;
  for (const auto& tracker : trackers) results.push_back(tracker.result());
  return results;
}

}  // namespace engram::harness
