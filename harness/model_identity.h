#pragma once
// What identifies a model's weights in reports and journal keys: the spec it was made from, its
// family, a hash of its config, its parameter counts (the accounting's total, activated and Engram
// figures), the checkpoint's content digest and the tokenizer's SHA-256, and for random-weight
// presets the seed. Torch-free.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "baselines/model_config.h"
#include "harness/model_identity_hash.h"

namespace engram::harness {

// "engram" when the config has an Engram block, else "moe" with routed experts, else "dense".
std::string model_family(const model::ModelConfig& config);

// {"spec", "family", "config_sha256", "parameters": {"total", "activated", "engram"},
//  "checkpoint_sha256", "checkpoint_identity", "tokenizer_sha256", "weights_seed"}
// checkpoint_dir: the folder whose *.safetensors are identified, or the one weight file (GGUF) (unset
// for presets: the weights come from weights_seed). Every byte of every weight file is hashed (model_identity_hash.h):
// checkpoint_sha256 is the manifest's SHA-256, checkpoint_identity says the scope, the per-file
// digests and whether they came from the cache ("source", the one field that differs between runs
// of the same weights; model fingerprints leave it out).
nlohmann::json model_identity(const std::string& spec, const model::ModelConfig& config,
                              const std::optional<std::filesystem::path>& checkpoint_dir,
                              const std::filesystem::path& tokenizer_dir, std::optional<uint64_t> weights_seed,
                              const CheckpointDigestOptions& digest_options = {});

}  // namespace engram::harness
