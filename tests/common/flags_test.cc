// Flag parsing as users meet it: both spellings, typed values, errors that name the flag.
#include "common/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  std::string name = "default";
  int count = 3;
  bool json = false;
};

FlagSet MakeFlags(Parsed* parsed) {
  FlagSet flags("acdc demo", "A demo command.");
  flags.AddString("name", &parsed->name, "a name");
  flags.AddInt("count", &parsed->count, "how many", 1, 10);
  flags.AddBool("json", &parsed->json, "print JSON");
  return flags;
}

TEST(FlagSetTest, AcceptsBothSpellingsAndBareBools) {
  Parsed parsed;
  FlagSet flags = MakeFlags(&parsed);
  ASSERT_TRUE(flags.Parse({"--name", "x", "--count=7", "--json"}).ok());
  EXPECT_EQ(parsed.name, "x");
  EXPECT_EQ(parsed.count, 7);
  EXPECT_TRUE(parsed.json);
}

TEST(FlagSetTest, ErrorsNameTheFlagAndTheValue) {
  Parsed parsed;
  FlagSet flags = MakeFlags(&parsed);
  absl::Status status = flags.Parse({"--count", "abc"});
  EXPECT_THAT(std::string(status.message()), HasSubstr("--count"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("abc"));
  EXPECT_THAT(std::string(MakeFlags(&parsed).Parse({"--count", "11"}).message()),
              HasSubstr("out of range"));
  EXPECT_THAT(std::string(MakeFlags(&parsed).Parse({"--bogus"}).message()),
              HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(std::string(MakeFlags(&parsed).Parse({"--name"}).message()),
              HasSubstr("--name needs a value"));
  EXPECT_THAT(std::string(MakeFlags(&parsed).Parse({"stray"}).message()), HasSubstr("stray"));
}

TEST(FlagSetTest, RequiredFlagsMustBeGiven) {
  Parsed parsed;
  FlagSet flags = MakeFlags(&parsed);
  flags.Require("name");
  EXPECT_THAT(std::string(flags.Parse({}).message()), HasSubstr("missing required flag --name"));
}

TEST(FlagSetTest, HelpListsFlagsWithDefaults) {
  Parsed parsed;
  FlagSet flags = MakeFlags(&parsed);
  ASSERT_TRUE(flags.Parse({"--help"}).ok());
  EXPECT_TRUE(flags.help_requested());
  EXPECT_THAT(flags.Help(), HasSubstr("--count VALUE"));
  EXPECT_THAT(flags.Help(), HasSubstr("(default: 3)"));
}

}  // namespace
}  // namespace acdc
