#pragma once
// The cache of weight-file digests (model_identity_hash.h), so that a checkpoint is read in full once.
// An entry is valid while its file keeps the same canonical path, size and modification time (in
// nanoseconds). A folder's cache is one JSON file beside the checkpoint,
// DIR/.engram-bench-identity.json, or, when DIR is not writable, FALLBACK/identity-<first 16 hex of
// the SHA-256 of DIR's canonical path>.json. It is written atomically (a temporary file renamed over
// it). A cache that cannot be read or parsed is ignored and rewritten: it only ever saves time.
// Torch-free.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace engram::harness {

// What identifies a file's state for the cache.
struct FileStamp {
  std::string path;  // canonical
  uint64_t bytes = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp& other) const {
    return path == other.path && bytes == other.bytes && mtime_ns == other.mtime_ns;
  }
  bool operator!=(const FileStamp& other) const { return !(*this == other); }
};

// stat(2) of the file; throws std::runtime_error naming it when it cannot.
FileStamp stamp_file(const std::filesystem::path& path);

// $XDG_CACHE_HOME/engram-bench, else $HOME/.cache/engram-bench (empty when neither is set).
std::filesystem::path default_fallback_cache_dir();

struct CachedDigest {
  FileStamp stamp;
  std::string xxh3_128;
};

class DigestCache {
 public:
  // The cache of `checkpoint_dir`: the entries beside it and in the fallback folder.
  DigestCache(const std::filesystem::path& checkpoint_dir, std::filesystem::path fallback_dir);

  // The digest recorded for exactly this stamp, if any.
  std::optional<std::string> find(const FileStamp& stamp) const;
  // Writes these entries (the folder's current files) beside the checkpoint, else in the fallback
  // folder; the path written, or nullopt when neither could be written.
  std::optional<std::filesystem::path> save(const std::vector<CachedDigest>& entries) const;

  std::filesystem::path beside_path() const;
  std::filesystem::path fallback_path() const;  // empty without a fallback folder

 private:
  void load(const std::filesystem::path& file);
  std::filesystem::path dir_;
  std::filesystem::path fallback_dir_;
  std::vector<CachedDigest> entries_;
};

}  // namespace engram::harness
