// ${VARIABLES} in run configurations, as the client expands them.
#include "coordinator/cli/config_variables.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigVariablesTest, ExpandsSetVariablesAndNestedDefaults) {
  const std::string text = "base_model: ${ACDC_HOME:-${HOME}/.cache/acdc}/world/base\nseed: 1\n";
  EXPECT_EQ(*ExpandConfigVariables(text, "run.yaml", Env({{"HOME", "/home/u"}})),
            "base_model: /home/u/.cache/acdc/world/base\nseed: 1\n");
  EXPECT_EQ(*ExpandConfigVariables(text, "run.yaml", Env({{"ACDC_HOME", "/data"}})),
            "base_model: /data/world/base\nseed: 1\n");
  EXPECT_EQ(*ExpandConfigVariables("no variables", "run.yaml", Env({})), "no variables");
}

TEST(ConfigVariablesTest, AnUnsetVariableWithoutDefaultNamesTheFileLineAndName) {
  absl::StatusOr<std::string> missing =
      ExpandConfigVariables("seed: 1\nbase_model: ${WORLD}/base\n", "run.yaml", Env({}));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("run.yaml:2: ${WORLD} is not set"));
  absl::StatusOr<std::string> open = ExpandConfigVariables("a: ${HOME", "run.yaml", Env({}));
  ASSERT_FALSE(open.ok());
  EXPECT_THAT(std::string(open.status().message()), HasSubstr("run.yaml:1"));
}

}  // namespace
}  // namespace acdc
