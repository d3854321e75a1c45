#pragma once
// Reading tokenizer.json fields with errors that name the field. The parsers report a dotted path
// ("pre_tokenizer.pretokenizers[2].pattern"); Tokenizer::load puts the file name in front, so a
// user sees "…/tokenizer.json: pre_tokenizer.pretokenizers[2].type 'Foo' is not supported".

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace engram::tokenizer {

using json = nlohmann::json;

// A problem with one field of a tokenizer file; the message starts with the field path.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail_field(const std::string& field, const std::string& what) {
  throw ConfigError(field + " " + what);
}

inline std::string join_field(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

inline std::string index_field(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

// The member `key` of obj, which must be present (null counts as present).
inline const json& required(const json& obj, std::string_view key, const std::string& where) {
  if (!obj.is_object()) fail_field(where, "must be a JSON object");
  const auto it = obj.find(std::string(key));
  if (it == obj.end()) fail_field(join_field(where, key), "is missing");
  return *it;
}

// The member `key` of obj, or nullptr when absent or null.
inline const json* optional_member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

inline std::string required_string(const json& obj, std::string_view key, const std::string& where) {
  const json& v = required(obj, key, where);
  if (!v.is_string()) fail_field(join_field(where, key), "must be a string");
  return v.get<std::string>();
}

inline std::optional<std::string> optional_string(const json& obj, std::string_view key,
                                                  const std::string& where) {
  const json* v = optional_member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail_field(join_field(where, key), "must be a string or null");
  return v->get<std::string>();
}

inline bool bool_or(const json& obj, std::string_view key, bool fallback, const std::string& where) {
  const json* v = optional_member(obj, key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail_field(join_field(where, key), "must be true or false");
  return v->get<bool>();
}

inline int64_t int_or(const json& obj, std::string_view key, int64_t fallback, const std::string& where) {
  const json* v = optional_member(obj, key);
  if (!v) return fallback;
  if (!v->is_number_integer()) fail_field(join_field(where, key), "must be an integer");
  return v->get<int64_t>();
}

// The component's "type" string, for the dispatch in each factory.
inline std::string type_of(const json& obj, const std::string& where) {
  return required_string(obj, "type", where);
}

[[noreturn]] inline void unsupported_type(const std::string& where, const std::string& type) {
  fail_field(join_field(where, "type"), "'" + type + "' is not supported");
}

}  // namespace engram::tokenizer
