#include <fmt/format.h>

#include <iostream>

#include "harness/cli/commands.h"
#include "harness/engram_case.h"

namespace engram::cli {

void add_engram_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  CLI::App* engram = app.add_subcommand("engram", "Run the Engram module on files (parity with your own PyTorch code)");
  engram->require_subcommand(1);

  auto hash_options = std::make_shared<harness::HashCaseOptions>();
  CLI::App* hash = engram->add_subcommand(
      "hash", "Hash ids: IN holds input_ids [B,T] and lookup_table; OUT gets compressed_ids, "
              "hash_ids.layer_L [B,T,(N-1)*K] and mix.layer_L.ngram_n");
  hash->add_option("--config", hash_options->config_path, "Engram config JSON (reference field names)")
      ->required()->check(CLI::ExistingFile);
  hash->add_option("--input", hash_options->input_path, "input safetensors")->required()->check(CLI::ExistingFile);
  hash->add_option("--out", hash_options->output_path, "output safetensors (written atomically)")->required();
  hash->add_option("--input-prefix", hash_options->input_prefix, "prefix of the input_ids tensor name, e.g. 'main.'");
  hash->add_option("--device", hash_options->device, "cpu or cuda[:N]")->capture_default_str();
  hash->add_option("--threads", hash_options->threads, "CPU threads for hashing (0 = all)")->capture_default_str();
  actions.emplace_back(hash, [hash_options] {
    std::cout << harness::run_hash_case(*hash_options) << "\n";
    return 0;
  });

  auto forward_options = std::make_shared<harness::ForwardCaseOptions>();
  CLI::App* forward = engram->add_subcommand(
      "forward", "Engram forward: IN holds input_ids, hidden_states [B,T,hc,H] and optionally lookup_table; "
                 "OUT gets output, hash_ids, embeddings, gates, value, short_conv_out");
  forward->add_option("--config", forward_options->config_path, "Engram config JSON (reference field names)")
      ->required()->check(CLI::ExistingFile);
  forward->add_option("--weights", forward_options->weights_path, "weights safetensors (reference state_dict names)")
      ->required()->check(CLI::ExistingFile);
  forward->add_option("--input", forward_options->input_path, "input safetensors")->required()->check(CLI::ExistingFile);
  forward->add_option("--out", forward_options->output_path, "output safetensors (written atomically)")->required();
  forward->add_option("--dtype", forward_options->dtype, "compute dtype")
      ->check(CLI::IsMember({"float32", "float64", "bfloat16"}))->capture_default_str();
  forward->add_option("--device", forward_options->device, "cpu or cuda[:N]")->capture_default_str();
  forward->add_option("--layer", forward_options->layer_id, "Engram layer id (default: the config's layer_id)");
  actions.emplace_back(forward, [forward_options] {
    std::cout << harness::run_forward_case(*forward_options) << "\n";
    return 0;
  });
}

}  // namespace engram::cli
