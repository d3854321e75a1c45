#include "harness/report/schema_validator.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace engram::report {
namespace {

using nlohmann::json;

// Deep enough for any real report; a $ref loop that consumes no input ("$ref": "#") hits it.
constexpr size_t kMaxDepth = 256;
// How many of an alternative's violations an anyOf/oneOf message quotes.
constexpr size_t kQuotedPerAlternative = 2;

const std::set<std::string>& annotation_keywords() {
  static const std::set<std::string> keywords = {"$schema", "$id",     "$comment",  "title",
                                                  "description", "default", "examples", "deprecated"};
  return keywords;
}

const std::set<std::string>& type_names() {
  static const std::set<std::string> names = {"null", "boolean", "object", "array", "number", "integer", "string"};
  return names;
}

bool is_integral(const json& value) {
  if (value.is_number_integer()) return true;
  if (!value.is_number_float()) return false;
  const double x = value.get<double>();
  return std::isfinite(x) && std::floor(x) == x;
}

bool has_type(const json& value, const std::string& type) {
  if (type == "null") return value.is_null();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "number") return value.is_number();
  if (type == "integer") return is_integral(value);
  return value.is_string();
}

std::string type_of(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "boolean";
  if (value.is_object()) return "object";
  if (value.is_array()) return "array";
  if (is_integral(value)) return "integer";
  if (value.is_number()) return "number";
  return "string";
}

// A short rendering of a value for messages: scalars in full (up to a limit), containers by kind.
std::string describe_value(const json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array of " + std::to_string(value.size());
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr size_t kLimit = 80;
  if (text.size() > kLimit) text = text.substr(0, kLimit) + "...";
  return text;
}

size_t utf8_length(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

std::string join_types(const json& type) {
  if (type.is_string()) return type.get<std::string>();
  std::string out;
  for (size_t i = 0; i < type.size(); ++i) {
    if (i) out += i + 1 == type.size() ? " or " : ", ";
    out += type[i].get<std::string>();
  }
  return out;
}

std::string plural(size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

}  // namespace

std::string json_pointer_token(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string SchemaViolation::to_string() const {
  return (instance_pointer.empty() ? std::string("(root)") : instance_pointer) + ": " + message;
}

SchemaValidator::SchemaValidator(json schema, std::string schema_name)
    : schema_(std::move(schema)), name_(std::move(schema_name)) {
  check_schema(schema_, "#");
}

void SchemaValidator::check_schema(const json& node, const std::string& pointer) {
  const auto fail = [&](const std::string& what) { throw SchemaError(name_ + ": " + pointer + ": " + what); };
  if (node.is_boolean()) return;
  if (!node.is_object()) fail("a schema must be an object or a boolean");
  const auto require_schema_array = [&](const json& value, const std::string& keyword) {
    if (!value.is_array() || value.empty()) fail(keyword + " must be a non-empty array of schemas");
    for (size_t i = 0; i < value.size(); ++i) check_schema(value[i], pointer + "/" + keyword + "/" + std::to_string(i));
  };
  const auto require_schema_map = [&](const json& value, const std::string& keyword) {
    if (!value.is_object()) fail(keyword + " must be an object of schemas");
    for (const auto& [key, child] : value.items()) check_schema(child, pointer + "/" + keyword + "/" + json_pointer_token(key));
  };
  const auto require_count = [&](const json& value, const std::string& keyword) {
    if (!is_integral(value) || value.get<double>() < 0) fail(keyword + " must be a non-negative integer");
  };
  const auto compile = [&](const std::string& pattern, const std::string& keyword) {
    if (patterns_.count(pattern)) return;
    try {
      patterns_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript));
    } catch (const std::regex_error& e) {
      fail(keyword + " \"" + pattern + "\" is not a valid regular expression: " + e.what());
    }
  };

  for (const auto& [keyword, value] : node.items()) {
    if (annotation_keywords().count(keyword)) continue;
    if (keyword == "$defs") {
      require_schema_map(value, keyword);
    } else if (keyword == "type") {
      const json names = value.is_array() ? value : json::array({value});
      if (names.empty()) fail("type must name at least one type");
      std::set<std::string> seen;
      for (const json& name : names) {
        if (!name.is_string() || !type_names().count(name.get<std::string>())) {
          fail("type " + name.dump() + " is not one of null, boolean, object, array, number, integer, string");
        }
        if (!seen.insert(name.get<std::string>()).second) fail("type lists " + name.dump() + " twice");
      }
    } else if (keyword == "properties") {
      require_schema_map(value, keyword);
    } else if (keyword == "patternProperties") {
      require_schema_map(value, keyword);
      for (const auto& [pattern, child] : value.items()) compile(pattern, keyword);
    } else if (keyword == "additionalProperties" || keyword == "items" || keyword == "not") {
      if (keyword == "items" && value.is_array()) fail("items as an array is draft-07; use prefixItems");
      check_schema(value, pointer + "/" + keyword);
    } else if (keyword == "required") {
      if (!value.is_array()) fail("required must be an array of property names");
      for (const json& name : value) {
        if (!name.is_string()) fail("required must be an array of property names");
      }
    } else if (keyword == "prefixItems" || keyword == "anyOf" || keyword == "oneOf" || keyword == "allOf") {
      require_schema_array(value, keyword);
    } else if (keyword == "minItems" || keyword == "maxItems" || keyword == "minLength" || keyword == "maxLength" ||
               keyword == "minProperties") {
      require_count(value, keyword);
    } else if (keyword == "minimum" || keyword == "maximum" || keyword == "exclusiveMinimum" ||
               keyword == "exclusiveMaximum") {
      if (!value.is_number()) fail(keyword + " must be a number");
    } else if (keyword == "enum") {
      if (!value.is_array() || value.empty()) fail("enum must be a non-empty array");
    } else if (keyword == "const") {
      // any value
    } else if (keyword == "pattern") {
      if (!value.is_string()) fail("pattern must be a string");
      compile(value.get<std::string>(), keyword);
    } else if (keyword == "$ref") {
      if (!value.is_string()) fail("$ref must be a string");
      resolve_ref(value.get<std::string>());
    } else {
      fail("keyword \"" + keyword + "\" is not supported by this validator (it would go unchecked)");
    }
  }
}

