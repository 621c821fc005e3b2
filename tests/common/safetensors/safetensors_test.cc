// Reads files written by the reference implementations (the `safetensors` package and
// transformers' save_pretrained, see tests/fixtures/make_safetensors_fixtures.py) and compares
// every tensor with what those libraries read back; checks that corrupt variants fail with
// errors naming the file and tensor; and checks the writer against the reference writer's bytes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/safetensors/checkpoint.h"
#include "common/safetensors/checkpoint_writer.h"
#include "common/safetensors/dtype.h"
#include "common/safetensors/safetensors_file.h"
#include "nlohmann/json.hpp"

#ifndef ACDC_SAFETENSORS_FIXTURES
#error "ACDC_SAFETENSORS_FIXTURES must name the directory the fixture script writes"
#endif

namespace acdc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kFixtures = ACDC_SAFETENSORS_FIXTURES;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

const json& Expected() {
  static const json* expected = [] {
    const std::string text = ReadBytes(kFixtures + "/expected.json");
    if (text.empty()) {
      std::cerr << kFixtures << "/expected.json is missing: run the fixtures.safetensors test "
                << "(ctest runs it first as a fixture)\n";
      std::abort();
    }
    return new json(json::parse(text));
  }();
  return *expected;
}

// IEEE binary16 to double, subnormals, infinities and NaN included.
double HalfToDouble(uint16_t bits) {
  const int sign = bits >> 15;
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  double magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(mantissa + 1024, exponent - 25);
  }
  return sign ? -magnitude : magnitude;
}

// bfloat16 is the top half of a float32.
double BFloat16ToDouble(uint16_t bits) {
  const uint32_t widened = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &widened, sizeof(value));
  return value;
}

std::vector<double> ValuesOf(const TensorEntry& tensor) {
  const size_t count = tensor.nbytes / DTypeSize(tensor.dtype);
  std::vector<double> values(count);
  for (size_t i = 0; i < count; ++i) {
    if (tensor.dtype == DType::kF32) {
      float value;
      std::memcpy(&value, tensor.data + 4 * i, 4);
      values[i] = value;
    } else {
      uint16_t bits;
      std::memcpy(&bits, tensor.data + 2 * i, 2);
      values[i] = tensor.dtype == DType::kF16 ? HalfToDouble(bits) : BFloat16ToDouble(bits);
    }
  }
  return values;
}

// Exact equality that also tells -0.0 from 0.0.
void ExpectSameDouble(double actual, double expected, const std::string& what) {
  EXPECT_EQ(actual, expected) << what;
  EXPECT_EQ(std::signbit(actual), std::signbit(expected)) << what << " (sign of zero)";
}

void ExpectTensorMatches(const TensorEntry& tensor, const json& expected) {
  SCOPED_TRACE("tensor " + tensor.name);
  EXPECT_EQ(DTypeName(tensor.dtype), expected["dtype"].get<std::string>());
  EXPECT_EQ(tensor.shape, expected["shape"].get<std::vector<int64_t>>());
  const std::vector<double> values = ValuesOf(tensor);
  double sum = 0, sum_of_squares = 0;
  for (double value : values) {
    sum += value;
    sum_of_squares += value * value;
  }
  const auto first = expected["first"].get<std::vector<double>>();
  ASSERT_GE(values.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) ExpectSameDouble(values[i], first[i], "first values");
  if (expected.contains("values")) {
    const auto all = expected["values"].get<std::vector<double>>();
    ASSERT_EQ(values.size(), all.size());
    for (size_t i = 0; i < all.size(); ++i) ExpectSameDouble(values[i], all[i], "values");
  }
  // Sums in a different order than numpy's: equal up to rounding.
  const double expected_sum = expected["sum"].get<double>();
  const double expected_squares = expected["sum_of_squares"].get<double>();
  EXPECT_NEAR(sum, expected_sum, 1e-12 * std::max(1.0, expected_squares));
  EXPECT_NEAR(sum_of_squares, expected_squares, 1e-12 * std::max(1.0, expected_squares));
}

