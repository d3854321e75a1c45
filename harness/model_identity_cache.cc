#include "harness/model_identity_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engram/atomic_file.h"
#include "harness/model_identity_hash.h"
#include "tasks/sha256.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCacheKind = "engram-bench-identity-cache";
constexpr const char* kBesideName = ".engram-bench-identity.json";

}  // namespace

FileStamp stamp_file(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw std::runtime_error(path.string() + ": cannot stat: " + std::strerror(errno));
  }
  FileStamp stamp;
  stamp.path = fs::canonical(path).string();
  stamp.bytes = static_cast<uint64_t>(info.st_size);
  stamp.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  return stamp;
}

fs::path default_fallback_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "engram-bench";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "engram-bench";
  return {};
}

DigestCache::DigestCache(const fs::path& checkpoint_dir, fs::path fallback_dir)
    : dir_(fs::canonical(checkpoint_dir)), fallback_dir_(std::move(fallback_dir)) {
  load(beside_path());
  if (!fallback_dir_.empty()) load(fallback_path());
}

fs::path DigestCache::beside_path() const { return dir_ / kBesideName; }

fs::path DigestCache::fallback_path() const {
  if (fallback_dir_.empty()) return {};
  return fallback_dir_ / ("identity-" + tasks::sha256_hex(dir_.string()).substr(0, 16) + ".json");
}

void DigestCache::load(const fs::path& file) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) return;
  std::ifstream in(file);
  nlohmann::json cache;
  try {
    cache = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    return;  // unreadable: a cache miss
  }
  // Another program's file, an older scope or a damaged cache: ignored, and replaced on save.
  if (!cache.is_object() || cache.value("kind", "") != kCacheKind || cache.value("scope", "") != kCheckpointHashScope ||
      !cache.contains("files") || !cache["files"].is_array()) {
    return;
  }
  for (const auto& entry : cache["files"]) {
    try {
      CachedDigest cached;
      cached.stamp.path = entry.at("path").get<std::string>();
      cached.stamp.bytes = entry.at("bytes").get<uint64_t>();
      cached.stamp.mtime_ns = entry.at("mtime_ns").get<int64_t>();
      cached.xxh3_128 = entry.at("xxh3_128").get<std::string>();
      if (cached.xxh3_128.size() == 32) entries_.push_back(std::move(cached));
    } catch (const nlohmann::json::exception&) {
      // a damaged entry is a cache miss
    }
  }
}

std::optional<std::string> DigestCache::find(const FileStamp& stamp) const {
  for (const auto& entry : entries_) {
    if (entry.stamp == stamp) return entry.xxh3_128;
  }
  return std::nullopt;
}

std::optional<fs::path> DigestCache::save(const std::vector<CachedDigest>& entries) const {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& entry : entries) {
    files.push_back({{"path", entry.stamp.path},
                     {"bytes", entry.stamp.bytes},
                     {"mtime_ns", entry.stamp.mtime_ns},
                     {"xxh3_128", entry.xxh3_128}});
  }
  const nlohmann::json cache = {{"kind", kCacheKind}, {"scope", kCheckpointHashScope}, {"files", files}};
  const std::string text = cache.dump(1) + "\n";
  for (const fs::path& target : {beside_path(), fallback_path()}) {
    if (target.empty()) continue;
    try {
      fs::create_directories(target.parent_path());
      write_file_atomically(target.string(), text);
      return target;
    } catch (const std::exception&) {
      // not writable here: try the next place
    }
  }
  return std::nullopt;
}

}  // namespace engram::harness
