#include "harness/io/checkpoint_summary.h"

#include <regex>

#include "harness/io/safetensors_header.h"

namespace engram::io {

uint64_t TensorInfo::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

std::string parameter_group(const std::string& name) {
  // Order matters: the more specific patterns first.
  static const std::vector<std::pair<std::regex, std::string>> rules = {
      {std::regex(R"((^|\.)engram\.)"), "engram"},
      // A bare Engram module's state_dict, as the reference saves it.
      {std::regex(R"(^(multi_head_embedding|short_conv|value_proj|key_projs|norm1|norm2)\.)"), "engram"},
      {std::regex(R"((^|\.)(attn_hc|ffn_hc|hc_head|hc|hyper_connections?|mhc)[._])"), "hyper_connections"},
      {std::regex(R"((^|\.)embed_tokens\.)"), "embedding"},
      {std::regex(R"(^lm_head\.)"), "lm_head"},
      {std::regex(R"(\.mlp\.shared_experts\.)"), "shared_experts"},
      {std::regex(R"(\.mlp\.experts\.)"), "routed_experts"},
      {std::regex(R"(\.mlp\.gate\.)"), "router"},
      {std::regex(R"(\.mlp\.)"), "dense_ffn"},
      {std::regex(R"(\.self_attn\.)"), "attention"},
      {std::regex(R"((norm|layernorm)[^.]*\.weight$)"), "norm"},
  };
  for (const auto& [pattern, group] : rules) {
    if (std::regex_search(name, pattern)) return group;
  }
  return "other";
}

ParameterSummary summarize(const std::vector<TensorInfo>& tensors) {
  ParameterSummary summary;
  for (const TensorInfo& t : tensors) {
    const uint64_t n = t.numel();
    summary.by_group[parameter_group(t.name)] += n;
    summary.by_dtype[t.dtype] += n;
    summary.total += n;
    summary.bytes += n * safetensors_dtype(t.dtype).bytes;
  }
  return summary;
}

}  // namespace engram::io