// A fresh empty directory, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "acdc-safetensors-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& item : fs::directory_iterator(path_)) {
      names.push_back(item.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

// ---------------------------------------------------------------------------------------------
// Valid files

class ValidFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ValidFileTest, ReadsWhatSafetensorsWrote) {
  const std::string relative = "valid/" + GetParam() + ".safetensors";
  const json& expected = Expected()["files"][relative];
  auto file = SafetensorsFile::Open(kFixtures + "/" + relative);
  ASSERT_TRUE(file.ok()) << file.status();

  std::vector<std::string> data_order;
  for (const TensorEntry& tensor : (*file)->tensors()) data_order.push_back(tensor.name);
  EXPECT_EQ(data_order, expected["data_order"].get<std::vector<std::string>>());
  EXPECT_EQ((*file)->metadata(), (expected["metadata"].get<std::map<std::string, std::string>>()));
  ASSERT_EQ((*file)->tensors().size(), expected["tensors"].size());
  for (const auto& [name, tensor] : expected["tensors"].items()) {
    const TensorEntry* entry = (*file)->Find(name);
    ASSERT_NE(entry, nullptr) << name;
    ExpectTensorMatches(*entry, tensor);
  }
  EXPECT_EQ((*file)->Find("no such tensor"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, ValidFileTest, ::testing::Values("f32", "f16", "bf16", "empty"));

class CheckpointReadTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointReadTest, ReadsWhatTransformersSaved) {
  const std::string relative = "valid/" + GetParam();
  const json& expected = Expected()["checkpoints"][relative];
  auto checkpoint = Checkpoint::Open(kFixtures + "/" + relative);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();

  std::vector<std::string> names;
  for (const auto& [name, tensor] : expected["tensors"].items()) names.push_back(name);
  EXPECT_EQ((*checkpoint)->TensorNames(), names);  // both sorted
  uint64_t total_bytes = 0;
  for (const auto& [name, tensor] : expected["tensors"].items()) {
    auto entry = (*checkpoint)->Find(name);
    ASSERT_TRUE(entry.ok()) << entry.status();
    ExpectTensorMatches(**entry, tensor);
    total_bytes += (*entry)->nbytes;
  }
  EXPECT_EQ((*checkpoint)->TotalBytes(), total_bytes);

  auto missing = (*checkpoint)->Find("model.no_such.weight");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("model.no_such.weight"));
  EXPECT_THAT(missing.status().message(), HasSubstr(relative));
}

INSTANTIATE_TEST_SUITE_P(Layouts, CheckpointReadTest,
                         ::testing::Values("tiny_llama_sharded", "tiny_llama_single"));

// ---------------------------------------------------------------------------------------------
// Corrupt files: the case names are listed here (test discovery runs before the fixtures
// exist); what each error must mention comes from expected.json.

const char* const kCorruptFiles[] = {
    "truncated",         "truncated_in_header",
    "too_short",         "header_length_past_eof",
    "bad_json",          "not_an_object",
    "size_mismatch",     "offsets_out_of_range",
    "overlapping",       "gap",
    "trailing_bytes",    "negative_dim",
    "float_offsets",     "missing_dtype",
    "bad_metadata",      "duplicate_name",
    "unsupported_dtype",
};

const char* const kCorruptCheckpoints[] = {
    "missing_shard", "shard_lacks_tensor", "unlisted_tensor",  "index_escapes_directory",
    "bad_index",     "truncated_shard",    "not_a_checkpoint",
};

void ExpectErrorMentions(const absl::Status& status, const std::string& path,
                         const std::string& case_name) {
  ASSERT_FALSE(status.ok());
  std::cout << "  " << case_name << ": " << status << "\n";
  EXPECT_THAT(status.message(), HasSubstr(path));
  for (const json& mention : Expected()["corrupt"][case_name]) {
    EXPECT_THAT(status.message(), HasSubstr(mention.get<std::string>()));
  }
}

class CorruptFileTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CorruptFileTest, FailsWithAnErrorNamingTheFile) {
  const std::string name = std::string(GetParam()) + ".safetensors";
  const std::string path = kFixtures + "/corrupt/" + name;
  ASSERT_TRUE(fs::exists(path)) << path;
  ExpectErrorMentions(SafetensorsFile::Open(path).status(), path, name);
}

INSTANTIATE_TEST_SUITE_P(Cases, CorruptFileTest, ::testing::ValuesIn(kCorruptFiles));

class CorruptCheckpointTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CorruptCheckpointTest, FailsWithAnErrorNamingTheFile) {
  const std::string path = kFixtures + "/corrupt/" + GetParam();
  ASSERT_TRUE(fs::is_directory(path)) << path;
  ExpectErrorMentions(Checkpoint::Open(path).status(), path, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Cases, CorruptCheckpointTest, ::testing::ValuesIn(kCorruptCheckpoints));

TEST(CorruptCasesTest, EveryCaseOfTheFixtureScriptIsTested) {
  std::set<std::string> tested;
  for (const char* name : kCorruptFiles) tested.insert(std::string(name) + ".safetensors");
  for (const char* name : kCorruptCheckpoints) tested.insert(name);
  std::set<std::string> generated;
  for (const auto& [name, mentions] : Expected()["corrupt"].items()) generated.insert(name);
  EXPECT_EQ(tested, generated);
}

TEST(SafetensorsFileTest, MissingFileIsNotFoundNamingIt) {
  const std::string path = kFixtures + "/valid/no_such_file.safetensors";
  auto file = SafetensorsFile::Open(path);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(file.status().message(), HasSubstr(path));
}

// ---------------------------------------------------------------------------------------------
// Writer

std::vector<const TensorEntry*> InDataOrder(const SafetensorsFile& file) {
  std::vector<const TensorEntry*> tensors;
  for (const TensorEntry& tensor : file.tensors()) tensors.push_back(&tensor);
  return tensors;
}

absl::Status AddAll(CheckpointWriter& writer, const std::vector<const TensorEntry*>& tensors) {
  for (const TensorEntry* tensor : tensors) {
    absl::Status status =
        writer.Add(tensor->name, tensor->dtype, tensor->shape, tensor->data, tensor->nbytes);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// Written in the reference writer's order with the same metadata, a file comes out byte for
// byte as the reference wrote it (header layout, padding, offsets, data).
TEST(CheckpointWriterTest, OneShardIsByteIdenticalToTheReferenceWriter) {
  for (const char* name : {"f32", "f16", "bf16", "empty"}) {
    SCOPED_TRACE(name);
    const std::string source = kFixtures + "/valid/" + name + ".safetensors";
    auto file = SafetensorsFile::Open(source);
    ASSERT_TRUE(file.ok()) << file.status();
    TempDir dir;
    CheckpointWriter writer(dir.path(), uint64_t{1} << 30, (*file)->metadata());
    ASSERT_TRUE(AddAll(writer, InDataOrder(**file)).ok());
    ASSERT_TRUE(writer.Finish().ok());
    EXPECT_EQ(dir.Files(), std::vector<std::string>{"model.safetensors"});
    const std::string written = ReadBytes(dir.path() + "/model.safetensors");
    const std::string reference = ReadBytes(source);
    if ((*file)->metadata().size() <= 1) {
      EXPECT_EQ(written, reference);
    } else {
      // The reference writes metadata in hash-map order: compare the parsed header instead.
      ASSERT_EQ(written.size(), reference.size());
      uint64_t header_size;
      std::memcpy(&header_size, reference.data(), 8);
      EXPECT_EQ(json::parse(written.substr(8, header_size)),
                json::parse(reference.substr(8, header_size)));
      EXPECT_EQ(written.substr(8 + header_size), reference.substr(8 + header_size));
    }
  }
}

TEST(CheckpointWriterTest, ShardsBySizeWithTransformersNamesAndIndex) {
  auto source = Checkpoint::Open(kFixtures + "/valid/tiny_llama_sharded");
  ASSERT_TRUE(source.ok()) << source.status();
  TempDir dir;
  constexpr uint64_t kMaxShardBytes = 30000;
  CheckpointWriter writer(dir.path(), kMaxShardBytes);
  std::vector<std::string> names = (*source)->TensorNames();
  for (const std::string& name : names) {
    const TensorEntry* tensor = *(*source)->Find(name);
    ASSERT_TRUE(writer.Add(name, tensor->dtype, tensor->shape, tensor->data, tensor->nbytes).ok());
  }
  // Nothing appears under a final name before Finish().
  for (const std::string& file : dir.Files()) EXPECT_EQ(file[0], '.') << file;
  ASSERT_TRUE(writer.Finish().ok());

  const json index = json::parse(ReadBytes(dir.path() + "/model.safetensors.index.json"));
  EXPECT_EQ(index["metadata"]["total_size"].get<uint64_t>(), (*source)->TotalBytes());
  std::set<std::string> shard_files;
  for (const auto& [name, shard] : index["weight_map"].items()) shard_files.insert(shard);
  const size_t count = shard_files.size();
  ASSERT_GT(count, 2u);
  std::vector<std::string> expected_files;
  for (size_t i = 1; i <= count; ++i) {
    char shard_name[64];
    std::snprintf(shard_name, sizeof(shard_name), "model-%05zu-of-%05zu.safetensors", i, count);
    expected_files.push_back(shard_name);
    EXPECT_TRUE(shard_files.count(shard_name)) << shard_name;
    // A shard exceeds the limit only when it holds a single tensor larger than it.
    auto shard = SafetensorsFile::Open(dir.path() + "/" + shard_name);
    ASSERT_TRUE(shard.ok()) << shard.status();
    uint64_t bytes = 0;
    for (const TensorEntry& tensor : (*shard)->tensors()) bytes += tensor.nbytes;
    EXPECT_TRUE(bytes <= kMaxShardBytes || (*shard)->tensors().size() == 1) << shard_name;
    EXPECT_EQ((*shard)->metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
  }
  expected_files.push_back("model.safetensors.index.json");
  std::sort(expected_files.begin(), expected_files.end());
  EXPECT_EQ(dir.Files(), expected_files);  // no temporary left

  auto written = Checkpoint::Open(dir.path());
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ((*written)->TensorNames(), names);
  for (const std::string& name : names) {
    const TensorEntry* a = *(*source)->Find(name);
    const TensorEntry* b = *(*written)->Find(name);
    EXPECT_EQ(a->dtype, b->dtype) << name;
    EXPECT_EQ(a->shape, b->shape) << name;
    ASSERT_EQ(a->nbytes, b->nbytes) << name;
    EXPECT_EQ(std::memcmp(a->data, b->data, a->nbytes), 0) << name;
  }
}

TEST(CheckpointWriterTest, KeepsTensorsInTheOrderAddedAndSplitsBeforeTheTensorThatOverflows) {
  TempDir dir;
  const std::vector<float> four(4, 1.0f), eight(8, 2.0f);
  CheckpointWriter writer(dir.path(), /*max_shard_bytes=*/24, {});
  ASSERT_TRUE(writer.Add("z", DType::kF32, {4}, four.data(), 16).ok());
  ASSERT_TRUE(writer.Add("a", DType::kF32, {2}, four.data(), 8).ok());      // 24: still fits
  ASSERT_TRUE(writer.Add("big", DType::kF32, {8}, eight.data(), 32).ok());  // alone, over limit
  ASSERT_TRUE(writer.Add("m", DType::kF32, {1}, four.data(), 4).ok());
  ASSERT_TRUE(writer.Finish().ok());
  const std::vector<std::vector<std::string>> expected = {{"z", "a"}, {"big"}, {"m"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    auto shard = SafetensorsFile::Open(dir.path() + "/model-0000" + std::to_string(i + 1) +
                                       "-of-00003.safetensors");
    ASSERT_TRUE(shard.ok()) << shard.status();
    std::vector<std::string> names;
    for (const TensorEntry& tensor : (*shard)->tensors()) names.push_back(tensor.name);
    EXPECT_EQ(names, expected[i]);
  }
}

// Shard by shard, file by file: the checkpoint a writer makes of the tiny sharded fixture.
std::map<std::string, std::string> WriteTinyLlama(const TempDir& dir, bool declare) {
  auto source = Checkpoint::Open(kFixtures + "/valid/tiny_llama_sharded");
  EXPECT_TRUE(source.ok()) << source.status();
  CheckpointWriter writer(dir.path(), /*max_shard_bytes=*/30000);
  std::vector<TensorLayout> layout;
  for (const std::string& name : (*source)->TensorNames()) {
    const TensorEntry* tensor = *(*source)->Find(name);
    layout.push_back({name, tensor->dtype, tensor->shape});
  }
  if (declare) {
    EXPECT_TRUE(writer.Expect(layout).ok());
  }
  for (const TensorLayout& tensor : layout) {
    const TensorEntry* entry = *(*source)->Find(tensor.name);
    EXPECT_TRUE(
        writer.Add(tensor.name, entry->dtype, entry->shape, entry->data, entry->nbytes).ok());
  }
  EXPECT_TRUE(writer.Finish().ok());
  std::map<std::string, std::string> files;
  for (const std::string& name : dir.Files()) files[name] = ReadBytes(dir.path() + "/" + name);
  return files;
}

// Declaring the tensors first only changes how the shards are written, never what they hold.
TEST(CheckpointWriterTest, DeclaredTensorsGiveTheSameFilesByteForByte) {
  TempDir added, declared;
  const auto expected = WriteTinyLlama(added, /*declare=*/false);
  ASSERT_GT(expected.size(), 3u);  // several shards and the index
  EXPECT_EQ(WriteTinyLlama(declared, /*declare=*/true), expected);
}

TEST(CheckpointWriterTest, RefusesTensorsOtherThanTheDeclaredOnesAndLeavesNothing) {
  TempDir dir;
  const std::vector<float> data(8, 1.0f);
  {
    CheckpointWriter writer(dir.path(), /*max_shard_bytes=*/16, {});
    ASSERT_TRUE(writer.Expect({{"a", DType::kF32, {4}}, {"b", DType::kF32, {2, 2}}}).ok());
    absl::Status early = writer.Add("b", DType::kF32, {2, 2}, data.data(), 16);
    EXPECT_EQ(early.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(early.message(), HasSubstr("\"b\" [2, 2] of F32 added where \"a\" [4] of F32"));
    ASSERT_TRUE(writer.Add("a", DType::kF32, {4}, data.data(), 16).ok());
    absl::Status reshaped = writer.Add("b", DType::kF32, {4}, data.data(), 16);
    EXPECT_THAT(reshaped.message(), HasSubstr("was declared"));
    absl::Status missing = writer.Finish();
    EXPECT_THAT(missing.message(),
                HasSubstr("1 declared tensors were never added, the first \"b\""));
  }
  EXPECT_TRUE(dir.Files().empty());

  CheckpointWriter writer(dir.path());
  ASSERT_TRUE(writer.Expect({{"a", DType::kF32, {1}}}).ok());
  EXPECT_THAT(writer.Add("z", DType::kF32, {1}, data.data(), 4).message(), HasSubstr("\"z\""));
  ASSERT_TRUE(writer.Add("a", DType::kF32, {1}, data.data(), 4).ok());
  EXPECT_THAT(writer.Add("z", DType::kF32, {1}, data.data(), 4).message(),
              HasSubstr("was not declared"));
  EXPECT_EQ(writer.Expect({}).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(dir.Files(), std::vector<std::string>{"model.safetensors"});
}

TEST(CheckpointWriterTest, RejectsBadTensorsNamingThemAndStaysUsable) {
  TempDir dir;
  const std::vector<float> data(6, 0.5f);
  CheckpointWriter writer(dir.path());
  ASSERT_TRUE(writer.Add("w", DType::kF32, {2, 3}, data.data(), 24).ok());

  absl::Status duplicate = writer.Add("w", DType::kF32, {2, 3}, data.data(), 24);
  EXPECT_THAT(duplicate.message(), HasSubstr("\"w\""));
  EXPECT_THAT(duplicate.message(), HasSubstr("twice"));
  absl::Status size = writer.Add("x", DType::kBF16, {2, 3}, data.data(), 24);
  EXPECT_THAT(size.message(), HasSubstr("\"x\""));
  EXPECT_THAT(size.message(), HasSubstr("needs 12 bytes, got 24"));
  absl::Status negative = writer.Add("y", DType::kF32, {-1, 3}, data.data(), 12);
  EXPECT_THAT(negative.message(), HasSubstr("negative"));
  EXPECT_FALSE(writer.Add("__metadata__", DType::kF32, {1}, data.data(), 4).ok());
  EXPECT_FALSE(writer.Add("bad\xff utf8", DType::kF32, {1}, data.data(), 4).ok());

  ASSERT_TRUE(writer.Finish().ok());
  auto file = SafetensorsFile::Open(dir.path() + "/model.safetensors");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ((*file)->tensors().size(), 1u);
  EXPECT_FALSE(writer.Add("late", DType::kF32, {1}, data.data(), 4).ok());
  EXPECT_FALSE(writer.Finish().ok());
}

TEST(CheckpointWriterTest, LeavesNothingBehindWhenNotFinished) {
  TempDir dir;
  const std::vector<float> data(64, 1.0f);
  {
    CheckpointWriter writer(dir.path(), /*max_shard_bytes=*/100);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(writer.Add("t" + std::to_string(i), DType::kF32, {64}, data.data(), 256).ok());
    }
    EXPECT_FALSE(dir.Files().empty());  // closed shards wait under temporary names
  }
  EXPECT_TRUE(dir.Files().empty());
}

TEST(CheckpointWriterTest, AMissingDirectoryIsAnErrorNamingIt) {
  TempDir dir;
  const std::string missing = dir.path() + "/not_there";
  const float value = 1.0f;
  CheckpointWriter writer(missing);
  absl::Status status = writer.Add("t", DType::kF32, {1}, &value, 4);
  EXPECT_THAT(status.message(), HasSubstr(missing));
  EXPECT_FALSE(writer.Finish().ok());  // the failure sticks
  EXPECT_TRUE(dir.Files().empty());
}

TEST(CheckpointWriterTest, ReplacesTheWeightsOfAPreviousSaveAndNothingElse) {
  TempDir dir;
  std::ofstream(dir.path() + "/config.json") << "{}";
  std::ofstream(dir.path() + "/model-00009-of-00009.safetensors") << "stale";
  const std::vector<float> data(64, 1.0f);
  {
    CheckpointWriter writer(dir.path(), /*max_shard_bytes=*/256);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(writer.Add("t" + std::to_string(i), DType::kF32, {64}, data.data(), 256).ok());
    }
    ASSERT_TRUE(writer.Finish().ok());
  }
  EXPECT_EQ(dir.Files(), (std::vector<std::string>{
                             "config.json", "model-00001-of-00003.safetensors",
                             "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
                             "model.safetensors.index.json"}));
  {
    CheckpointWriter writer(dir.path());
    ASSERT_TRUE(writer.Add("t", DType::kF32, {64}, data.data(), 256).ok());
    ASSERT_TRUE(writer.Finish().ok());
  }
  EXPECT_EQ(dir.Files(), (std::vector<std::string>{"config.json", "model.safetensors"}));
  auto checkpoint = Checkpoint::Open(dir.path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ((*checkpoint)->TensorNames(), std::vector<std::string>{"t"});
}

TEST(DTypeTest, NamesAndSizesFollowSafetensors) {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    auto parsed = ParseDType(DTypeName(dtype));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, dtype);
  }
  EXPECT_EQ(DTypeSize(DType::kF32), 4u);
  EXPECT_EQ(DTypeSize(DType::kBF16), 2u);
  EXPECT_THAT(ParseDType("F64").status().message(), HasSubstr("F64"));
}

}  // namespace
}  // namespace acdc