const json& SchemaValidator::resolve_ref(const std::string& ref) const {
  if (ref.empty() || ref[0] != '#') {
    throw SchemaError(name_ + ": $ref \"" + ref + "\": only references inside the schema (\"#...\") are supported");
  }
  try {
    return schema_.at(json::json_pointer(ref.substr(1)));
  } catch (const json::exception&) {
    throw SchemaError(name_ + ": $ref \"" + ref + "\" does not point at anything in the schema");
  }
}

std::vector<SchemaViolation> SchemaValidator::validate(const json& instance) const {
  std::vector<SchemaViolation> out;
  validate_node(schema_, "#", instance, "", out, 0);
  return out;
}

struct SchemaValidator::Site {
  const json& node;
  const std::string& schema_pointer;
  const json& instance;
  const std::string& instance_pointer;
  std::vector<SchemaViolation>& out;
  size_t depth;

  // Where a keyword of this node sits in the schema.
  std::string keyword_pointer(const std::string& keyword) const { return schema_pointer + "/" + keyword; }
  void report(const std::string& keyword, std::string message) const {
    out.push_back({instance_pointer, keyword, keyword_pointer(keyword), std::move(message)});
  }
};

void SchemaValidator::validate_node(const json& node, const std::string& schema_pointer, const json& instance,
                                    const std::string& instance_pointer, std::vector<SchemaViolation>& out,
                                    size_t depth) const {
  if (depth > kMaxDepth) {
    throw SchemaError(name_ + ": " + schema_pointer + ": nesting deeper than " + std::to_string(kMaxDepth) +
                      " (a $ref cycle?)");
  }
  if (node.is_boolean()) {
    if (!node.get<bool>()) out.push_back({instance_pointer, "false", schema_pointer, "no value is allowed here"});
    return;
  }
  const Site site{node, schema_pointer, instance, instance_pointer, out, depth};
  if (const auto it = node.find("$ref"); it != node.end()) {
    const std::string ref = it->get<std::string>();
    validate_child(site, resolve_ref(ref), ref, instance, instance_pointer);
  }
  if (!check_type(site)) return;  // the remaining keywords would only repeat the same problem
  check_enum_and_const(site);
  if (instance.is_number()) check_number(site);
  if (instance.is_string()) check_string(site);
  if (instance.is_object()) check_object(site);
  if (instance.is_array()) check_array(site);
  check_combinators(site);
}

