#include "baselines/nn/weight_dtype.h"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <stdexcept>
#include <string_view>

namespace engram::model {
namespace {

bool ends_with(std::string_view name, std::string_view suffix) {
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Read in float32 by their modules (moe.cc's router, hyper_connections.cc): converting them would
// only add a conversion back at every step and round the routing scores.
bool stays_float32(const std::string& name) {
  return ends_with(name, "mlp.gate.weight") || ends_with(name, "e_score_correction_bias") ||
         name.find("_hc.") != std::string::npos || name.rfind("hc_head.", 0) == 0 ||
         name.find(".hc_head.") != std::string::npos;
}

void convert(const std::string& name, at::Tensor& tensor, c10::ScalarType dtype) {
  if (!tensor.defined() || !at::isFloatingType(tensor.scalar_type()) || tensor.scalar_type() == dtype) return;
  if (stays_float32(name)) return;
  tensor.set_data(tensor.to(dtype));
}

}  // namespace

std::string weight_dtype_name(c10::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: return c10::toString(dtype);
  }
}

c10::ScalarType default_weight_dtype(const c10::Device& device) {
  return device.is_cuda() ? at::kBFloat16 : at::kFloat;
}

c10::ScalarType parse_weight_dtype(const std::string& name, const c10::Device& device, const std::string& option) {
  if (name == "auto") return default_weight_dtype(device);
  if (name == "float32" || name == "fp32") return at::kFloat;
  if (name == "bfloat16" || name == "bf16") return at::kBFloat16;
  if (name == "float16" || name == "fp16") return at::kHalf;
  throw std::invalid_argument(option + ": unknown dtype '" + name + "' (use auto, float32, bfloat16 or float16)");
}

void convert_weights(torch::nn::Module& module, c10::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters(true)) convert(item.key(), item.value(), dtype);
  for (auto& item : module.named_buffers(true)) convert(item.key(), item.value(), dtype);
}

}  // namespace engram::model
