#pragma once
// A JSON Schema (draft 2020-12) validator for the subset of the specification that the report
// schemas in results/schema/ use. A schema that uses any keyword outside that subset is refused when
// the validator is built, so that no part of a schema can go silently unchecked.
//
// Supported: boolean schemas; type (a name or a list of names, which is how "nullable" is written);
// properties, required, additionalProperties, patternProperties, minProperties; items, prefixItems,
// minItems, maxItems; enum, const; minimum, maximum, exclusiveMinimum, exclusiveMaximum;
// minLength, maxLength, pattern (std::regex, ECMAScript grammar, unanchored as the spec says);
// $ref to a local JSON pointer ("#", "#/$defs/name"); anyOf, oneOf, allOf, not. Annotations that
// do not constrain ($schema, $id, $comment, $defs, title, description, default, examples,
// deprecated) are accepted. "format" is refused rather than ignored: use "pattern".

#include <cstddef>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::report {

// One failed check: where in the instance (a JSON pointer, "" for the root), which keyword failed
// and where that keyword sits in the schema.
struct SchemaViolation {
  std::string instance_pointer;  // e.g. "/tasks/mmlu/metrics/acc,none/value"
  std::string keyword;           // e.g. "maximum"
  std::string schema_pointer;    // e.g. "#/$defs/metric/properties/value/maximum"
  std::string message;           // e.g. "1.7 is above maximum 1"
  // "<instance pointer>: <message>", with "(root)" for the root.
  std::string to_string() const;
};

// The schema itself is malformed or uses a keyword this validator does not implement.
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SchemaValidator {
 public:
  // `schema_name` names the schema in SchemaError messages (a file name, usually).
  explicit SchemaValidator(nlohmann::json schema, std::string schema_name = "schema");

  // Every violation found, in document order; empty when the instance is valid. Inside anyOf/oneOf
  // the alternatives' own violations are summarised in the combinator's message.
  std::vector<SchemaViolation> validate(const nlohmann::json& instance) const;
  bool is_valid(const nlohmann::json& instance) const { return validate(instance).empty(); }

  const nlohmann::json& schema() const { return schema_; }
  const std::string& name() const { return name_; }

 private:
  void check_schema(const nlohmann::json& node, const std::string& pointer);
  void validate_node(const nlohmann::json& node, const std::string& schema_pointer, const nlohmann::json& instance,
                     const std::string& instance_pointer, std::vector<SchemaViolation>& out, size_t depth) const;
  // The steps of validate_node, one per kind of keyword; a Site is one schema node applied to one
  // instance value, with where the violations go (defined in schema_validator.cc).
  struct Site;
  void validate_child(const Site& site, const nlohmann::json& node, const std::string& schema_pointer,
                      const nlohmann::json& instance, const std::string& instance_pointer) const;
  static bool check_type(const Site& site);
  static void check_enum_and_const(const Site& site);
  static void check_number(const Site& site);
  void check_string(const Site& site) const;
  void check_object(const Site& site) const;
  void check_array(const Site& site) const;
  void check_combinators(const Site& site) const;
  void check_any_or_one_of(const Site& site, const std::string& combinator) const;
  const nlohmann::json& resolve_ref(const std::string& ref) const;

  nlohmann::json schema_;
  std::string name_;
  std::map<std::string, std::regex> patterns_;  // compiled once, keyed by pattern text
};

// JSON pointer escaping of one reference token ("~" -> "~0", "/" -> "~1").
std::string json_pointer_token(const std::string& key);

}  // namespace engram::report
