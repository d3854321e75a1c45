#include "harness/engine/engine_model.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "harness/engine/prefix_tree.h"
#include "harness/tokenizer/tokenizer.h"

namespace engram::harness {

EngineModel::EngineModel(model::CausalLM model, std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
                         EngineOptions options)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), options_(std::move(options)) {
  if (options_.batch_size < 1) throw std::invalid_argument("engine: batch_size must be positive");
  if (options_.max_length < 2) throw std::invalid_argument("engine: max_length must be at least 2");
  model_->eval();
}

std::vector<int64_t> EngineModel::encode(const std::string& text) const {
  std::vector<int64_t> ids = tokenizer_->encode(text, /*add_special_tokens=*/false);
  if (options_.add_bos && tokenizer_->bos_id()) ids.insert(ids.begin(), *tokenizer_->bos_id());
  return ids;
}

std::string EngineModel::decode(const std::vector<int64_t>& ids) const { return tokenizer_->decode(ids, false); }

int64_t EngineModel::prefix_token() const {
  if (tokenizer_->bos_id()) return *tokenizer_->bos_id();
  if (tokenizer_->eos_id()) return *tokenizer_->eos_id();
  return 0;
}

int64_t EngineModel::pad_token() const {
  if (const auto required = model_->required_pad_id()) return *required;
  if (tokenizer_->pad_id()) return *tokenizer_->pad_id();
  return prefix_token();
}

nlohmann::json EngineModel::describe() const {
  nlohmann::json out = model_->describe();
  out["name"] = options_.name;
  out["batch_size"] = options_.batch_size;
  out["max_length"] = options_.max_length;
  out["add_bos"] = options_.add_bos;
  out["tokenizer_vocab_size"] = tokenizer_->vocab_size();
  for (const auto& [key, value] : options_.identity.items()) out[key] = value;
  return out;
}

std::vector<tasks::LoglikelihoodResult> EngineModel::loglikelihood(
    const std::vector<tasks::LoglikelihoodRequest>& requests) {
  std::vector<TokenRequest> tokenized;
  tokenized.reserve(requests.size());
  for (const auto& request : requests) {
    // lm-eval's pair encoding: trailing context spaces move to the continuation, the continuation is
    // the tail of encode(context + continuation) past encode(context).
    std::string context = request.context, continuation = request.continuation;
    const std::size_t kept = context.find_last_not_of(' ');
    const std::size_t spaces = kept == std::string::npos ? context.size() : context.size() - kept - 1;
    if (spaces > 0) {
      continuation = context.substr(context.size() - spaces) + continuation;
      context.resize(context.size() - spaces);
    }
    TokenRequest t;
    std::vector<int64_t> whole = encode(context + continuation);
    t.context = context.empty() ? std::vector<int64_t>{} : encode(context);
    const std::size_t split = std::min(t.context.size(), whole.size());
    t.continuation.assign(whole.begin() + static_cast<std::ptrdiff_t>(split), whole.end());
    if (t.context.empty()) t.context = {prefix_token()};
    tokenized.push_back(std::move(t));
  }
  return score_tokens(tokenized);
}

struct EngineModel::ScoringInput {
  std::vector<int64_t> tokens;        // (context + continuation) without its last token, cut to the window
  std::vector<std::size_t> requests;  // every request that shares these input tokens
  int64_t needed = 0;                 // trailing positions whose predictions some request reads
};

