#include "harness/model_identity.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <optional>
#include <vector>

#include "baselines/accounting.h"
#include "harness/io/hf_config.h"
#include "tasks/fingerprint.h"
#include "tasks/sha256.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

// A safetensors file starts with an 8-byte little-endian header length and the JSON header.
uint64_t safetensors_header_span(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char bytes[8] = {};
  in.read(reinterpret_cast<char*>(bytes), 8);
  if (in.gcount() != 8) throw std::runtime_error(path.string() + ": too short for a safetensors header");
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | bytes[i];
  return 8 + length;
}

}  // namespace

std::string model_family(const model::ModelConfig& config) {
  if (config.engram) return "engram";
  if (config.moe) return "moe";
  return "dense";
}

nlohmann::json model_identity(const std::string& spec, const model::ModelConfig& config,
                              const std::optional<fs::path>& checkpoint_dir, const fs::path& tokenizer_dir,
                              std::optional<uint64_t> weights_seed, uint64_t full_hash_limit_bytes) {
  const model::ParameterAccounting counts = model::account_parameters(config);
  nlohmann::json identity = {
      {"spec", spec},
      {"family", model_family(config)},
      {"config_sha256", tasks::sha256_hex(tasks::canonical_json(io::to_hf_json(config)))},
      {"parameters",
       {{"total", counts.total_params}, {"activated", counts.activated_params}, {"engram", counts.engram_params}}},
      {"checkpoint_sha256", nullptr},
      {"checkpoint_hash_scope", nullptr},
      {"tokenizer_sha256", nullptr},
      {"weights_seed", weights_seed ? nlohmann::json(*weights_seed) : nlohmann::json(nullptr)}};

  if (checkpoint_dir) {
    std::vector<fs::path> files;
    uint64_t total = 0;
    for (const auto& entry : fs::directory_iterator(*checkpoint_dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".safetensors") {
        files.push_back(entry.path());
        total += entry.file_size();
      }
    }
    std::sort(files.begin(), files.end());
    const bool whole = total <= full_hash_limit_bytes;
    tasks::Sha256 hash;
    for (const auto& file : files) {
      hash.update(file.filename().string());
      hash.update(std::to_string(fs::file_size(file)));
      hash.update_file(file, whole ? std::nullopt : std::optional<uint64_t>(safetensors_header_span(file)));
    }
    identity["checkpoint_sha256"] = hash.hex_digest();
    identity["checkpoint_hash_scope"] = whole ? "contents" : "headers";
  }
  const fs::path tokenizer_file = tokenizer_dir / "tokenizer.json";
  if (fs::exists(tokenizer_file)) {
    identity["tokenizer_sha256"] = tasks::Sha256().update_file(tokenizer_file).hex_digest();
  }
  return identity;
}

}  // namespace engram::harness
