#pragma once
// A checkpoint's identity by content: XXH3-128 (xxHash, Debian's libxxhash) of every byte of every
// *.safetensors file, streamed, and a SHA-256 over the manifest of (file name, size, digest). The
// per-file digests are cached (model_identity_cache.h), so a 100 GB checkpoint is read once, and read
// again only when a file's path, size or modification time changes. Torch-free.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::harness {

// What was hashed: every byte of every weight file, with XXH3-128.
inline constexpr const char* kCheckpointHashScope = "all-bytes-xxh3-128";

// Lower-case hex of XXH3-128 (xxHash's canonical big-endian form, as `xxh128sum` and Python's
// xxhash.xxh3_128_hexdigest print it) of every byte of the file. Throws std::runtime_error naming
// the file when it cannot be read or changes size or modification time while being read.
std::string xxh3_128_file_hex(const std::filesystem::path& path);

// The same over bytes in memory.
std::string xxh3_128_hex(const void* data, size_t size);

struct WeightFileDigest {
  std::string name;   // file name within the checkpoint folder
  uint64_t bytes = 0;
  std::string xxh3_128;
  bool from_cache = false;
};

struct CheckpointDigest {
  std::vector<WeightFileDigest> files;  // sorted by name
  // SHA-256 of the manifest: one line "<name>\t<bytes>\t<xxh3_128>\n" per file, in name order.
  std::string manifest_sha256;
  // {"scope": kCheckpointHashScope, "files": [{"name", "bytes", "xxh3_128"}], "source": "cached" |
  // "computed"}: "cached" when every digest came from the cache. `source` is the only run-dependent
  // field.
  nlohmann::json to_json() const;
};

struct CheckpointDigestOptions {
  // Where the cache may go when the checkpoint's folder is not writable; empty: the default
  // ($XDG_CACHE_HOME/engram-bench, else ~/.cache/engram-bench).
  std::filesystem::path fallback_cache_dir;
  bool use_cache = true;
};

// The digest of the *.safetensors files directly in `checkpoint` when it is a folder, or of the one
// weight file it names (a GGUF file). Throws std::runtime_error naming the folder when it holds none.
CheckpointDigest checkpoint_digest(const std::filesystem::path& checkpoint,
                                   const CheckpointDigestOptions& options = {});

}  // namespace engram::harness
