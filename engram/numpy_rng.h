#pragma once
// A port of the parts of NumPy's random machinery that Engram's reference uses to draw its hash
// multipliers: SeedSequence (entropy pool and state generation), the PCG64 bit generator and
// Generator.integers' bounded-integer algorithm (Lemire's method, 64- and 32-bit paths).
// Bit-for-bit equal to numpy >= 1.17 so that multipliers never need Python at run time.

#include <array>
#include <cstdint>
#include <vector>

namespace engram {

// numpy.random.SeedSequence(entropy).generate_state(n_words, dtype=uint32) for a non-negative
// integer entropy (split into little-endian 32-bit words).
std::vector<uint32_t> seed_sequence_state(uint64_t entropy, std::size_t n_words);

class Pcg64 {
 public:
  // Seeds like numpy.random.PCG64(SeedSequence(entropy)).
  explicit Pcg64(uint64_t entropy);
  uint64_t next64();
  // NumPy buffers the upper half of a 64-bit draw for the next 32-bit request.
  uint32_t next32();

 private:
  unsigned __int128 state_ = 0;
  unsigned __int128 increment_ = 0;
  bool has_buffered32_ = false;
  uint32_t buffered32_ = 0;
};

// Generator.integers(low, high, size=count, dtype=int64) with high > low.
std::vector<int64_t> numpy_integers(Pcg64& generator, int64_t low, int64_t high, std::size_t count);

// numpy.random.default_rng(seed).integers(low, high, size=count, dtype=int64).
std::vector<int64_t> default_rng_integers(uint64_t seed, int64_t low, int64_t high, std::size_t count);

}  // namespace engram
