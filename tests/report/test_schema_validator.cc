// The JSON Schema validator: each keyword it implements, the JSON pointers in its errors, and the
// refusal of schemas that use keywords it does not implement.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/schema_validator.h"

namespace engram::report {
namespace {

using nlohmann::json;

json j(const std::string& text) { return json::parse(text); }

std::vector<std::string> errors(const json& schema, const json& instance) {
  std::vector<std::string> out;
  for (const SchemaViolation& v : SchemaValidator(schema).validate(instance)) out.push_back(v.to_string());
  return out;
}

// The keywords of every violation, in order.
std::vector<std::string> keywords(const json& schema, const json& instance) {
  std::vector<std::string> out;
  for (const SchemaViolation& v : SchemaValidator(schema).validate(instance)) out.push_back(v.keyword);
  return out;
}

using Strings = std::vector<std::string>;

TEST(SchemaValidator, TypeNamesAndTypeLists) {
  const json integer = j(R"({"type": "integer"})");
  EXPECT_TRUE(SchemaValidator(integer).is_valid(3));
  EXPECT_TRUE(SchemaValidator(integer).is_valid(3.0));  // 2020-12: a number with no fraction is an integer
  EXPECT_EQ(errors(integer, 3.5), Strings{"(root): expected integer, got number 3.5"});
  EXPECT_EQ(errors(integer, "3"), Strings{"(root): expected integer, got string \"3\""});
  EXPECT_EQ(errors(j(R"({"type": "number"})"), json::array()), Strings{"(root): expected number, got array"});
  EXPECT_TRUE(SchemaValidator(j(R"({"type": "number"})")).is_valid(7));

  const json nullable = j(R"({"type": ["number", "null"]})");
  EXPECT_TRUE(SchemaValidator(nullable).is_valid(nullptr));
  EXPECT_TRUE(SchemaValidator(nullable).is_valid(0.25));
  EXPECT_EQ(errors(nullable, true), Strings{"(root): expected number or null, got boolean true"});
  for (const char* name : {"null", "boolean", "object", "array", "string"}) {
    EXPECT_EQ(keywords(json{{"type", name}}, 1), Strings{"type"}) << name;
  }
}

TEST(SchemaValidator, PropertiesRequiredAndPointers) {
  const json schema = j(R"({"type": "object", "required": ["a", "b"],
                            "properties": {"a": {"type": "object", "properties": {"x/y~z": {"type": "string"}}}}})");
  EXPECT_TRUE(SchemaValidator(schema).is_valid(j(R"({"a": {}, "b": 1})")));
  EXPECT_EQ(errors(schema, j(R"({"a": {}})")), Strings{"(root): missing required property \"b\""});
  // Pointer tokens escape "~" and "/" (RFC 6901).
  EXPECT_EQ(errors(schema, j(R"({"a": {"x/y~z": 5}, "b": 1})")), Strings{"/a/x~1y~0z: expected string, got integer 5"});
  const auto violations = SchemaValidator(schema).validate(j(R"({"a": {"x/y~z": 5}, "b": 1})"));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].instance_pointer, "/a/x~1y~0z");
  EXPECT_EQ(violations[0].keyword, "type");
  EXPECT_EQ(violations[0].schema_pointer, "#/properties/a/properties/x~1y~0z/type");
  // Unknown properties are allowed unless additionalProperties says otherwise.
  EXPECT_TRUE(SchemaValidator(schema).is_valid(j(R"({"a": {}, "b": 1, "future": "x"})")));
}

TEST(SchemaValidator, AdditionalAndPatternProperties) {
  const json typed = j(R"({"properties": {"known": {"type": "string"}},
                           "patternProperties": {"^n_": {"type": "integer"}},
                           "additionalProperties": {"type": "boolean"}})");
  EXPECT_TRUE(SchemaValidator(typed).is_valid(j(R"({"known": "k", "n_count": 3, "flag": true})")));
  EXPECT_EQ(errors(typed, j(R"({"n_count": "three", "flag": 1})")),
            (Strings{"/flag: expected boolean, got integer 1", "/n_count: expected integer, got string \"three\""}));
  const json closed = j(R"({"properties": {"a": true}, "additionalProperties": false})");
  EXPECT_EQ(errors(closed, j(R"({"a": 1, "b": 2})")), Strings{"(root): property \"b\" is not allowed"});
  EXPECT_EQ(keywords(j(R"({"minProperties": 2})"), j(R"({"a": 1})")), Strings{"minProperties"});
}