void SchemaValidator::validate_child(const Site& site, const json& node, const std::string& schema_pointer,
                                     const json& instance, const std::string& instance_pointer) const {
  validate_node(node, schema_pointer, instance, instance_pointer, site.out, site.depth + 1);
}

bool SchemaValidator::check_type(const Site& site) {
  const auto it = site.node.find("type");
  if (it == site.node.end()) return true;
  const json names = it->is_array() ? *it : json::array({*it});
  for (const json& name : names) {
    if (has_type(site.instance, name.get<std::string>())) return true;
  }
  site.report("type", "expected " + join_types(*it) + ", got " + type_of(site.instance) +
                          (site.instance.is_structured() ? "" : " " + describe_value(site.instance)));
  return false;
}

void SchemaValidator::check_enum_and_const(const Site& site) {
  const json& instance = site.instance;
  if (const auto it = site.node.find("enum"); it != site.node.end()) {
    bool matched = false;
    for (const json& option : *it) matched = matched || option == instance;
    if (!matched) site.report("enum", describe_value(instance) + " is not one of " + it->dump());
  }
  if (const auto it = site.node.find("const"); it != site.node.end() && *it != instance) {
    site.report("const", "expected " + describe_value(*it) + ", got " + describe_value(instance));
  }
}

void SchemaValidator::check_number(const Site& site) {
  const json& node = site.node;
  const std::string value = describe_value(site.instance);
  const double x = site.instance.get<double>();
  if (const auto it = node.find("minimum"); it != node.end() && x < it->get<double>()) {
    site.report("minimum", value + " is below minimum " + it->dump());
  }
  if (const auto it = node.find("maximum"); it != node.end() && x > it->get<double>()) {
    site.report("maximum", value + " is above maximum " + it->dump());
  }
  if (const auto it = node.find("exclusiveMinimum"); it != node.end() && x <= it->get<double>()) {
    site.report("exclusiveMinimum", value + " is not above exclusiveMinimum " + it->dump());
  }
  if (const auto it = node.find("exclusiveMaximum"); it != node.end() && x >= it->get<double>()) {
    site.report("exclusiveMaximum", value + " is not below exclusiveMaximum " + it->dump());
  }
}

void SchemaValidator::check_string(const Site& site) const {
  const json& node = site.node;
  const std::string& text = site.instance.get_ref<const std::string&>();
  const size_t length = utf8_length(text);
  if (const auto it = node.find("minLength"); it != node.end() && length < it->get<size_t>()) {
    site.report("minLength", describe_value(site.instance) + " is shorter than minLength " + it->dump());
  }
  if (const auto it = node.find("maxLength"); it != node.end() && length > it->get<size_t>()) {
    site.report("maxLength", describe_value(site.instance) + " is longer than maxLength " + it->dump());
  }
  if (const auto it = node.find("pattern"); it != node.end()) {
    const std::string& pattern = it->get_ref<const std::string&>();
    if (!std::regex_search(text, patterns_.at(pattern))) {
      site.report("pattern", describe_value(site.instance) + " does not match pattern " + pattern);
    }
  }
}

void SchemaValidator::check_object(const Site& site) const {
  const json& node = site.node;
  const json& instance = site.instance;
  if (const auto it = node.find("required"); it != node.end()) {
    for (const json& name : *it) {
      if (!instance.contains(name.get<std::string>())) site.report("required", "missing required property " + name.dump());
    }
  }
  if (const auto it = node.find("minProperties"); it != node.end() && instance.size() < it->get<size_t>()) {
    site.report("minProperties", "has " + plural(instance.size(), "property") + ", fewer than minProperties " + it->dump());
  }
  const auto properties = node.find("properties");
  const auto pattern_properties = node.find("patternProperties");
  const auto additional = node.find("additionalProperties");
  for (const auto& [key, value] : instance.items()) {
    const std::string child_pointer = site.instance_pointer + "/" + json_pointer_token(key);
    bool covered = false;
    if (properties != node.end()) {
      if (const auto p = properties->find(key); p != properties->end()) {
        covered = true;
        validate_child(site, *p, site.keyword_pointer("properties") + "/" + json_pointer_token(key), value, child_pointer);
      }
    }
    if (pattern_properties != node.end()) {
      for (const auto& [pattern, child] : pattern_properties->items()) {
        if (std::regex_search(key, patterns_.at(pattern))) {
          covered = true;
          validate_child(site, child, site.keyword_pointer("patternProperties") + "/" + json_pointer_token(pattern),
                         value, child_pointer);
        }
      }
    }
    if (covered || additional == node.end()) continue;
    if (additional->is_boolean() && !additional->get<bool>()) {
      site.report("additionalProperties", "property \"" + key + "\" is not allowed");
    } else {
      validate_child(site, *additional, site.keyword_pointer("additionalProperties"), value, child_pointer);
    }
  }
}

