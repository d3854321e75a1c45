// The few-row AVX-512 linear (baselines/nn/skinny_linear.h) against at::linear in float64 on the same
// rounded inputs, over every row count it serves, weight widths that do and do not fill its pairs of
// vector registers (and a width shorter than one), with and without a bias; and the packed CPU
// layers routing one-row inputs to it.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/options/linear.h>

#include "baselines/nn/packed_linear.h"
#include "baselines/nn/skinny_linear.h"

namespace engram {
namespace {

bool cpu_serves(at::ScalarType dtype) {
  return model::skinny_linear_serves(at::zeros({1, 32}, dtype), at::zeros({4, 32}, dtype));
}

// |got - exact| within the output dtype's rounding of the exact value plus float32 accumulation
// error, which grows with the sum of the products' magnitudes.
void expect_close_to_exact(const at::Tensor& got, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                           const std::string& what) {
  const at::Tensor x64 = x.to(at::kDouble), w64 = w.to(at::kDouble);
  const at::Tensor exact = at::linear(x64, w64, b.defined() ? b.to(at::kDouble) : at::Tensor());
  const at::Tensor magnitude = at::linear(x64.abs(), w64.abs(), b.defined() ? b.to(at::kDouble).abs() : at::Tensor());
  const double rounding = got.scalar_type() == at::kBFloat16 ? 1.0 / 256 : 1.2e-7;
  const at::Tensor bound = exact.abs() * rounding + magnitude * 1e-6;
  ASSERT_EQ(got.sizes(), exact.sizes()) << what;
  ASSERT_EQ(got.scalar_type(), x.scalar_type()) << what;
  const at::Tensor excess = (got.to(at::kDouble) - exact).abs() - bound;
  EXPECT_LE(excess.max().item<double>(), 0.0) << what << ": worst error " << (got.to(at::kDouble) - exact).abs().max().item<double>();
}

TEST(SkinnyLinear, MatchesFloat64LinearForEveryServedShape) {
  at::manual_seed(5);
  at::NoGradGuard no_grad;
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    if (!cpu_serves(dtype)) {
      GTEST_SKIP() << "this CPU lacks AVX-512" << (dtype == at::kBFloat16 ? "-BF16" : "");
    }
    for (const int64_t in : {576, 100, 48, 7}) {
      for (const int64_t out : {13, 64}) {
        for (const int64_t rows : {1, 2}) {
          for (const bool with_bias : {false, true}) {
            const at::Tensor x = at::randn({rows, 1, in}).to(dtype);
            const at::Tensor w = at::randn({out, in}).to(dtype);
            const at::Tensor b = with_bias ? at::randn({out}).to(dtype) : at::Tensor();
            ASSERT_TRUE(model::skinny_linear_serves(x, w));
            const std::string what = std::string(c10::toString(dtype)) + " in " + std::to_string(in) + " out " +
                                     std::to_string(out) + " rows " + std::to_string(rows) + (with_bias ? " bias" : "");
            expect_close_to_exact(model::skinny_linear(x, w, b), x, w, b, what);
          }
        }
      }
    }
  }
}

TEST(SkinnyLinear, ServesOnlyFewRowsOfOneDtypeOverAContiguousWeight) {
  if (!cpu_serves(at::kFloat)) GTEST_SKIP() << "this CPU lacks AVX-512";
  const at::Tensor w = at::randn({8, 32});
  EXPECT_TRUE(model::skinny_linear_serves(at::randn({2, 32}), w));
  EXPECT_FALSE(model::skinny_linear_serves(at::randn({3, 32}), w));
  EXPECT_FALSE(model::skinny_linear_serves(at::randn({1, 32}, at::kDouble), w.to(at::kDouble)));
  EXPECT_FALSE(model::skinny_linear_serves(at::randn({1, 32}).to(at::kBFloat16), w));
  EXPECT_FALSE(model::skinny_linear_serves(at::randn({1, 8}), w.t()));  // transposed: not row-major
  EXPECT_FALSE(model::skinny_linear_serves(at::randn({1, 31}), w));
  const at::Tensor trained = w.clone().requires_grad_(true);
  EXPECT_FALSE(model::skinny_linear_serves(at::randn({1, 32}), trained));  // no backward here
}

// Packed layers hand one-row inputs to it: the output is skinny_linear's, bit for bit, for a plain
// Linear and for each member of fused projections; more rows keep the packed GEMM.
TEST(SkinnyLinear, PackedLayersUseItForOneRow) {
  at::manual_seed(6);
  at::NoGradGuard no_grad;
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    if (!cpu_serves(dtype)) GTEST_SKIP() << "this CPU lacks AVX-512";
    model::Linear layer(torch::nn::LinearOptions(64, 40).bias(true));
    layer->to(dtype);
    model::pack_linear_weights(*layer);
    const at::Tensor one = at::randn({1, 1, 64}).to(dtype);
    EXPECT_TRUE(layer->forward(one).equal(model::skinny_linear(one, layer->weight, layer->bias)));

    std::vector<model::Linear> members{model::Linear(torch::nn::LinearOptions(64, 48)),
                                       model::Linear(torch::nn::LinearOptions(64, 16))};
    for (auto& member : members) {
      member->to(dtype);
      model::pack_linear_weights(*member);
    }
    model::FusedProjections fused;
    fused.fuse(members);
    const std::vector<at::Tensor> outputs = fused.forward(one);
    ASSERT_EQ(outputs.size(), 2u);
    for (std::size_t i = 0; i < members.size(); ++i) {
      EXPECT_TRUE(outputs[i].equal(model::skinny_linear(one, members[i]->weight, members[i]->bias))) << i;
    }
    const at::Tensor many = at::randn({8, 64}).to(dtype);
    expect_close_to_exact(layer->forward(many), many, layer->weight, layer->bias, "8 rows, packed GEMM");
  }
}

}  // namespace
}  // namespace engram
