#pragma once
// What an Engram layer must remember between decoding steps: its n-grams reach back max_ngram - 1
// tokens and its causal ShortConv reaches back (kernel - 1) * dilation steps.

#include <ATen/core/Tensor.h>

namespace engram {

struct EngramState {
  at::Tensor token_ids;   // [B, <= max_ngram - 1] the latest raw ids
  at::Tensor conv_input;  // [B, <= (kernel - 1) * dilation, branches * hidden] the latest normalised values
};

}  // namespace engram
