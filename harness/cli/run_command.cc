#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "harness/cli/commands.h"
#include "harness/engram_speed.h"
#include "harness/shared_data.h"
#include "harness/tokenizer/tokenizer.h"
#include "harness/tokenizer_compression.h"

namespace engram::cli {
namespace {

struct RunOptions {
  int64_t hash_tokens = 32768;
  int64_t forward_tokens = 512;
  int64_t table_rows = 65536;
  double min_seconds = 1.0;
};

int run_main_job(const RunOptions& options) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::cout << "engram-bench run: Engram module checks on the Engram-27B memory shape\n"
            << "  (the evaluation suite, model families and reports arrive with later issues)\n\n";

  // The real DeepSeek-V3 compression when the shared tokenizer is there (its size sets the hash
  // multipliers); otherwise a stand-in of the same shape, and the summary says so.
  std::vector<int64_t> lookup;
  std::string lookup_source;
  const auto tokenizer_dir = harness::shared_dir() / "tokenizers" / "deepseek-v3";
  if (std::filesystem::exists(tokenizer_dir / "tokenizer.json")) {
    const CompressionTable table = harness::build_compression_table(tokenizer::Tokenizer::load(tokenizer_dir.string()));
    lookup = table.lookup_table();
    lookup_source = fmt::format("DeepSeek-V3 compression table {} -> {} ids ({:.3f}% reduction; paper: 23.43%)",
                                table.vocab_size(), table.compressed_size(), 100.0 * table.reduction());
  } else {
    lookup = harness::synthetic_lookup_table();
    lookup_source = fmt::format("synthetic compression table 129,280 -> 98,989 ids ({} not found)", tokenizer_dir.string());
  }
  const EngramConfig full = harness::engram27b_memory_config();
  const NgramHashMapping full_mapping(full.hash, lookup);
  const LayerHashParams& first = full_mapping.layers().front();
  std::cout << fmt::format(
      "Engram-27B hashing: layers [2, 15], orders 2-3, 8 heads each, table primes {}..{} (first layer, {} rows),\n"
      "  {}\n",
      first.table_sizes.front(), first.table_sizes.back(), first.total_rows(), lookup_source);
  for (int threads : {1, cores}) {
    const auto t = harness::measure_hash(full_mapping, options.hash_tokens, threads, options.min_seconds);
    std::cout << fmt::format("  hash {} tokens x 2 layers, {} thread(s): {:.1f} M token-layers/s ({:.3f} ms/iter)\n",
                             options.hash_tokens, threads, t.items_per_second / 1e6, t.seconds_per_iteration * 1e3);
    if (cores == 1) break;
  }

  const EngramConfig shape = harness::engram27b_memory_config(options.table_rows);
  auto mapping = std::make_shared<const NgramHashMapping>(shape.hash, lookup);
  const auto f = harness::measure_engram_forward(shape, mapping, 1, options.forward_tokens, options.min_seconds);
  std::cout << fmt::format(
      "Engram forward (hidden 2560, 4 branches, d_mem 1280, tables of base {} rows, float32, {} intra-op threads):\n"
      "  {} tokens: {:.1f} tokens/s ({:.1f} ms/iter)\n",
      options.table_rows, at::get_num_threads(), options.forward_tokens, f.items_per_second,
      f.seconds_per_iteration * 1e3);
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand("run", "The main job (for now: Engram hashing and forward throughput)");
  run->add_option("--hash-tokens", options->hash_tokens, "tokens per hashing pass")->capture_default_str()
      ->check(CLI::PositiveNumber);
  run->add_option("--forward-tokens", options->forward_tokens, "tokens per forward pass")->capture_default_str()
      ->check(CLI::PositiveNumber);
  run->add_option("--table-rows", options->table_rows, "base rows per head table for the forward (paper: 2262400)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  run->add_option("--min-seconds", options->min_seconds, "minimum timing window per figure")->capture_default_str();
  actions.emplace_back(run, [options] { return run_main_job(*options); });
}

}  // namespace engram::cli
