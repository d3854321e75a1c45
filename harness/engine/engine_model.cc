#include "harness/engine/engine_model.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include "harness/tokenizer/tokenizer.h"
#include "tasks/crash_point.h"

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

std::vector<tasks::LoglikelihoodResult> EngineModel::score_tokens(const std::vector<TokenRequest>& requests) {
  std::vector<tasks::LoglikelihoodResult> results(requests.size());
  // The model input is (context + continuation) without its last token, cut to the window.
  struct Input {
    std::vector<int64_t> tokens;
    std::vector<std::size_t> requests;  // every request that shares these input tokens
  };
  std::map<std::vector<int64_t>, std::size_t> index;
  std::vector<Input> inputs;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.continuation.empty()) continue;  // log P(empty) = 0, trivially greedy
    std::vector<int64_t> whole = r.context;
    whole.insert(whole.end(), r.continuation.begin(), r.continuation.end());
    const std::size_t window = static_cast<std::size_t>(options_.max_length) + 1;
    if (whole.size() > window) {
      whole.erase(whole.begin(), whole.end() - static_cast<std::ptrdiff_t>(window));
      results[i].prompt_truncated = true;  // counted per task in the report (truncated_prompts)
    }
    whole.pop_back();
    auto [it, inserted] = index.emplace(whole, inputs.size());
    if (inserted) inputs.push_back({std::move(whole), {}});
    inputs[it->second].requests.push_back(i);
  }
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].continuation.empty()) results[i].is_greedy = true;
  }
  // Longest first, so a batch's padding is small and memory problems show up at once.
  std::vector<std::size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return inputs[a].tokens.size() > inputs[b].tokens.size(); });
  torch::NoGradGuard no_grad;
  const auto device = model_->device();
  for (std::size_t start = 0; start < order.size(); start += static_cast<std::size_t>(options_.batch_size)) {
    const std::size_t end = std::min(order.size(), start + static_cast<std::size_t>(options_.batch_size));
    const int64_t width = static_cast<int64_t>(inputs[order[start]].tokens.size());
    const int64_t rows = static_cast<int64_t>(end - start);
    // Right padding: causal layers never look ahead, so padding after a row changes nothing in it.
    at::Tensor ids = at::full({rows, width}, pad_token(), at::kLong);
    for (int64_t row = 0; row < rows; ++row) {
      const auto& tokens = inputs[order[start + row]].tokens;
      std::copy(tokens.begin(), tokens.end(), ids[row].data_ptr<int64_t>());
    }
    const at::Tensor hidden = model_->forward_hidden(ids.to(device));
    for (int64_t row = 0; row < rows; ++row) {
      const Input& input = inputs[order[start + row]];
      const int64_t length = static_cast<int64_t>(input.tokens.size());
      // Every request sharing this input reads the positions its continuation needs.
      std::size_t longest = 0;
      for (std::size_t r : input.requests) longest = std::max(longest, requests[r].continuation.size());
      const int64_t first = std::max<int64_t>(0, length - static_cast<int64_t>(longest));
      const at::Tensor log_probs =
          at::log_softmax(model_->project(hidden[row].narrow(0, first, length - first)), -1).cpu();
      const at::Tensor greedy = log_probs.argmax(-1);
      for (std::size_t r : input.requests) {
        const auto& continuation = requests[r].continuation;
        const int64_t n = std::min<int64_t>(static_cast<int64_t>(continuation.size()), length);
        double sum = 0;
        bool is_greedy = true;
        for (int64_t k = 0; k < n; ++k) {
          const int64_t position = (length - first) - n + k;
          const int64_t target = continuation[continuation.size() - static_cast<std::size_t>(n) + static_cast<std::size_t>(k)];
          sum += log_probs[position][target].item<double>();
          is_greedy = is_greedy && greedy[position].item<int64_t>() == target;
        }
        results[r].logprob = sum;
        results[r].is_greedy = is_greedy;
        results[r].tokens = static_cast<int64_t>(continuation.size());
      }
    }
  }
  return results;
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

}  // namespace

std::vector<tasks::GenerationResult> EngineModel::generate_until(const std::vector<tasks::GenerationRequest>& requests) {
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::vector<int64_t>> encoded(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) encoded[i] = encode(requests[i].context);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return encoded[a].size() > encoded[b].size(); });
  std::vector<tasks::GenerationResult> results(requests.size());
  for (std::size_t start = 0; start < order.size(); start += static_cast<std::size_t>(options_.batch_size)) {
    const std::size_t end = std::min(order.size(), start + static_cast<std::size_t>(options_.batch_size));
    std::vector<const tasks::GenerationRequest*> batch;
    for (std::size_t k = start; k < end; ++k) batch.push_back(&requests[order[k]]);
    const auto out = generate_batch(batch);
    for (std::size_t k = start; k < end; ++k) results[order[k]] = out[k - start];
  }
  return results;
}