std::vector<tasks::LoglikelihoodResult> EngineModel::score_tokens(const std::vector<TokenRequest>& requests) {
  std::vector<tasks::LoglikelihoodResult> results(requests.size());
  std::map<std::vector<int64_t>, std::size_t> index;
  std::vector<ScoringInput> inputs;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.continuation.empty()) {
      results[i].is_greedy = true;  // log P(empty) = 0, trivially greedy
      continue;
    }
    std::vector<int64_t> whole = r.context;
    whole.insert(whole.end(), r.continuation.begin(), r.continuation.end());
    const std::size_t window = static_cast<std::size_t>(options_.max_length) + 1;
    if (whole.size() > window) {
      whole.erase(whole.begin(), whole.end() - static_cast<std::ptrdiff_t>(window));
      results[i].prompt_truncated = true;  // counted per task in the report (truncated_prompts)
    }
    whole.pop_back();
    auto [it, inserted] = index.emplace(whole, inputs.size());
    if (inserted) inputs.push_back({std::move(whole), {}, 0});
    ScoringInput& input = inputs[it->second];
    input.requests.push_back(i);
    input.needed = std::min<int64_t>(static_cast<int64_t>(input.tokens.size()),
                                     std::max<int64_t>(input.needed, static_cast<int64_t>(r.continuation.size())));
  }
  // An input can continue a shared prefix only up to its first read prediction.
  PrefixTree tree;
  for (const ScoringInput& input : inputs) {
    tree.insert({input.tokens.begin(), input.tokens.end() - static_cast<std::ptrdiff_t>(input.needed)});
  }
  std::vector<PrefixTree::SharedPrefix> prefixes;
  if (options_.min_shared_prefix > 0) {
    prefixes = tree.shared_prefixes(options_.min_shared_prefix);
  } else {
    prefixes.push_back({-1, 0, 0, std::vector<std::size_t>(inputs.size())});
    std::iota(prefixes[0].members.begin(), prefixes[0].members.end(), 0);
  }
  scoring_stats_ = {};
  for (const ScoringInput& input : inputs) scoring_stats_.input_tokens += static_cast<int64_t>(input.tokens.size());
  scoring_stats_.shared_prefixes = static_cast<int64_t>(prefixes.size()) - 1;
  torch::NoGradGuard no_grad;
  const auto device = model_->device();
  // Depth first, so only the caches of the current chain of enclosing prefixes are alive.
  std::vector<std::pair<int, model::KvCache>> chain;
  for (std::size_t g = 0; g < prefixes.size(); ++g) {
    const PrefixTree::SharedPrefix& prefix = prefixes[g];
    while (!chain.empty() && chain.back().first != prefix.parent) chain.pop_back();
    if (chain.empty()) {
      chain.emplace_back(static_cast<int>(g), model_->new_cache());
    } else {
      model::KvCache cache = chain.back().second;
      const std::vector<int64_t>& source = tree.sequence(prefix.source);
      const std::vector<int64_t> segment(source.begin() + cache.length, source.begin() + prefix.length);
      model_->forward_hidden(at::tensor(segment, at::kLong).unsqueeze(0).to(device), &cache);
      scoring_stats_.computed_tokens += static_cast<int64_t>(segment.size());
      chain.emplace_back(static_cast<int>(g), std::move(cache));
    }
    // Longest first, so a batch's padding is small and memory problems show up at once.
    std::vector<const ScoringInput*> members;
    for (std::size_t m : prefix.members) members.push_back(&inputs[m]);
    std::stable_sort(members.begin(), members.end(),
                     [](const ScoringInput* a, const ScoringInput* b) { return a->tokens.size() > b->tokens.size(); });
    const auto batch = static_cast<std::size_t>(options_.batch_size);
    for (std::size_t start = 0; start < members.size(); start += batch) {
      const std::vector<const ScoringInput*> rows(members.begin() + static_cast<std::ptrdiff_t>(start),
                                                  members.begin() + static_cast<std::ptrdiff_t>(std::min(members.size(), start + batch)));
      score_continuations(prefix.length > 0 ? &chain.back().second : nullptr, prefix.length, rows, requests, results);
    }
  }
  return results;
}

