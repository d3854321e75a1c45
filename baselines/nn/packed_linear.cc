#include "baselines/nn/packed_linear.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ATen.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "baselines/nn/skinny_linear.h"

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

// Whether a packed copy of `weight` taken at (source, version) still holds: the same storage, no
// in-place write since, and no gradient to track (the packed ops have no backward).
bool still_packed_from(const at::Tensor& weight, const void* source, int64_t version) {
  const bool needs_grad = at::GradMode::is_enabled() && weight.requires_grad();
  return !needs_grad && weight.data_ptr() == source && static_cast<int64_t>(weight._version()) == version;
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
  return packed_.defined() && still_packed_from(weight, source_, version_) && input.device().is_cpu() &&
         input.scalar_type() == weight.scalar_type() && input.dim() >= 2;
}

at::Tensor PackedWeight::linear(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias) const {
  if (skinny_linear_serves(input, weight)) return skinny_linear(input, weight, bias);
  return packed_linear(input, packed_, bias.defined() ? std::optional<at::Tensor>(bias) : std::nullopt);
}

int64_t PackedWeight::bytes() const {
  return packed_.defined() ? packed_.numel() * static_cast<int64_t>(packed_.element_size()) : 0;
}

torch::Tensor LinearImpl::forward(const torch::Tensor& input) {
  if (packed.serves(weight, input)) return packed.linear(input, weight, bias);
  return torch::nn::LinearImpl::forward(input);
}

int64_t FusedProjections::fuse(const std::vector<Linear>& members) {
  if (members.size() < 2 || !at::hasMKLDNN()) return 0;
  const at::Tensor& first = members.front()->weight;
  std::vector<at::Tensor> weights, biases;
  for (const Linear& member : members) {
    const at::Tensor& w = member->weight;
    if (!w.device().is_cpu() || w.dim() != 2 || w.scalar_type() != first.scalar_type() ||
        (w.scalar_type() != at::kFloat && w.scalar_type() != at::kBFloat16) ||
        member->bias.defined() != members.front()->bias.defined()) {
      return 0;
    }
    weights.push_back(w);
    if (member->bias.defined()) biases.push_back(member->bias);
  }
  at::NoGradGuard no_grad;
  int64_t freed = 0;
  members_ = members;
  sources_.clear();
  sizes_.clear();
  for (const Linear& member : members) {
    sources_.emplace_back(member->weight.data_ptr(), static_cast<int64_t>(member->weight._version()));
    sizes_.push_back(member->weight.size(0));
    freed += member->packed.bytes();
    member.ptr()->packed.clear();
  }
  packed_ = reorder_for_linear(at::cat(weights, 0));
  bias_ = biases.empty() ? at::Tensor() : at::cat(biases, 0);
  return packed_.numel() * static_cast<int64_t>(packed_.element_size()) - freed;
}

std::vector<at::Tensor> FusedProjections::forward(const at::Tensor& input) const {
  if (!packed_.defined() || !input.device().is_cpu() || input.dim() < 2 ||
      input.scalar_type() != members_.front()->weight.scalar_type()) {
    return {};
  }
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (!still_packed_from(members_[i]->weight, sources_[i].first, sources_[i].second)) return {};
  }
  if (std::all_of(members_.begin(), members_.end(),
                  [&](const Linear& member) { return skinny_linear_serves(input, member->weight); })) {
    std::vector<at::Tensor> outs;
    for (const Linear& member : members_) outs.push_back(skinny_linear(input, member->weight, member->bias));
    return outs;
  }
  const at::Tensor out = packed_linear(input, packed_, bias_.defined() ? std::optional<at::Tensor>(bias_) : std::nullopt);
  return out.split_with_sizes(sizes_, -1);
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
