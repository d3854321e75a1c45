#pragma once
// The hashing inner loop with AVX-512: the K heads of one n-gram order share one mix value, so eight
// floor-modulo reductions run as one vector computation. Division is estimated in double precision
// and corrected exactly in integers; valid when every table size lies in [2^12, 2^52), which
// simd_moduli_supported checks. Compiled with AVX-512 flags and called only when the CPU has them.

#include <cstdint>

namespace engram::simd {

struct RowHashArgs {
  const int64_t* compressed;  // flattened [batch, length]
  int64_t length;
  const int64_t* multipliers;  // [max_ngram]
  const int64_t* divisors;     // [(max_ngram - 1) * heads]
  const double* reciprocals;   // 1.0 / divisor
  int max_ngram;
  int heads;
  int64_t pad_id;
};

bool simd_moduli_supported(const int64_t* divisors, int count);
bool cpu_has_avx512();
// Positions [begin, end) of the flattened input; out holds heads_total ids per position.
void hash_rows_avx512(const RowHashArgs& args, int64_t begin, int64_t end, int64_t* out);

}  // namespace engram::simd
