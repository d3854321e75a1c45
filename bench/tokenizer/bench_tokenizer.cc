// Tokenizer throughput on about 1 MB of generated English prose, one thread.
//
//   BM_EncodeDeepSeekV3            encode, word cache warm (the steady state of a long run)
//   BM_EncodeDeepSeekV3ColdCache   encode with a freshly loaded tokenizer each iteration
//   BM_EncodeDeepSeekV3Reference   ICU for every regex, no word cache (what the fast paths replace)
//   BM_DecodeDeepSeekV3            decode of the same text's ids (MB/s of decoded text)
//   BM_EncodeGpt2Style             the committed GPT-2-style tokenizer (ByteLevel regex path)
//
// DeepSeek-V3 is read from $ENGRAM_SHARED/tokenizers/deepseek-v3 or ../shared next to the checkout.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "harness/tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using engram::tokenizer::Tokenizer;

fs::path shared_dir() {
  if (const char* env = std::getenv("ENGRAM_SHARED"); env && *env) return env;
  return fs::path(ENGRAM_SOURCE_DIR).parent_path() / "shared";
}

// Deterministic prose: words from a fixed list (with Zipf-like reuse), capitalised sentences,
// commas, numbers, quotes and paragraph breaks. mt19937 output is specified by the standard, and
// only its raw output is used, so the text is the same everywhere.
std::string make_prose(size_t bytes) {
  static const char* kWords[] = {
      "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not",
      "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "they", "you", "were", "their",
      "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who", "so",
      "no", "she", "other", "its", "may", "these", "about", "than", "into", "only", "some", "could", "time", "them",
      "people", "first", "then", "what", "also", "new", "like", "our", "two", "over", "such", "even", "most",
      "after", "made", "way", "many", "before", "must", "through", "back", "years", "where", "much", "should",
      "because", "each", "just", "those", "how", "too", "little", "state", "good", "very", "make", "world", "still",
      "own", "see", "men", "work", "long", "here", "get", "both", "between", "life", "being", "under", "never",
      "day", "same", "another", "know", "while", "last", "might", "great", "old", "year", "off", "come", "since",
      "against", "government", "system", "language", "model", "memory", "conditional", "hashing", "embedding",
      "throughput", "latency", "benchmark", "evaluation", "transformer", "attention", "mixture", "experts",
      "parameters", "training", "inference", "scaling", "knowledge", "reasoning", "retrieval", "architecture",
      "research", "important", "different", "following", "without", "something", "understanding", "development",
      "information", "experience", "interesting", "particularly", "significantly", "nevertheless", "don't",
      "it's", "we've", "they're", "I'm", "you'll", "Engram", "DeepSeek", "Python", "London", "September"};
  constexpr size_t kCount = sizeof(kWords) / sizeof(kWords[0]);
  std::mt19937 rng(20251130);
  std::string text;
  text.reserve(bytes + 256);
  size_t in_sentence = 0, in_paragraph = 0;
  while (text.size() < bytes) {
    // Zipf-like: the product of two uniforms favours the start of the list.
    const uint64_t r1 = rng() % kCount, r2 = rng() % kCount;
    std::string w = kWords[(r1 * r2) / kCount];
    if (in_sentence == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    if (rng() % 97 == 0) w = std::to_string(rng() % 100000);
    if (rng() % 151 == 0) w = "\"" + w + "\"";
    text += w;
    ++in_sentence;
    if (in_sentence > 6 && rng() % 9 == 0) {
      text += (rng() % 7 == 0) ? "?" : ".";
      in_sentence = 0;
      if (++in_paragraph > 5 && rng() % 4 == 0) {
        text += "\n\n";
        in_paragraph = 0;
        continue;
      }
    } else if (rng() % 13 == 0) {
      text += ",";
    }
    text += " ";
  }
  return text;
}

const std::string& prose() {
  static const std::string text = make_prose(1 << 20);
  return text;
}

const Tokenizer* deepseek() {
  static const Tokenizer* tok = [] {
    const fs::path dir = shared_dir() / "tokenizers" / "deepseek-v3";
    return fs::exists(dir / "tokenizer.json") ? new Tokenizer(Tokenizer::load(dir.string())) : nullptr;
  }();
  return tok;
}

void BM_EncodeDeepSeekV3(benchmark::State& state) {
  const Tokenizer* tok = deepseek();
  if (!tok) return state.SkipWithError("DeepSeek-V3 tokenizer not found (set ENGRAM_SHARED)");
  const std::string& text = prose();
  benchmark::DoNotOptimize(tok->encode(text, false));  // warm the word cache
  size_t tokens = 0;
  for (auto _ : state) {
    auto ids = tok->encode(text, false);
    tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["bytes/token"] = static_cast<double>(text.size()) / static_cast<double>(tokens);
}
BENCHMARK(BM_EncodeDeepSeekV3)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_EncodeDeepSeekV3ColdCache(benchmark::State& state) {
  const fs::path dir = shared_dir() / "tokenizers" / "deepseek-v3";
  if (!fs::exists(dir / "tokenizer.json")) return state.SkipWithError("DeepSeek-V3 tokenizer not found");
  const std::string& text = prose();
  for (auto _ : state) {
    state.PauseTiming();
    const Tokenizer tok = Tokenizer::load(dir.string());
    state.ResumeTiming();
    benchmark::DoNotOptimize(tok.encode(text, false).data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EncodeDeepSeekV3ColdCache)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_EncodeDeepSeekV3Reference(benchmark::State& state) {
  const Tokenizer* tok = deepseek();
  if (!tok) return state.SkipWithError("DeepSeek-V3 tokenizer not found (set ENGRAM_SHARED)");
  const std::string text = prose().substr(0, 256 * 1024);
  for (auto _ : state) benchmark::DoNotOptimize(tok->encode_reference(text, false).data());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EncodeDeepSeekV3Reference)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_DecodeDeepSeekV3(benchmark::State& state) {
  const Tokenizer* tok = deepseek();
  if (!tok) return state.SkipWithError("DeepSeek-V3 tokenizer not found (set ENGRAM_SHARED)");
  const std::vector<int64_t> ids = tok->encode(prose(), false);
  size_t out_bytes = 0;
  for (auto _ : state) {
    const std::string s = tok->decode(ids, false);
    out_bytes = s.size();
    benchmark::DoNotOptimize(s.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out_bytes));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(ids.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DecodeDeepSeekV3)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_EncodeGpt2Style(benchmark::State& state) {
  static const Tokenizer tok =
      Tokenizer::load((fs::path(ENGRAM_SOURCE_DIR) / "tests" / "data" / "tokenizer" / "gpt2_style").string());
  const std::string& text = prose();
  benchmark::DoNotOptimize(tok.encode(text, false));
  for (auto _ : state) benchmark::DoNotOptimize(tok.encode(text, false).data());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EncodeGpt2Style)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
