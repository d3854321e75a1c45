#include "harness/io/http_fetch.h"

#include <curl/curl.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace engram::io {
namespace {

size_t write_to_file(char* data, size_t size, size_t count, void* file) {
  return std::fwrite(data, size, count, static_cast<std::FILE*>(file)) * size;
}

// curl_global_init is not thread-safe and must run once per process.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl failed to initialise");
  });
}

std::string explain(CURLcode code, long http_status) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "cannot resolve the host name: this machine looks offline (or DNS is blocked)";
    case CURLE_COULDNT_CONNECT:
      return "cannot connect to the host: this machine looks offline (or a firewall blocks it)";
    case CURLE_OPERATION_TIMEDOUT:
      return "timed out";
    case CURLE_HTTP_RETURNED_ERROR:
      return "HTTP status " + std::to_string(http_status);
    case CURLE_FILE_COULDNT_READ_FILE:
      return "no such file";
    default:
      return curl_easy_strerror(code);
  }
}

}  // namespace

void fetch_url(const std::string& url, const std::filesystem::path& destination, const HttpFetchOptions& options) {
  init_curl_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("libcurl: cannot create a handle");
  std::unique_ptr<std::FILE, decltype(&std::fclose)> out(std::fopen(destination.c_str(), "wb"), std::fclose);
  if (!out) throw std::runtime_error("cannot write " + destination.string());
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, write_to_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, out.get());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, options.connect_timeout_s);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, options.low_speed_timeout_s);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "engram-bench-data-fetch");
  const CURLcode code = curl_easy_perform(curl.get());
  long http_status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &http_status);
  const bool flushed = std::fflush(out.get()) == 0;
  if (code != CURLE_OK) {
    std::string reason = explain(code, http_status);
    if (error[0] && reason.find(error) == std::string::npos) reason += " (" + std::string(error) + ")";
    throw std::runtime_error("cannot download " + url + ": " + reason);
  }
  if (!flushed) throw std::runtime_error("cannot write " + destination.string() + " (disk full?)");
}

}  // namespace engram::io
