#include <fmt/format.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"
#include "harness/tokenizer/tokenizer.h"
#include "harness/tokenizer_compression.h"

namespace engram::cli {
namespace {

struct CompressOptions {
  std::string tokenizer_path;
  std::string out_path;
  bool json = false;
  std::size_t top = 10;
  std::size_t examples = 12;
};

std::string visible(const std::string& text) {
  // One line per group: show whitespace and control characters the way the paper's table 6 does.
  std::string out;
  for (char c : text) {
    if (c == ' ') out += "\xE2\x90\xA3";  // ␣
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

int run_compress(const CompressOptions& options) {
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(options.tokenizer_path);
  const CompressionTable table = harness::build_compression_table(tok);
  const auto groups = harness::largest_groups(table, options.top);
  if (!options.out_path.empty()) table.save(options.out_path);
  if (options.json) {
    nlohmann::json out = {{"tokenizer", options.tokenizer_path},
                          {"vocab_size", table.vocab_size()},
                          {"compressed_vocab_size", table.compressed_size()},
                          {"reduction", table.reduction()},
                          {"largest_groups", nlohmann::json::array()}};
    for (const auto& g : groups) {
      nlohmann::json members = nlohmann::json::array();
      for (std::size_t i = 0; i < g.raw_ids.size() && i < options.examples; ++i) {
        members.push_back({{"id", g.raw_ids[i]}, {"text", tok.decode({g.raw_ids[i]}, false)}});
      }
      out["largest_groups"].push_back(
          {{"compressed_id", g.compressed_id}, {"key", g.key}, {"merge_count", g.raw_ids.size()}, {"examples", members}});
    }
    if (!options.out_path.empty()) out["table"] = options.out_path;
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::cout << fmt::format("tokenizer:        {}\nvocabulary:       {}\ncompressed:       {}\nreduction:        {:.3f}%\n",
                           options.tokenizer_path, table.vocab_size(), table.compressed_size(),
                           100.0 * table.reduction());
  std::cout << "largest merged groups (rank, merge count, normalised key, original tokens):\n";
  int rank = 0;
  for (const auto& g : groups) {
    std::string examples;
    for (std::size_t i = 0; i < g.raw_ids.size() && i < options.examples; ++i) {
      examples += (i ? ", '" : "'") + visible(tok.decode({g.raw_ids[i]}, false)) + "'";
    }
    if (g.raw_ids.size() > options.examples) examples += ", ...";
    std::cout << fmt::format("  {:>3} {:>5}  '{}'  {}\n", ++rank, g.raw_ids.size(), visible(g.key), examples);
  }
  if (!options.out_path.empty()) std::cout << "table written to " << options.out_path << "\n";
  return 0;
}

}  // namespace

void add_tokenizer_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  CLI::App* tokenizer = app.add_subcommand("tokenizer", "Tokenizer utilities");
  tokenizer->require_subcommand(1);
  auto options = std::make_shared<CompressOptions>();
  CLI::App* compress = tokenizer->add_subcommand(
      "compress", "Build Engram's compression table over a tokenizer's vocabulary and report the reduction");
  compress->add_option("--tokenizer", options->tokenizer_path, "folder with tokenizer.json (or the file)")
      ->required()->check(CLI::ExistingPath);
  compress->add_option("--out", options->out_path, "save the table (JSON, written atomically)");
  compress->add_flag("--json", options->json, "machine-readable output");
  compress->add_option("--top", options->top, "how many merged groups to list")->capture_default_str();
  compress->add_option("--examples", options->examples, "original tokens shown per group")->capture_default_str();
  actions.emplace_back(compress, [options] { return run_compress(*options); });
}

}  // namespace engram::cli
