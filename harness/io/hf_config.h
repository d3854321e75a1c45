#pragma once
// Hugging Face `config.json` for the model families we run (`deepseek_v3`, `llama`), plus our
// extension fields: `hc_mult` (hyper-connection branches) and an `engram` block in the reference's
// field names. Unknown model types and missing required fields are errors naming file and field.

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "baselines/model_config.h"

namespace engram::io {

model::ModelConfig parse_hf_config(const nlohmann::json& json, const std::string& source);
// path: a config.json or a directory holding one.
model::ModelConfig load_hf_config(const std::string& path);
// The same fields back, so a preset can be saved as a loadable folder.
nlohmann::json to_hf_json(const model::ModelConfig& config);

}  // namespace engram::io