void SchemaValidator::check_array(const Site& site) const {
  const json& node = site.node;
  const json& instance = site.instance;
  const auto item_pointer = [&](size_t i) { return site.instance_pointer + "/" + std::to_string(i); };
  size_t prefix = 0;
  if (const auto it = node.find("prefixItems"); it != node.end()) {
    prefix = it->size();
    for (size_t i = 0; i < std::min(prefix, instance.size()); ++i) {
      validate_child(site, (*it)[i], site.keyword_pointer("prefixItems") + "/" + std::to_string(i), instance[i],
                     item_pointer(i));
    }
  }
  if (const auto it = node.find("items"); it != node.end()) {
    for (size_t i = prefix; i < instance.size(); ++i) {
      if (it->is_boolean() && !it->get<bool>()) {
        site.report("items", "has " + plural(instance.size(), "item") + "; at most " + std::to_string(prefix) +
                                 " are allowed");
        break;
      }
      validate_child(site, *it, site.keyword_pointer("items"), instance[i], item_pointer(i));
    }
  }
  if (const auto it = node.find("minItems"); it != node.end() && instance.size() < it->get<size_t>()) {
    site.report("minItems", "has " + plural(instance.size(), "item") + ", fewer than minItems " + it->dump());
  }
  if (const auto it = node.find("maxItems"); it != node.end() && instance.size() > it->get<size_t>()) {
    site.report("maxItems", "has " + plural(instance.size(), "item") + ", more than maxItems " + it->dump());
  }
}

void SchemaValidator::check_combinators(const Site& site) const {
  if (const auto it = site.node.find("allOf"); it != site.node.end()) {
    for (size_t i = 0; i < it->size(); ++i) {
      validate_child(site, (*it)[i], site.keyword_pointer("allOf") + "/" + std::to_string(i), site.instance,
                     site.instance_pointer);
    }
  }
  check_any_or_one_of(site, "anyOf");
  check_any_or_one_of(site, "oneOf");
  if (const auto it = site.node.find("not"); it != site.node.end()) {
    std::vector<SchemaViolation> ignored;
    validate_node(*it, site.keyword_pointer("not"), site.instance, site.instance_pointer, ignored, site.depth + 1);
    if (ignored.empty()) site.report("not", describe_value(site.instance) + " matches the schema it must not match");
  }
}

void SchemaValidator::check_any_or_one_of(const Site& site, const std::string& combinator) const {
  const auto it = site.node.find(combinator);
  if (it == site.node.end()) return;
  // Each alternative's violations are kept apart: they only appear, quoted, when none matches.
  std::vector<std::vector<SchemaViolation>> failures(it->size());
  std::vector<size_t> matching;
  for (size_t i = 0; i < it->size(); ++i) {
    validate_node((*it)[i], site.keyword_pointer(combinator) + "/" + std::to_string(i), site.instance,
                  site.instance_pointer, failures[i], site.depth + 1);
    if (failures[i].empty()) matching.push_back(i);
  }
  if (matching.empty()) {
    std::string message = "matches none of the " + std::to_string(it->size()) + " " + combinator + " alternatives";
    for (size_t i = 0; i < failures.size(); ++i) {
      message += i ? "; " : ": ";
      message += "(" + std::to_string(i + 1) + ") ";
      for (size_t k = 0; k < std::min(kQuotedPerAlternative, failures[i].size()); ++k) {
        message += (k ? ", " : "") + failures[i][k].to_string();
      }
      if (failures[i].size() > kQuotedPerAlternative) {
        message += ", and " + std::to_string(failures[i].size() - kQuotedPerAlternative) + " more";
      }
    }
    site.report(combinator, message);
  } else if (combinator == "oneOf" && matching.size() > 1) {
    std::string which;
    for (size_t i = 0; i < matching.size(); ++i) which += (i ? ", " : "") + std::to_string(matching[i] + 1);
    site.report(combinator, "matches " + std::to_string(matching.size()) + " of the oneOf alternatives (" + which +
                                "); exactly one must match");
  }
}

}  // namespace engram::report