TEST(SchemaValidator, ItemsPrefixItemsAndCounts) {
  const json pair = j(R"({"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}],
                          "items": false, "minItems": 2})");
  EXPECT_TRUE(SchemaValidator(pair).is_valid(j(R"([1, "a"])")));
  EXPECT_EQ(errors(pair, j("[1]")), Strings{"(root): has 1 item, fewer than minItems 2"});
  EXPECT_EQ(errors(pair, j("[1, 2]")), Strings{"/1: expected string, got integer 2"});
  EXPECT_EQ(errors(pair, j(R"([1, "a", 3])")), Strings{"(root): has 3 items; at most 2 are allowed"});

  const json list = j(R"({"items": {"type": "integer", "minimum": 0}, "maxItems": 3})");
  EXPECT_EQ(errors(list, j("[0, 1, -1]")), Strings{"/2: -1 is below minimum 0"});
  EXPECT_EQ(keywords(list, j("[0, 1, 2, 3]")), Strings{"maxItems"});
  // Array keywords ignore non-arrays.
  EXPECT_TRUE(SchemaValidator(list).is_valid("not an array"));
}

TEST(SchemaValidator, NumericRanges) {
  const json unit = j(R"({"minimum": 0, "maximum": 1})");
  EXPECT_TRUE(SchemaValidator(unit).is_valid(0));
  EXPECT_TRUE(SchemaValidator(unit).is_valid(1.0));
  EXPECT_EQ(errors(unit, 1.7), Strings{"(root): 1.7 is above maximum 1"});
  EXPECT_EQ(errors(unit, -0.5), Strings{"(root): -0.5 is below minimum 0"});
  const json open = j(R"({"exclusiveMinimum": 0, "exclusiveMaximum": 1})");
  EXPECT_EQ(keywords(open, 0), Strings{"exclusiveMinimum"});
  EXPECT_EQ(keywords(open, 1), Strings{"exclusiveMaximum"});
  EXPECT_TRUE(SchemaValidator(open).is_valid(0.5));
  EXPECT_TRUE(SchemaValidator(unit).is_valid("strings are not numbers"));
}

TEST(SchemaValidator, StringsLengthAndPattern) {
  const json hex = j(R"({"type": "string", "pattern": "^[0-9a-f]{4}$"})");
  EXPECT_TRUE(SchemaValidator(hex).is_valid("00ff"));
  EXPECT_EQ(errors(hex, "00FF"), Strings{"(root): \"00FF\" does not match pattern ^[0-9a-f]{4}$"});
  // pattern is unanchored unless the pattern anchors itself.
  EXPECT_TRUE(SchemaValidator(j(R"({"pattern": "b"})")).is_valid("abc"));
  // Lengths count code points, not bytes.
  const json two = j(R"({"minLength": 2, "maxLength": 2})");
  EXPECT_TRUE(SchemaValidator(two).is_valid("\xC3\xA9\xC3\xA9"));  // two characters, four bytes
  EXPECT_EQ(keywords(two, "\xC3\xA9"), Strings{"minLength"});
  EXPECT_EQ(keywords(two, "abc"), Strings{"maxLength"});
}

TEST(SchemaValidator, EnumAndConst) {
  const json tier = j(R"({"enum": ["device", "host", "disk", null]})");
  EXPECT_TRUE(SchemaValidator(tier).is_valid("host"));
  EXPECT_TRUE(SchemaValidator(tier).is_valid(nullptr));
  EXPECT_EQ(errors(tier, "gpu"), Strings{"(root): \"gpu\" is not one of [\"device\",\"host\",\"disk\",null]"});
  const json kind = j(R"({"const": "engram-bench-report"})");
  EXPECT_TRUE(SchemaValidator(kind).is_valid("engram-bench-report"));
  EXPECT_EQ(errors(kind, "report"), Strings{"(root): expected \"engram-bench-report\", got \"report\""});
  EXPECT_TRUE(SchemaValidator(j(R"({"const": 1})")).is_valid(1.0));  // numbers compare by value
}

TEST(SchemaValidator, RefsToDefsAndRoot) {
  const json schema = j(R"({"$defs": {"probability": {"type": "number", "minimum": 0, "maximum": 1}},
                            "properties": {"p": {"$ref": "#/$defs/probability"}}})");
  EXPECT_TRUE(SchemaValidator(schema).is_valid(j(R"({"p": 0.5})")));
  const auto violations = SchemaValidator(schema).validate(j(R"({"p": 2})"));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].to_string(), "/p: 2 is above maximum 1");
  EXPECT_EQ(violations[0].schema_pointer, "#/$defs/probability/maximum");

  // A recursive schema through "#": a tree of integers.
  const json tree = j(R"({"type": ["integer", "array"], "items": {"$ref": "#"}})");
  EXPECT_TRUE(SchemaValidator(tree).is_valid(j("[1, [2, [3]], []]")));
  EXPECT_EQ(errors(tree, j(R"([1, [2, ["x"]]])")), Strings{"/1/1/0: expected integer or array, got string \"x\""});
}

