#pragma once
// What identifies a model's weights in reports and journal keys: the spec it was made from, its
// family, a hash of its config, its parameter counts (the accounting's total, activated and Engram
// figures), the checkpoint's and the tokenizer's SHA-256, and for random-weight presets the seed.
// Torch-free.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "baselines/model_config.h"

namespace engram::harness {

// "engram" when the config has an Engram block, else "moe" with routed experts, else "dense".
std::string model_family(const model::ModelConfig& config);

// {"spec", "family", "config_sha256", "parameters": {"total", "activated", "engram"},
//  "checkpoint_sha256", "checkpoint_hash_scope", "tokenizer_sha256", "weights_seed"}
// checkpoint_dir: the folder whose *.safetensors are hashed (unset for presets: the weights come
// from weights_seed). Weight files are hashed whole up to `full_hash_limit_bytes` in all; beyond
// that only their headers and sizes are (scope "headers"), which still changes with any change of
// names, shapes or dtypes but not with values alone, and the scope says so.
nlohmann::json model_identity(const std::string& spec, const model::ModelConfig& config,
                              const std::optional<std::filesystem::path>& checkpoint_dir,
                              const std::filesystem::path& tokenizer_dir, std::optional<uint64_t> weights_seed,
                              uint64_t full_hash_limit_bytes = uint64_t{4} << 30);

}  // namespace engram::harness
