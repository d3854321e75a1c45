#include "harness/engram_case.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <stdexcept>

#include "engram/engram_config.h"
#include "engram/engram_module.h"
#include "engram/hash_tensor.h"
#include "engram/state_dict.h"
#include "harness/io/safetensors.h"

namespace engram::harness {
namespace {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

at::Tensor require(const io::SafetensorsFile& file, const std::string& name, at::ScalarType dtype, int64_t dims) {
  if (!file.contains(name)) throw std::runtime_error(file.source + ": missing tensor '" + name + "'");
  const at::Tensor& tensor = file.get(name);
  if (tensor.scalar_type() != dtype) {
    throw std::runtime_error(file.source + ": tensor '" + name + "' has dtype " +
                             std::string(c10::toString(tensor.scalar_type())) + ", expected " +
                             std::string(c10::toString(dtype)));
  }
  if (tensor.dim() != dims) {
    throw std::runtime_error(file.source + ": tensor '" + name + "' has " + std::to_string(tensor.dim()) +
                             " dimensions, expected " + std::to_string(dims));
  }
  return tensor;
}

// The lookup table comes from the input file when it has one, else from the config.
std::shared_ptr<NgramHashMapping> build_mapping(const EngramConfig& config, const io::SafetensorsFile& input,
                                                const std::string& config_path) {
  std::vector<int64_t> table;
  if (input.contains("lookup_table")) {
    const at::Tensor t = require(input, "lookup_table", at::kLong, 1).contiguous();
    table.assign(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  } else if (!config.lookup_table.empty()) {
    table = config.lookup_table;
  } else {
    throw std::runtime_error(input.source + ": no tensor 'lookup_table' (and " + config_path +
                             " has no field 'hash.lookup_table')");
  }
  auto mapping = std::make_shared<NgramHashMapping>(config.hash, std::move(table));
  if (config.tokenizer_vocab_size && *config.tokenizer_vocab_size != mapping->tokenizer_vocab_size()) {
    throw std::runtime_error(config_path + ": field 'tokenizer_vocab_size' is " +
                             std::to_string(*config.tokenizer_vocab_size) + " but the lookup table has " +
                             std::to_string(mapping->tokenizer_vocab_size()) + " compressed ids");
  }
  return mapping;
}

at::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "float64") return at::kDouble;
  if (name == "bfloat16") return at::kBFloat16;
  throw std::invalid_argument("--dtype: unknown dtype '" + name + "' (use float32, float64 or bfloat16)");
}

at::Device parse_device(const std::string& name) {
  try {
    at::Device device(name);
    if (device.is_cuda() && !at::hasCUDA()) throw std::invalid_argument("no CUDA device is available");
    return device;
  } catch (const c10::Error& e) {
    throw std::invalid_argument("--device: '" + name + "' is not a device (" + e.what_without_backtrace() + ")");
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("--device: '" + name + "': " + e.what());
  }
}

}  // namespace

std::string run_hash_case(const HashCaseOptions& options) {
  const EngramConfig config = load_engram_config(options.config_path);
  const io::SafetensorsFile input = io::read_safetensors(options.input_path);
  const auto mapping = build_mapping(config, input, options.config_path);
  const at::Device device = parse_device(options.device);
  const at::Tensor raw = require(input, options.input_prefix + "input_ids", at::kLong, 2).to(device);

  NamedTensors out;
  const at::Tensor compressed = compress_ids(*mapping, raw).cpu().contiguous();
  out.emplace_back("compressed_ids", compressed);
  for (const LayerHashParams& layer : mapping->layers()) {
    const std::string suffix = "layer_" + std::to_string(layer.layer_id);
    out.emplace_back("hash_ids." + suffix, hash_ngrams(*mapping, raw, layer.layer_id, options.threads).cpu());
    for (int n = 2; n <= config.hash.max_ngram_size; ++n) {
      at::Tensor mix = at::empty_like(compressed);
      mapping->mix_layer(compressed.data_ptr<int64_t>(), compressed.size(0), compressed.size(1), layer.layer_id, n,
                         mix.data_ptr<int64_t>());
      out.emplace_back("mix." + suffix + ".ngram_" + std::to_string(n), mix);
    }
  }
  io::write_safetensors(options.output_path, out,
                        {{"producer", "engram-bench engram hash"},
                         {"tokenizer_vocab_size", std::to_string(mapping->tokenizer_vocab_size())},
                         {"pad_id_compressed", std::to_string(mapping->pad_id_compressed())}});
  return fmt::format("hashed [{}, {}] ids for {} layers ({} heads each, compressed vocab {}) -> {}", raw.size(0),
                     raw.size(1), mapping->layers().size(), config.hash.heads_per_layer(),
                     mapping->tokenizer_vocab_size(), options.output_path);
}

std::string run_forward_case(const ForwardCaseOptions& options) {
  const at::ScalarType dtype = parse_dtype(options.dtype);
  const at::Device device = parse_device(options.device);
  EngramConfig config = load_engram_config(options.config_path);
  const std::optional<int64_t> layer_id = options.layer_id ? options.layer_id : config.layer_id;
  if (!layer_id) {
    throw std::invalid_argument(options.config_path + ": no field 'layer_id'; pass --layer to choose the Engram layer");
  }
  const io::SafetensorsFile input = io::read_safetensors(options.input_path);
  const io::SafetensorsFile weights = io::read_safetensors(options.weights_path);
  const auto mapping = build_mapping(config, input, options.config_path);
  config.conv_zero_init = false;  // the weights decide

  Engram module(config, mapping, *layer_id);
  load_state_dict(*module, weights.tensors, options.weights_path);
  module->to(device, dtype);
  module->eval();
  const at::Tensor raw = require(input, "input_ids", at::kLong, 2).to(device);
  const at::Tensor hidden = require(input, "hidden_states", input.get("hidden_states").scalar_type(), 4);
  if (!at::isFloatingType(hidden.scalar_type())) {
    throw std::runtime_error(input.source + ": tensor 'hidden_states' must be floating point");
  }
  at::NoGradGuard no_grad;
  const at::Tensor hash_ids = hash_ngrams(*mapping, raw, *layer_id);
  const EngramTrace trace = module->forward_from_hashes(hidden.to(device, dtype), hash_ids);
  NamedTensors out = {{"output", trace.output.cpu()},       {"hash_ids", trace.hash_ids.cpu()},
                      {"embeddings", trace.embeddings.cpu()}, {"gates", trace.gates.cpu()},
                      {"value", trace.value.cpu()},          {"short_conv_out", trace.short_conv_out.cpu()}};
  io::write_safetensors(options.output_path, out,
                        {{"producer", "engram-bench engram forward"},
                         {"dtype", options.dtype},
                         {"layer_id", std::to_string(*layer_id)}});
  return fmt::format("Engram layer {} forward on [{}, {}] tokens, {} branch(es) of {} in {} -> {}", *layer_id,
                     raw.size(0), raw.size(1), config.hc_mult, config.hidden_size, options.dtype, options.output_path);
}

}  // namespace engram::harness
