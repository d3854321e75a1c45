#include "engram/numpy_rng.h"

#include <stdexcept>

namespace engram {
namespace {

// Constants of numpy/random/bit_generator.pyx (SeedSequence, 32-bit words, pool of 4).
constexpr uint32_t kInitA = 0x43b0d7e5u;
constexpr uint32_t kMultA = 0x931e8875u;
constexpr uint32_t kInitB = 0x8b51f9ddu;
constexpr uint32_t kMultB = 0x58f38dedu;
constexpr uint32_t kMixMultL = 0xca01f9ddu;
constexpr uint32_t kMixMultR = 0x4973f715u;
constexpr int kXShift = 16;
constexpr std::size_t kPoolSize = 4;

uint32_t hashmix(uint32_t value, uint32_t& hash_const) {
  value ^= hash_const;
  hash_const *= kMultA;
  value *= hash_const;
  value ^= value >> kXShift;
  return value;
}

uint32_t mix(uint32_t x, uint32_t y) {
  uint32_t result = kMixMultL * x - kMixMultR * y;
  result ^= result >> kXShift;
  return result;
}

std::vector<uint32_t> entropy_words(uint64_t entropy) {
  std::vector<uint32_t> words{static_cast<uint32_t>(entropy)};
  if (entropy >> 32) words.push_back(static_cast<uint32_t>(entropy >> 32));
  return words;
}

}  // namespace

std::vector<uint32_t> seed_sequence_state(uint64_t entropy, std::size_t n_words) {
  const std::vector<uint32_t> words = entropy_words(entropy);
  std::array<uint32_t, kPoolSize> pool{};
  uint32_t hash_const = kInitA;
  for (std::size_t i = 0; i < kPoolSize; ++i) {
    pool[i] = hashmix(i < words.size() ? words[i] : 0u, hash_const);
  }
  for (std::size_t src = 0; src < kPoolSize; ++src) {
    for (std::size_t dst = 0; dst < kPoolSize; ++dst) {
      if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src], hash_const));
    }
  }
  for (std::size_t src = kPoolSize; src < words.size(); ++src) {
    for (std::size_t dst = 0; dst < kPoolSize; ++dst) {
      pool[dst] = mix(pool[dst], hashmix(words[src], hash_const));
    }
  }
  std::vector<uint32_t> state(n_words);
  uint32_t out_const = kInitB;
  for (std::size_t i = 0; i < n_words; ++i) {
    uint32_t value = pool[i % kPoolSize];
    value ^= out_const;
    out_const *= kMultB;
    value *= out_const;
    value ^= value >> kXShift;
    state[i] = value;
  }
  return state;
}

namespace {
constexpr unsigned __int128 kPcgMultiplier =
    (static_cast<unsigned __int128>(0x2360ED051FC65DA4ull) << 64) | 0x4385DF649FCCF645ull;

unsigned __int128 join(uint64_t hi, uint64_t lo) {
  return (static_cast<unsigned __int128>(hi) << 64) | lo;
}
}  // namespace

Pcg64::Pcg64(uint64_t entropy) {
  const std::vector<uint32_t> words = seed_sequence_state(entropy, 8);
  uint64_t s[4];
  for (int i = 0; i < 4; ++i) {
    s[i] = static_cast<uint64_t>(words[2 * i]) | (static_cast<uint64_t>(words[2 * i + 1]) << 32);
  }
  const unsigned __int128 initial_state = join(s[0], s[1]);
  increment_ = (join(s[2], s[3]) << 1) | 1u;
  state_ = 0;
  state_ = state_ * kPcgMultiplier + increment_;
  state_ += initial_state;
  state_ = state_ * kPcgMultiplier + increment_;
}

uint64_t Pcg64::next64() {
  state_ = state_ * kPcgMultiplier + increment_;
  const uint64_t hi = static_cast<uint64_t>(state_ >> 64);
  const uint64_t lo = static_cast<uint64_t>(state_);
  const uint64_t folded = hi ^ lo;
  const unsigned rotation = static_cast<unsigned>(hi >> 58);
  return (folded >> rotation) | (folded << ((64u - rotation) & 63u));
}

uint32_t Pcg64::next32() {
  if (has_buffered32_) {
    has_buffered32_ = false;
    return buffered32_;
  }
  const uint64_t draw = next64();
  has_buffered32_ = true;
  buffered32_ = static_cast<uint32_t>(draw >> 32);
  return static_cast<uint32_t>(draw);
}

namespace {

uint64_t bounded_lemire64(Pcg64& generator, uint64_t range) {
  const uint64_t exclusive = range + 1;
  unsigned __int128 product = static_cast<unsigned __int128>(generator.next64()) * exclusive;
  uint64_t leftover = static_cast<uint64_t>(product);
  if (leftover < exclusive) {
    const uint64_t threshold = (UINT64_MAX - range) % exclusive;
    while (leftover < threshold) {
      product = static_cast<unsigned __int128>(generator.next64()) * exclusive;
      leftover = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

uint32_t bounded_lemire32(Pcg64& generator, uint32_t range) {
  const uint32_t exclusive = range + 1;
  uint64_t product = static_cast<uint64_t>(generator.next32()) * exclusive;
  uint32_t leftover = static_cast<uint32_t>(product);
  if (leftover < exclusive) {
    const uint32_t threshold = (UINT32_MAX - range) % exclusive;
    while (leftover < threshold) {
      product = static_cast<uint64_t>(generator.next32()) * exclusive;
      leftover = static_cast<uint32_t>(product);
    }
  }
  return static_cast<uint32_t>(product >> 32);
}

}  // namespace

std::vector<int64_t> numpy_integers(Pcg64& generator, int64_t low, int64_t high, std::size_t count) {
  if (high <= low) throw std::invalid_argument("numpy_integers: high must be greater than low");
  // numpy draws from the closed range [low, high - 1].
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) - 1u;
  std::vector<int64_t> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    uint64_t offset;
    if (range == 0) {
      offset = 0;
    } else if (range <= 0xFFFFFFFFull) {
      offset = range == 0xFFFFFFFFull ? generator.next32()
                                      : bounded_lemire32(generator, static_cast<uint32_t>(range));
    } else if (range == UINT64_MAX) {
      offset = generator.next64();
    } else {
      offset = bounded_lemire64(generator, range);
    }
    out[i] = static_cast<int64_t>(static_cast<uint64_t>(low) + offset);
  }
  return out;
}

std::vector<int64_t> default_rng_integers(uint64_t seed, int64_t low, int64_t high, std::size_t count) {
  Pcg64 generator(seed);
  return numpy_integers(generator, low, high, count);
}

}  // namespace engram