TEST(SchemaValidator, AnyOfOneOfAllOfNot) {
  const json any = j(R"({"anyOf": [{"type": "null"}, {"type": "string", "pattern": "^[0-9a-f]+$"}]})");
  EXPECT_TRUE(SchemaValidator(any).is_valid(nullptr));
  EXPECT_TRUE(SchemaValidator(any).is_valid("abc"));
  EXPECT_EQ(errors(any, "xyz"),
            Strings{"(root): matches none of the 2 anyOf alternatives: (1) (root): expected null, got string \"xyz\"; "
                    "(2) (root): \"xyz\" does not match pattern ^[0-9a-f]+$"});

  const json one = j(R"({"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 10}]})");
  EXPECT_TRUE(SchemaValidator(one).is_valid(3));
  EXPECT_TRUE(SchemaValidator(one).is_valid(10.5));
  EXPECT_EQ(errors(one, 12), Strings{"(root): matches 2 of the oneOf alternatives (1, 2); exactly one must match"});
  EXPECT_EQ(keywords(one, 2.5), Strings{"oneOf"});

  const json all = j(R"({"allOf": [{"minimum": 0}, {"maximum": 1}]})");
  EXPECT_TRUE(SchemaValidator(all).is_valid(0.5));
  EXPECT_EQ(errors(all, 3), Strings{"(root): 3 is above maximum 1"});

  const json negated = j(R"({"not": {"type": "string"}})");
  EXPECT_TRUE(SchemaValidator(negated).is_valid(1));
  EXPECT_EQ(keywords(negated, "s"), Strings{"not"});
}

TEST(SchemaValidator, BooleanSchemas) {
  EXPECT_TRUE(SchemaValidator(json(true)).is_valid(j(R"({"anything": 1})")));
  EXPECT_EQ(errors(json(false), 1), Strings{"(root): no value is allowed here"});
}

TEST(SchemaValidator, ReportsEveryViolationInDocumentOrder) {
  const json schema = j(R"({"type": "object", "required": ["z"], "additionalProperties": {"type": "integer"}})");
  EXPECT_EQ(errors(schema, j(R"({"a": "x", "b": 2, "c": 1.5})")),
            (Strings{"(root): missing required property \"z\"", "/a: expected integer, got string \"x\"",
                     "/c: expected integer, got number 1.5"}));
}

TEST(SchemaValidator, RefusesKeywordsItDoesNotImplement) {
  for (const char* keyword : {"format", "if", "dependentRequired", "uniqueItems", "contains", "$dynamicRef",
                              "unevaluatedProperties", "propertyNames", "multipleOf"}) {
    json schema = j(R"({"properties": {"x": {}}})");
    schema["properties"]["x"][keyword] = "whatever";
    try {
      SchemaValidator validator(schema, "test.schema.json");
      ADD_FAILURE() << keyword << " was accepted";
    } catch (const SchemaError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("test.schema.json: #/properties/x"), std::string::npos) << message;
      EXPECT_NE(message.find(std::string("\"") + keyword + "\" is not supported"), std::string::npos) << message;
    }
  }
}

TEST(SchemaValidator, RefusesMalformedSchemas) {
  const std::vector<std::string> malformed = {
      R"({"type": "float"})",
      R"({"type": ["string", "string"]})",
      R"({"required": "a"})",
      R"({"minimum": "0"})",
      R"({"minItems": -1})",
      R"({"enum": []})",
      R"({"pattern": "([unclosed"})",
      R"({"items": [{"type": "string"}]})",
      R"({"anyOf": []})",
      R"({"$ref": "#/$defs/missing"})",
      R"({"$ref": "other.json#/x"})",
      R"({"properties": {"a": 3}})",
      R"(3)",
  };
  for (const std::string& schema : malformed) {
    EXPECT_THROW(SchemaValidator{j(schema)}, SchemaError) << schema;
  }
}

TEST(SchemaValidator, RefCycleWithoutProgressIsAnErrorNotACrash) {
  const SchemaValidator validator(j(R"({"$defs": {"loop": {"$ref": "#/$defs/loop"}}, "$ref": "#/$defs/loop"})"));
  EXPECT_THROW(validator.validate(1), SchemaError);
}

}  // namespace
}  // namespace engram::report
