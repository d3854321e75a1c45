#include "engram/ngram_hash_simd.h"

#include <immintrin.h>

namespace engram::simd {

bool simd_moduli_supported(const int64_t* divisors, int count) {
  // |x / p| * 3 * 2^-53 < 1 for |x| < 2^63 keeps the double estimate within one of the floor quotient.
  for (int i = 0; i < count; ++i) {
    if (divisors[i] < (int64_t{1} << 12) || divisors[i] >= (int64_t{1} << 52)) return false;
  }
  return true;
}

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

void hash_rows_avx512(const RowHashArgs& args, int64_t begin, int64_t end, int64_t* out) {
  const int heads = args.heads;
  const int total_heads = (args.max_ngram - 1) * heads;
  const __m512i zero = _mm512_setzero_si512();
  // t is the position within its row; counted rather than divided for on every step.
  for (int64_t pos = begin, t = begin % args.length; pos < end; ++pos, t = t + 1 == args.length ? 0 : t + 1) {
    const int64_t* current = args.compressed + pos;
    int64_t* dst = out + pos * total_heads;
    uint64_t mix = static_cast<uint64_t>(current[0]) * static_cast<uint64_t>(args.multipliers[0]);
    for (int n = 2; n <= args.max_ngram; ++n) {
      const int k = n - 1;
      const int64_t token = t >= k ? current[-k] : args.pad_id;
      mix ^= static_cast<uint64_t>(token) * static_cast<uint64_t>(args.multipliers[k]);
      const __m512i x = _mm512_set1_epi64(static_cast<int64_t>(mix));
      const __m512d xd = _mm512_set1_pd(static_cast<double>(static_cast<int64_t>(mix)));
      const int order_base = (n - 2) * heads;
      for (int j = 0; j < heads; j += 8) {
        const __mmask8 lanes = heads - j >= 8 ? 0xFF : static_cast<__mmask8>((1u << (heads - j)) - 1u);
        const __m512i p = _mm512_maskz_loadu_epi64(lanes, args.divisors + order_base + j);
        const __m512d inv = _mm512_maskz_loadu_pd(lanes, args.reciprocals + order_base + j);
        const __m512i q =
            _mm512_cvt_roundpd_epi64(_mm512_mul_pd(xd, inv), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        // x - q*p wraps in int64 to the small exact remainder (off by at most one divisor).
        __m512i r = _mm512_sub_epi64(x, _mm512_mullo_epi64(q, p));
        r = _mm512_mask_add_epi64(r, _mm512_cmplt_epi64_mask(r, zero), r, p);
        r = _mm512_mask_sub_epi64(r, _mm512_cmpge_epi64_mask(r, p), r, p);
        _mm512_mask_storeu_epi64(dst + order_base + j, lanes, r);
      }
    }
  }
}

}  // namespace engram::simd
