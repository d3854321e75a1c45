#pragma once
// The model a speed measurement runs: a preset with seeded random weights (PRESET+engram=SIZE adds
// an Engram memory of SIZE table parameters, e.g. dense-4b+engram=20B), or hf:DIR with its
// checkpoint, cast to the requested dtype and moved to the device. Engram models hash through a
// compression table: the tokenizer's when one is found, else a stand-in of the DeepSeek-V3 shape.
// With a host or disk table placement an Engram model's tables never reach the device
// (speed_model_tables.h): only gathered rows and the hot-row cache do.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "baselines/nn/causal_lm.h"
#include "harness/speed/speed_model_tables.h"

namespace engram::harness::speed {

struct SpeedModel {
  model::CausalLM model{nullptr};
  std::string spec;
  std::string device;
  std::string dtype;
  int64_t token_limit = 0;        // random and generated ids stay below this (tokenizer/compression size)
  // Which Engram compression table the model hashes through: "tokenizer:<folder>" or
  // "synthetic-23.43%" (the stand-in when no tokenizer is found); "" without Engram.
  std::string lookup_source;
  int64_t element_bytes = 4;
  int64_t pad_id = 0;             // left padding (an Engram model pads with its hash pad id)
  std::shared_ptr<PlacedTables> tables;  // host or disk tier; null when the tables are on the device
  bool cuda_graphs = false;       // decode steps replayed from CUDA graphs (decode_graphs.h)
};

SpeedModel build_speed_model(const std::string& spec, const std::string& dtype, const std::string& device,
                             uint64_t seed, const std::optional<std::string>& tokenizer_dir,
                             const EngramTablePlacement& tables = {});

}  // namespace engram::harness::speed
