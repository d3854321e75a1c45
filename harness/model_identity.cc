#include "harness/model_identity.h"

#include "baselines/accounting.h"
#include "harness/io/hf_config.h"
#include "harness/model_identity_hash.h"
#include "tasks/fingerprint.h"
#include "tasks/sha256.h"

namespace engram::harness {

namespace fs = std::filesystem;

std::string model_family(const model::ModelConfig& config) {
  if (config.engram) return "engram";
  if (config.moe) return "moe";
  return "dense";
}

nlohmann::json model_identity(const std::string& spec, const model::ModelConfig& config,
                              const std::optional<fs::path>& checkpoint_dir, const fs::path& tokenizer_dir,
                              std::optional<uint64_t> weights_seed, const CheckpointDigestOptions& digest_options) {
  const model::ParameterAccounting counts = model::account_parameters(config);
  nlohmann::json identity = {
      {"spec", spec},
      {"family", model_family(config)},
      {"config_sha256", tasks::sha256_hex(tasks::canonical_json(io::to_hf_json(config)))},
      {"parameters",
       {{"total", counts.total_params}, {"activated", counts.activated_params}, {"engram", counts.engram_params}}},
      {"checkpoint_sha256", nullptr},
      {"checkpoint_identity", nullptr},
      {"tokenizer_sha256", nullptr},
      {"weights_seed", weights_seed ? nlohmann::json(*weights_seed) : nlohmann::json(nullptr)}};

  if (checkpoint_dir) {
    const CheckpointDigest digest = checkpoint_digest(*checkpoint_dir, digest_options);
    identity["checkpoint_sha256"] = digest.manifest_sha256;
    identity["checkpoint_identity"] = digest.to_json();
  }
  const fs::path tokenizer_file = tokenizer_dir / "tokenizer.json";
  if (fs::exists(tokenizer_file)) {
    identity["tokenizer_sha256"] = tasks::Sha256().update_file(tokenizer_file).hex_digest();
  }
  return identity;
}

}  // namespace engram::harness