void EngineModel::score_continuations(const model::KvCache* prefix, int64_t prefix_length,
                                      const std::vector<const ScoringInput*>& inputs,
                                      const std::vector<TokenRequest>& requests,
                                      std::vector<tasks::LoglikelihoodResult>& results) {
  const auto device = model_->device();
  const int64_t rows = static_cast<int64_t>(inputs.size());
  int64_t width = 0;
  for (const ScoringInput* input : inputs) width = std::max<int64_t>(width, static_cast<int64_t>(input->tokens.size()) - prefix_length);
  // Right padding: causal layers never look ahead, so padding after a row changes nothing in it.
  at::Tensor ids = at::full({rows, width}, pad_token(), at::kLong);
  for (int64_t row = 0; row < rows; ++row) {
    const auto& tokens = inputs[static_cast<std::size_t>(row)]->tokens;
    std::copy(tokens.begin() + prefix_length, tokens.end(), ids[row].data_ptr<int64_t>());
    scoring_stats_.computed_tokens += static_cast<int64_t>(tokens.size()) - prefix_length;
  }
  at::Tensor hidden;
  if (prefix) {
    model::KvCache cache = model::repeat_rows(*prefix, rows);
    hidden = model_->forward_hidden(ids.to(device), &cache);
  } else {
    hidden = model_->forward_hidden(ids.to(device));
  }
  for (int64_t row = 0; row < rows; ++row) {
    const ScoringInput& input = *inputs[static_cast<std::size_t>(row)];
    const int64_t length = static_cast<int64_t>(input.tokens.size());
    const int64_t first = length - input.needed;
    const at::Tensor log_probs =
        at::log_softmax(model_->project(hidden[row].narrow(0, first - prefix_length, input.needed)), -1).cpu();
    const at::Tensor greedy = log_probs.argmax(-1);
    const auto log_prob = log_probs.accessor<float, 2>();
    const auto greedy_token = greedy.accessor<int64_t, 1>();
    // Every request sharing this input reads the positions its continuation needs.
    for (std::size_t r : input.requests) {
      const auto& continuation = requests[r].continuation;
      const int64_t n = std::min<int64_t>(static_cast<int64_t>(continuation.size()), length);
      double sum = 0;
      bool is_greedy = true;
      for (int64_t k = 0; k < n; ++k) {
        const int64_t position = input.needed - n + k;
        const int64_t target = continuation[continuation.size() - static_cast<std::size_t>(n) + static_cast<std::size_t>(k)];
        sum += log_prob[position][target];
        is_greedy = is_greedy && greedy_token[position] == target;
      }
      results[r].logprob = sum;
      results[r].is_greedy = is_greedy;
      results[r].tokens = static_cast<int64_t>(continuation.size());
    }
  }
}

std::vector<double> EngineModel::loglikelihood_rolling(const std::vector<std::string>& texts) {
  // lm-eval's rolling windows: each token predicted once, with up to max_length tokens of context.
  std::vector<TokenRequest> windows;
  std::vector<std::size_t> owner;
  const std::size_t max_len = static_cast<std::size_t>(options_.max_length);
  for (std::size_t t = 0; t < texts.size(); ++t) {
    const std::vector<int64_t> tokens = tokenizer_->encode(texts[t], false);
    if (tokens.empty()) continue;
    // The first window predicts tokens[0 .. first) from the prefix token.
    const std::size_t first = std::min(max_len, tokens.size());
    TokenRequest start;
    start.context = {prefix_token()};
    start.continuation.assign(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(first));
    windows.push_back(std::move(start));
    owner.push_back(t);
    // Each later window predicts up to max_length new tokens with max_length + 1 tokens of input
    // before the last one, so every prediction sees as much context as fits (lm-eval's disjoint windows).
    for (std::size_t predicted = first; predicted < tokens.size();) {
      const std::size_t end = predicted + std::min(tokens.size() - predicted, max_len);
      TokenRequest next;
      next.context.assign(tokens.begin() + static_cast<std::ptrdiff_t>(end - max_len - 1),
                          tokens.begin() + static_cast<std::ptrdiff_t>(predicted));
      next.continuation.assign(tokens.begin() + static_cast<std::ptrdiff_t>(predicted),
                               tokens.begin() + static_cast<std::ptrdiff_t>(end));
      windows.push_back(std::move(next));
      owner.push_back(t);
      predicted = end;
    }
  }
  const auto scores = score_tokens(windows);
  std::vector<double> totals(texts.size(), 0.0);
  for (std::size_t i = 0; i < scores.size(); ++i) totals[owner[i]] += scores[i].logprob;
  return totals;
}

}  // namespace engram::harness