std::vector<tasks::GenerationResult> EngineModel::generate_batch(const std::vector<const tasks::GenerationRequest*>& batch) {
  torch::NoGradGuard no_grad;
  const auto device = model_->device();
  const int64_t rows = static_cast<int64_t>(batch.size());
  int64_t budget = 0;
  for (const auto* r : batch) budget = std::max(budget, r->max_new_tokens);
  std::vector<std::vector<int64_t>> prompts;
  std::vector<bool> prompt_truncated;
  int64_t width = 0;
  for (const auto* r : batch) {
    std::vector<int64_t> ids = encode(r->context);
    if (ids.empty()) ids = {prefix_token()};
    // Keep the most recent tokens so that prompt and generation fit the window.
    const int64_t keep = std::max<int64_t>(1, options_.max_length - r->max_new_tokens);
    prompt_truncated.push_back(static_cast<int64_t>(ids.size()) > keep);  // counted in the report
    if (prompt_truncated.back()) ids.erase(ids.begin(), ids.end() - keep);
    width = std::max<int64_t>(width, static_cast<int64_t>(ids.size()));
    prompts.push_back(std::move(ids));
  }
  // Left padding, masked out of attention and of Engram's convolution.
  at::Tensor ids = at::full({rows, width}, pad_token(), at::kLong);
  at::Tensor mask = at::zeros({rows, width}, at::kLong);
  for (int64_t row = 0; row < rows; ++row) {
    const auto& p = prompts[row];
    const int64_t offset = width - static_cast<int64_t>(p.size());
    std::copy(p.begin(), p.end(), ids[row].data_ptr<int64_t>() + offset);
    mask[row].narrow(0, offset, static_cast<int64_t>(p.size())).fill_(1);
  }
  if (tasks::fault_planted("unmasked-left-padding")) mask.fill_(1);
  std::vector<at::Generator> generators;
  for (const auto* r : batch) generators.push_back(at::make_generator<at::CPUGeneratorImpl>(r->seed));

  model::KvCache cache = model_->new_cache();
  model::ForwardOptions options;
  options.attention_mask = mask.to(device);
  options.positions = (mask.cumsum(1) - 1).clamp_min(0).to(device);
  at::Tensor hidden = model_->forward_hidden(ids.to(device), &cache, options);
  at::Tensor next_logits = model_->project(hidden.select(1, width - 1)).cpu();
  at::Tensor next_position = options.positions.select(1, width - 1).cpu() + 1;

  std::vector<std::vector<int64_t>> generated(static_cast<std::size_t>(rows));
  std::vector<tasks::GenerationResult> results(static_cast<std::size_t>(rows));
  std::vector<bool> done(static_cast<std::size_t>(rows), false);
  for (int64_t row = 0; row < rows; ++row) results[row].prompt_truncated = prompt_truncated[row];
  for (int64_t step = 0; step < budget; ++step) {
    at::Tensor tokens = at::empty({rows, 1}, at::kLong);
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t token = done[row] ? pad_token() : sample_token(next_logits[row], *batch[row], generators[row], tokenizer_->vocab_size());
      tokens[row][0] = token;
      if (done[row]) continue;
      const bool is_eos = tokenizer_->eos_id() && token == *tokenizer_->eos_id();
      if (!is_eos) generated[row].push_back(token);
      const std::string text = tokenizer_->decode(generated[row], false);
      const std::size_t stop = find_stop(text, batch[row]->stop);
      auto& result = results[row];
      result.tokens = static_cast<int64_t>(generated[row].size());
      if (stop != std::string::npos || is_eos) {
        result.text = stop != std::string::npos ? text.substr(0, stop) : text;
        result.hit_stop = true;
        done[row] = true;
      } else if (static_cast<int64_t>(generated[row].size()) >= batch[row]->max_new_tokens) {
        result.text = text;
        result.truncated = true;
        done[row] = true;
      }
    }
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    mask = at::cat({mask, at::ones({rows, 1}, at::kLong)}, 1);
    options.attention_mask = mask.to(device);
    options.positions = next_position.unsqueeze(1).to(device);
    hidden = model_->forward_hidden(tokens.to(device), &cache, options);
    next_logits = model_->project(hidden.select(1, 0)).cpu();
    next_position = next_position + 1;
  }
  return results;
}

}  // namespace engram::harness
