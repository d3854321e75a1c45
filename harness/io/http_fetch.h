#pragma once
// Downloading one URL to one file with libcurl: https for the canonical sources, file:// for
// mirrors and offline tests. No LibTorch. Used by `engram-bench data fetch` through the
// tasks::Downloader seam (tasks/data_catalog.h).

#include <filesystem>
#include <string>

namespace engram::io {

struct HttpFetchOptions {
  long connect_timeout_s = 20;
  long low_speed_timeout_s = 60;  // give up when under 1 KiB/s for this long
};

// Writes the body of `url` to `destination` (created or truncated). Throws std::runtime_error
// naming the URL and the reason: no network / host not resolvable (with a hint that the machine
// may be offline), an HTTP error status, a missing file:// path, a write error.
void fetch_url(const std::string& url, const std::filesystem::path& destination, const HttpFetchOptions& options = {});

}  // namespace engram::io
