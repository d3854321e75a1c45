#include "baselines/nn/packed_linear.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ATen.h>

#include <optional>
#include <string_view>

namespace engram::model {
namespace {

// oneDNN's packed linear ops are registered with the dispatcher (the ones Inductor emits on the CPU),
// not exposed as at:: functions.
at::Tensor reorder_for_linear(const at::Tensor& weight) {
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("mkldnn::_reorder_linear_weight", "")
                             .typed<at::Tensor(const at::Tensor&, std::optional<int64_t>)>();
  return op.call(weight, std::nullopt);
}

at::Tensor packed_linear(const at::Tensor& input, const at::Tensor& packed, const std::optional<at::Tensor>& bias) {
  static const auto op =
      c10::Dispatcher::singleton()
          .findSchemaOrThrow("mkldnn::_linear_pointwise", "")
          .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const std::optional<at::Tensor>&, std::string_view,
                            c10::List<std::optional<at::Scalar>>, std::optional<std::string_view>)>();
  return op.call(input, packed, bias, "none", c10::List<std::optional<at::Scalar>>(), std::nullopt);
}

}  // namespace

void PackedWeight::pack(const at::Tensor& weight) {
  clear();
  if (!weight.defined() || !weight.device().is_cpu() || weight.dim() != 2 ||
      (weight.scalar_type() != at::kFloat && weight.scalar_type() != at::kBFloat16) || !at::hasMKLDNN()) {
    return;
  }
  packed_ = reorder_for_linear(weight.contiguous());
  source_ = weight.data_ptr();
  version_ = static_cast<int64_t>(weight._version());
}

bool PackedWeight::serves(const at::Tensor& weight, const at::Tensor& input) const {
  // The packed op has no backward: a weight that autograd must track always takes at::linear.
  const bool needs_grad = at::GradMode::is_enabled() && weight.requires_grad();
  return packed_.defined() && !needs_grad && weight.data_ptr() == source_ &&
         static_cast<int64_t>(weight._version()) == version_ && input.device().is_cpu() &&
         input.scalar_type() == weight.scalar_type() && input.dim() >= 2;
}

at::Tensor PackedWeight::linear(const at::Tensor& input, const at::Tensor& bias) const {
  return packed_linear(input, packed_, bias.defined() ? std::optional<at::Tensor>(bias) : std::nullopt);
}

int64_t PackedWeight::bytes() const {
  return packed_.defined() ? packed_.numel() * static_cast<int64_t>(packed_.element_size()) : 0;
}

torch::Tensor LinearImpl::forward(const torch::Tensor& input) {
  if (packed.serves(weight, input)) return packed.linear(input, bias);
  return torch::nn::LinearImpl::forward(input);
}

int64_t pack_linear_weights(torch::nn::Module& module) {
  at::NoGradGuard no_grad;
  int64_t bytes = 0;
  for (const auto& child : module.modules(/*include_self=*/true)) {
    if (auto* linear = dynamic_cast<LinearImpl*>(child.get())) {
      linear->packed.pack(linear->weight);
      bytes += linear->packed.bytes();
    }
  }
  return bytes;
}

}  // namespace engram::model
