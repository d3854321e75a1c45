#pragma once
// SHA-256 (FIPS 180-4), written here so that tasks/ hashes prompts and protocol descriptions without
// pulling in a crypto library. Used for prompt hashes in sample records, replay keys and protocol
// fingerprints; nothing here is security-sensitive, but the digest must be the standard one so that
// hashes can be checked with `sha256sum` or Python's hashlib.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace engram::tasks {

class Sha256 {
 public:
  Sha256();
  Sha256& update(std::string_view data);
  Sha256& update(const void* data, size_t size);
  // The file's bytes (its first max_bytes when given); std::runtime_error naming it when unreadable.
  Sha256& update_file(const std::filesystem::path& path, std::optional<uint64_t> max_bytes = std::nullopt);
  std::array<uint8_t, 32> digest();  // finishes; the object must not be updated afterwards
  std::string hex_digest();          // lower-case hex of digest()

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

// Lower-case hex SHA-256 of a string.
std::string sha256_hex(std::string_view data);

}  // namespace engram::tasks
