#pragma once
// The crash-safe journal: every finished instance's raw model response, appended and flushed as
// soon as it exists, keyed by content so that a rerun finds it whatever the batch size, the order
// or the number of processes that produced it:
//
//   key = SHA-256 of {model fingerprint, task name, task version, request type, prompt hash,
//                     the request's decoding settings (stop strings, budget, sampling, seed) or its
//                     scored continuations}
//
// One JSON object per line: {"key", "task", "doc_id", "type", "response": {...}, "model_seconds"}, plus one
// {"model_fingerprint", "model": describe()} line per model that wrote to it (rescoring reports it). A line is written
// with one write(2) on an O_APPEND descriptor, so concurrent writers never interleave inside a
// line, and a kill leaves at most one torn line at the end; sync() (fdatasync) after each chunk makes
// the answers durable across a power loss too. A torn line (not valid JSON, or without its newline)
// is accepted only as the last line: it is ignored, counted, and cut off before the next append. A
// bad line anywhere else is an error naming the file and the line.
// Scoring reads responses only, so a journal is enough to redo the scoring without the model.
// "model_seconds" (optional; journals written before it lack it) is the instance's share of the
// model call that answered it (the call's wall seconds over its instances), so that a report joined
// from several resumed runs can still say what the whole evaluation cost.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "tasks/task.h"

namespace engram::tasks {

// The content key of one instance's request under a model.
std::string journal_key(const std::string& model_fingerprint, const Task& task, const Instance& instance);

// InstanceResponse <-> JSON, exact: doubles round-trip bit for bit; text that is not valid UTF-8
// is stored as hex ("text_hex") so that it comes back byte for byte.
nlohmann::json response_to_json(const InstanceResponse& response);
InstanceResponse response_from_json(const nlohmann::json& json);

class Journal {
 public:
  // Opens (creating when missing) the journal at `path` and loads what it holds. A torn last line is
  // skipped and counted; a torn line before other lines, or a line that parses but lacks a field, is
  // an error naming the file and line.
  explicit Journal(std::filesystem::path path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Adds the answers and model records of another journal (another process's, in a data-parallel
  // run: harness/distributed/) read-only: its torn last line is skipped, not counted, and never cut.
  void import_answers(const std::filesystem::path& other);
  // Appends (synced) the imported answers and model records this journal's own file lacks, so that
  // it alone holds everything and the other files can go. Returns how many lines it appended.
  size_t adopt_imported();

  const InstanceResponse* find(const std::string& key) const;
  // The model seconds recorded with the answer for `key`, if its line has them.
  std::optional<double> model_seconds(const std::string& key) const;
  // Appends one line with one write(2) (and remembers it); durable once sync() returns. `model_seconds`
  // is written when given (answers relayed from other processes have none of their own).
  void append(const std::string& key, const Task& task, const Instance& instance, const InstanceResponse& response,
              std::optional<double> model_seconds = std::nullopt);
  // fdatasync(2): what was appended survives a crash of the machine, not just of the process.
  void sync();

  // Records a model's description once, synced (a no-op when the journal already has it).
  void record_model(const std::string& fingerprint, const nlohmann::json& description);
  const std::map<std::string, nlohmann::json>& models() const { return models_; }

  size_t size() const { return entries_.size(); }
  size_t torn_lines() const { return torn_lines_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  void load();
  // Loads the lines of `file` into entries_ and models_; returns where its torn last line starts
  // (torn_lines_ is set to 1 when it has one).
  uint64_t read_lines(const std::filesystem::path& file, bool own);
  void truncate_torn_tail();
  void append_line(const nlohmann::json& entry);
  std::optional<uint64_t> torn_tail_offset_;  // where the torn last line starts, until it is cut
  uint64_t loaded_bytes_ = 0;

  struct Entry {
    InstanceResponse response;
    std::optional<double> model_seconds;  // absent on lines written before journals recorded it
  };
  std::unordered_map<std::string, Entry> entries_;
  std::map<std::string, nlohmann::json> models_;
  // What only imported files hold (key or model fingerprint -> its line), until adopted.
  std::unordered_set<std::string> own_keys_;
  std::map<std::string, nlohmann::json> imported_lines_;
  size_t torn_lines_ = 0;
};

}  // namespace engram::tasks
