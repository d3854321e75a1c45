#pragma once
// Everything that shapes one Engram module: the hash settings plus the backbone sizes it plugs into.
// JSON field names are the reference's (EngramConfig / BackBoneConfig, as in the golden case files).

#include <cstdint>
#include <optional>
#include <string>

#include "engram/hash_config.h"

namespace engram {

struct EngramConfig {
  NgramHashConfig hash;
  int n_embed_per_ngram = 512;  // width of one order's concatenated heads
  int kernel_size = 4;
  int hidden_size = 1024;       // backbone hidden size (one hyper-connection branch)
  int hc_mult = 4;              // hyper-connection branches; 1 is the plain residual stream
  double short_conv_norm_eps = 1e-5;
  bool conv_zero_init = true;   // the paper's "Engram Conv Zero Init"
  // Not part of the model's identity (never read from or written to JSON): false when the table
  // lives in the host or disk tier, so the module allocates no multi_head_embedding.embedding.
  bool table_in_module = true;
  std::optional<int64_t> tokenizer_vocab_size;  // when given, checked against the lookup table
  // Carried by the golden case files: the raw -> compressed table and the layer a module sits at.
  std::vector<int64_t> lookup_table;
  std::optional<int64_t> layer_id;

  int head_dim() const { return n_embed_per_ngram / hash.n_head_per_ngram; }
  int engram_hidden_size() const { return (hash.max_ngram_size - 1) * n_embed_per_ngram; }
  int conv_dilation() const { return hash.max_ngram_size; }
  // Throws std::invalid_argument naming the offending field.
  void validate() const;
};

// Accepts the golden case layout ({"hash": {...}, "backbone": {...}, "kernel_size": ...}) and a flat
// layout with the same names at top level. `pad_id` and `pad_id_raw` both name the raw pad id.
// Errors name the file (source) and the field.
EngramConfig engram_config_from_json_text(const std::string& text, const std::string& source);
EngramConfig load_engram_config(const std::string& path);

}  // namespace engram
