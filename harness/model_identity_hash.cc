#include "harness/model_identity_hash.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "harness/model_identity_cache.h"
#include "tasks/sha256.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

// A digest is cached only once its file's modification time is this far in the past when hashing
// starts: a file rewritten within the same timestamp tick as it was hashed would otherwise keep a
// stale entry (git's "racy" index entries).
constexpr int64_t kSettledNanoseconds = 2'000'000'000;

std::string canonical_hex(const XXH128_hash_t& hash) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : canonical.digest) {
    hex.push_back(digits[byte >> 4]);
    hex.push_back(digits[byte & 15]);
  }
  return hex;
}

struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

struct StateDeleter {
  void operator()(XXH3_state_t* state) const { XXH3_freeState(state); }
};

// Where data starts at or after `offset` (SEEK_DATA); `size` when only a hole follows, `offset` when
// the file system cannot tell.
uint64_t next_data(int fd, uint64_t offset, uint64_t size) {
  const off_t data = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
  if (data >= 0) return std::min<uint64_t>(static_cast<uint64_t>(data), size);
  return errno == ENXIO ? size : offset;
}

// Where the data starting at `offset` ends (SEEK_HOLE; the end of the file counts as a hole).
uint64_t next_hole(int fd, uint64_t offset, uint64_t size) {
  if (offset >= size) return size;
  const off_t hole = ::lseek(fd, static_cast<off_t>(offset), SEEK_HOLE);
  return hole > static_cast<off_t>(offset) ? std::min<uint64_t>(static_cast<uint64_t>(hole), size) : size;
}

// Large reads: the hash runs at memory speed, so the disk sets the pace.
constexpr size_t kChunk = size_t{8} << 20;

void hash_zeros(XXH3_state_t* state, uint64_t count) {
  static const std::vector<char> zeros(size_t{1} << 20, 0);
  while (count > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(count, zeros.size()));
    XXH3_128bits_update(state, zeros.data(), n);
    count -= n;
  }
}

// Hashes bytes [begin, end) of the file; a file that ends early has changed under us.
void hash_range(const fs::path& path, int fd, XXH3_state_t* state, uint64_t begin, uint64_t end,
                std::vector<char>& buffer) {
  while (begin < end) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(end - begin, buffer.size()));
    const ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(begin));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(path.string() + ": read failed while hashing: " + std::strerror(errno));
    if (n == 0) throw std::runtime_error(path.string() + ": changed while it was being hashed (shorter)");
    XXH3_128bits_update(state, buffer.data(), static_cast<size_t>(n));
    begin += static_cast<uint64_t>(n);
  }
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string xxh3_128_hex(const void* data, size_t size) { return canonical_hex(XXH3_128bits(data, size)); }

std::string xxh3_128_file_hex(const fs::path& path) {
  const FileStamp before = stamp_file(path);
  FileDescriptor file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) throw std::runtime_error(path.string() + ": cannot open for hashing: " + std::strerror(errno));
  ::posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::unique_ptr<XXH3_state_t, StateDeleter> state(XXH3_createState());
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) throw std::runtime_error("xxHash: cannot create a state");
  // Holes (sparse files) read as zeros; hashing zeros from memory skips the kernel's copies.
  std::vector<char> buffer(kChunk);
  uint64_t offset = 0;
  while (offset < before.bytes) {
    const uint64_t data = next_data(file.fd, offset, before.bytes);
    hash_zeros(state.get(), data - offset);
    const uint64_t hole = next_hole(file.fd, data, before.bytes);
    hash_range(path, file.fd, state.get(), data, hole, buffer);
    offset = hole;
  }
  if (stamp_file(path) != before) throw std::runtime_error(path.string() + ": changed while it was being hashed");
  return canonical_hex(XXH3_128bits_digest(state.get()));
}

nlohmann::json CheckpointDigest::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  bool all_cached = !files.empty();
  for (const auto& file : files) {
    list.push_back({{"name", file.name}, {"bytes", file.bytes}, {"xxh3_128", file.xxh3_128}});
    all_cached = all_cached && file.from_cache;
  }
  return {{"scope", kCheckpointHashScope}, {"files", list}, {"source", all_cached ? "cached" : "computed"}};
}

CheckpointDigest checkpoint_digest(const fs::path& checkpoint, const CheckpointDigestOptions& options) {
  std::vector<fs::path> paths;
  if (fs::is_regular_file(checkpoint)) {
    paths.push_back(checkpoint);
  } else {
    for (const auto& entry : fs::directory_iterator(checkpoint)) {
      if (entry.is_regular_file() && entry.path().extension() == ".safetensors") paths.push_back(entry.path());
    }
  }
  if (paths.empty()) throw std::runtime_error(checkpoint.string() + ": no *.safetensors files to identify");
  std::sort(paths.begin(), paths.end());
  const fs::path checkpoint_dir = fs::is_regular_file(checkpoint) ? checkpoint.parent_path() : checkpoint;

  std::optional<DigestCache> cache;
  if (options.use_cache) {
    cache.emplace(checkpoint_dir,
                  options.fallback_cache_dir.empty() ? default_fallback_cache_dir() : options.fallback_cache_dir);
  }
  CheckpointDigest digest;
  std::vector<CachedDigest> settled;
  tasks::Sha256 manifest;
  for (const fs::path& path : paths) {
    const int64_t started_ns = now_ns();
    const FileStamp stamp = stamp_file(path);
    WeightFileDigest file{path.filename().string(), stamp.bytes, "", false};
    if (std::optional<std::string> cached = cache ? cache->find(stamp) : std::nullopt) {
      file.xxh3_128 = *cached;
      file.from_cache = true;
    } else {
      file.xxh3_128 = xxh3_128_file_hex(path);
    }
    if (stamp.mtime_ns <= started_ns - kSettledNanoseconds) settled.push_back({stamp, file.xxh3_128});
    manifest.update(file.name + "\t" + std::to_string(file.bytes) + "\t" + file.xxh3_128 + "\n");
    digest.files.push_back(std::move(file));
  }
  digest.manifest_sha256 = manifest.hex_digest();
  const bool computed_any = std::any_of(digest.files.begin(), digest.files.end(),
                                        [](const WeightFileDigest& f) { return !f.from_cache; });
  if (cache && computed_any) cache->save(settled);
  return digest;
}

}  // namespace engram::harness
