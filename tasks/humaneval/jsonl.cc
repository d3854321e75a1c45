#include "tasks/humaneval/jsonl.h"

#include <zlib.h>

#include <cstdio>
#include <memory>
#include <vector>

#include <fmt/format.h>

namespace engram::tasks::humaneval {

namespace {

std::string where(const std::string& file, size_t line) {
  return line > 0 ? fmt::format("{}:{}", file, line) : file;
}

struct GzCloser {
  void operator()(gzFile f) const {
    if (f) gzclose(f);
  }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

DataError::DataError(std::string file, size_t line, const std::string& message)
    : std::runtime_error(where(file, line) + ": " + message), file_(std::move(file)), line_(line) {}

void read_jsonl(const std::filesystem::path& path, const std::function<void(const nlohmann::json&, size_t)>& fn) {
  const std::string file = path.string();
  if (!std::filesystem::exists(path)) throw DataError(file, 0, "no such file");
  GzHandle gz(gzopen(file.c_str(), "rb"));
  if (!gz) throw DataError(file, 0, "cannot open");
  gzbuffer(gz.get(), 1 << 17);

  std::string pending;
  size_t line_no = 0;
  auto handle_line = [&](std::string& line) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) return;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw DataError(file, line_no, std::string("invalid JSON: ") + e.what());
    }
    if (!record.is_object()) throw DataError(file, line_no, std::string("expected a JSON object, got ") + record.type_name());
    fn(record, line_no);
  };

  std::vector<char> buf(1 << 17);
  for (;;) {
    int n = gzread(gz.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err = 0;
      const char* msg = gzerror(gz.get(), &err);
      throw DataError(file, line_no + 1, std::string("read error: ") + (msg ? msg : "unknown"));
    }
    if (n == 0) break;
    size_t start = 0;
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
      if (buf[i] == '\n') {
        pending.append(buf.data() + start, i - start);
        handle_line(pending);
        pending.clear();
        start = i + 1;
      }
    }
    pending.append(buf.data() + start, static_cast<size_t>(n) - start);
  }
  int err = 0;
  const char* msg = gzerror(gz.get(), &err);
  if (err != Z_OK && err != Z_STREAM_END) {
    throw DataError(file, line_no + 1, std::string("corrupt or truncated file: ") + (msg ? msg : "unknown"));
  }
  if (!pending.empty()) handle_line(pending);
}

std::string string_field(const nlohmann::json& record, const char* key, const std::filesystem::path& file,
                         size_t line) {
  auto it = record.find(key);
  if (it == record.end()) throw DataError(file.string(), line, fmt::format("missing field '{}'", key));
  if (!it->is_string())
    throw DataError(file.string(), line, fmt::format("field '{}' is {}, not a string", key, it->type_name()));
  return it->get<std::string>();
}

void write_jsonl(const std::filesystem::path& path, const std::vector<nlohmann::json>& records) {
  const std::string file = path.string();
  const std::string tmp = file + ".tmp";
  const bool gzip = ends_with(file, ".gz");
  {
    GzHandle gz(gzopen(tmp.c_str(), gzip ? "wb6" : "wbT"));
    if (!gz) throw std::runtime_error("cannot write " + tmp);
    for (const auto& r : records) {
      std::string line = r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      if (gzwrite(gz.get(), line.data(), static_cast<unsigned>(line.size())) != static_cast<int>(line.size()))
        throw std::runtime_error("write error on " + tmp);
    }
    if (gzclose(gz.release()) != Z_OK) throw std::runtime_error("write error on " + tmp);
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + file);
}

}  // namespace engram::tasks::humaneval
