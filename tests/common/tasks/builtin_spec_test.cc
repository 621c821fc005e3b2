// Built-in spec validation: the schema's fields, with errors that name the field by its path.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/tasks/builtin_test_util.h"

namespace acdc {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

void ExpectError(const json& spec, const std::string& message) {
  const absl::Status status = ValidateBuiltinSpec(spec);
  ASSERT_FALSE(status.ok()) << spec.dump();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr(message)) << spec.dump();
}

TEST(BuiltinSpecTest, DefaultSpecsHaveTheStableSchema) {
  EXPECT_EQ(DefaultSpec("reverse", 2),
            json::parse(R"({"family": "reverse", "difficulty": 2, "variant": "letters",
                            "phrasing": 0})"));
  for (const std::string& family : FamilyNames()) {
    EXPECT_TRUE(ValidateBuiltinSpec(DefaultSpec(family)).ok()) << family;
  }
}

TEST(BuiltinSpecTest, LeafErrorsNameTheField) {
  ExpectError(json::array(), "spec: must be a JSON object");
  ExpectError({{"difficulty", 1}}, "spec.family: missing");
  ExpectError({{"family", "juggle"}}, "spec.family: unknown family \"juggle\"");
  json spec = DefaultSpec("reverse");
  spec.erase("phrasing");
  ExpectError(spec, "spec.phrasing: missing");
  spec = DefaultSpec("reverse");
  spec["difficulty"] = 6;
  ExpectError(spec, "spec.difficulty: must be an integer from 1 to 5");
  spec["difficulty"] = "easy";
  ExpectError(spec, "spec.difficulty");
  spec = DefaultSpec("reverse");
  spec["variant"] = "emoji";
  ExpectError(spec, "spec.variant: reverse has the variants letters, digits");
  spec = DefaultSpec("reverse");
  spec["phrasing"] = 4;
  ExpectError(spec, "spec.phrasing: must be an integer from 0 to 3");
  spec = DefaultSpec("reverse");
  spec["seed"] = 3;
  ExpectError(spec, "spec.seed: unknown field");
}

TEST(BuiltinSpecTest, CompositionErrorsNameTheNestedField) {
  json inner_bad = DefaultSpec("count");
  inner_bad["difficulty"] = 0;
  ExpectError({{"family", "compose"}, {"first", DefaultSpec("reverse")}, {"then", inner_bad}},
              "spec.then.difficulty");
  ExpectError({{"family", "compose"}, {"first", DefaultSpec("reverse")}}, "spec.then: missing");
  ExpectError(
      {{"family", "compose"}, {"first", DefaultSpec("compare")}, {"then", DefaultSpec("reverse")}},
      "spec: cannot compose: compare (symbol) answers a symbol");
}

}  // namespace
}  // namespace acdc
