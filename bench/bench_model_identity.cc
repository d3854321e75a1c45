// Throughput of the model identity's streaming XXH3-128 (harness/model_identity_hash.h) on real
// files, from the disk ("cold": the files' pages are dropped from the page cache first with
// posix_fadvise(DONTNEED), which needs no privileges but leaves pages other processes pin) and from
// the page cache ("warm": the files were just read). One JSON line per pass.
//
//   bench_model_identity FILE_OR_DIR [--passes cold,warm,warm]
//
// A folder is hashed as a checkpoint (its *.safetensors files, without the cache); a file on its own.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/model_identity_hash.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_of(const fs::path& target) {
  if (!fs::is_directory(target)) return {target};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(target)) {
    if (entry.is_regular_file() && entry.path().extension() == ".safetensors") files.push_back(entry.path());
  }
  return files;
}

void drop_from_page_cache(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

nlohmann::json run_pass(const fs::path& target, const std::string& kind) {
  const std::vector<fs::path> files = files_of(target);
  if (kind == "cold") {
    for (const auto& file : files) drop_from_page_cache(file);
  }
  uint64_t bytes = 0;
  for (const auto& file : files) bytes += fs::file_size(file);
  const auto started = std::chrono::steady_clock::now();
  std::string digest;
  if (fs::is_directory(target)) {
    engram::harness::CheckpointDigestOptions options;
    options.use_cache = false;
    digest = engram::harness::checkpoint_digest(target, options).manifest_sha256;
  } else {
    digest = engram::harness::xxh3_128_file_hex(target);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return {{"pass", kind},        {"files", files.size()}, {"bytes", bytes},
          {"seconds", seconds}, {"gb_per_s", static_cast<double>(bytes) / seconds / 1e9},
          {"digest", digest}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_model_identity FILE_OR_DIR [--passes cold,warm,warm]\n";
    return 2;
  }
  std::string passes = "cold,warm";
  if (argc >= 4 && std::string(argv[2]) == "--passes") passes = argv[3];
  std::stringstream list(passes);
  std::string kind;
  try {
    while (std::getline(list, kind, ',')) {
      if (kind != "cold" && kind != "warm") throw std::invalid_argument("--passes: expected cold or warm, got " + kind);
      std::cout << run_pass(argv[1], kind).dump() << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_model_identity: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
