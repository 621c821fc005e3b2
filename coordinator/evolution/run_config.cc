#include "coordinator/evolution/run_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

using nlohmann::json;

// A YAML scalar as JSON: quoted text stays a string, plain text becomes a bool, integer or
// number when it reads as one.
json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  char* end = nullptr;
  const long long integer = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() && *end == '\0') return integer;
  const double number = std::strtod(text.c_str(), &end);
  if (end != text.c_str() && *end == '\0') return number;
  return text;
}

json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) object[entry.first.Scalar()] = YamlToJson(entry.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const auto& item : node) array.push_back(YamlToJson(item));
      return array;
    }
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    default:
      return nullptr;
  }
}

// Reads one object's keys, naming "source: a.b.c" in each error; keys never read are errors.
class Reader {
 public:
  Reader(const json& object, std::string source, std::string path)
      : object_(object), source_(std::move(source)), path_(std::move(path)) {}

  absl::Status status() const { return status_; }

  const json* Get(const std::string& key) {
    seen_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  void Int(const std::string& key, int* out, int min, int max) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_number_integer() || value->get<long long>() < min ||
        value->get<long long>() > max) {
      Error(key,
            absl::StrFormat("must be an integer in [%d, %d], got %s", min, max, value->dump()));
      return;
    }
    *out = value->get<int>();
  }
  void Uint64(const std::string& key, uint64_t* out) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_number_integer() || value->get<long long>() < 0) {
      Error(key, absl::StrCat("must be a non-negative integer, got ", value->dump()));
      return;
    }
    *out = value->get<uint64_t>();
  }
  void Double(const std::string& key, double* out, double min, double max) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_number() || value->get<double>() < min || value->get<double>() > max) {
      Error(key, absl::StrFormat("must be a number in [%g, %g], got %s", min, max, value->dump()));
      return;
    }
    *out = value->get<double>();
  }
  void Choice(const std::string& key, std::string* out, const std::vector<std::string>& choices) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_string() ||
        std::find(choices.begin(), choices.end(), value->get<std::string>()) == choices.end()) {
      Error(key,
            absl::StrCat("must be one of ", absl::StrJoin(choices, ", "), ", got ", value->dump()));
      return;
    }
    *out = value->get<std::string>();
  }
  void String(const std::string& key, std::string* out) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_string() || value->get<std::string>().empty()) {
      Error(key, absl::StrCat("must be a non-empty string, got ", value->dump()));
      return;
    }
    *out = value->get<std::string>();
  }
  void Int64(const std::string& key, int64_t* out, int64_t min) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_number_integer() || value->get<int64_t>() < min) {
      Error(key, absl::StrFormat("must be an integer of at least %d, got %s", min, value->dump()));
      return;
    }
    *out = value->get<int64_t>();
  }
  void Path(const std::string& key, std::string* out, const std::string& base_dir) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_string() || value->get<std::string>().empty()) {
      Error(key, absl::StrCat("must be a path, got ", value->dump()));
      return;
    }
    *out = Resolve(value->get<std::string>(), base_dir);
  }
  void Paths(const std::string& key, std::vector<std::string>* out, const std::string& base_dir) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_array()) {
      Error(key, absl::StrCat("must be a list of paths, got ", value->dump()));
      return;
    }
    out->clear();
    for (const json& item : *value) {
      if (!item.is_string() || item.get<std::string>().empty()) {
        Error(key, absl::StrCat("must be a list of paths, got an item ", item.dump()));
        return;
      }
      out->push_back(Resolve(item.get<std::string>(), base_dir));
    }
  }
  // A nested object: its reader, or null (an error) when the value is not an object.
  std::unique_ptr<Reader> Object(const std::string& key) {
    static const json kEmpty = json::object();
    const json* value = Get(key);
    if (value != nullptr && !value->is_object()) {
      Error(key, absl::StrCat("must be a mapping, got ", value->dump()));
      return nullptr;
    }
    return std::make_unique<Reader>(value == nullptr ? kEmpty : *value, source_, Name(key));
  }
  // A method with free parameters ({method: NAME, ...}): kept as given.
  void Method(const std::string& key, json* out) {
    const json* value = Get(key);
    if (value == nullptr) return;
    if (!value->is_object() || !value->contains("method") || !(*value)["method"].is_string()) {
      Error(key, absl::StrCat("must be a mapping with a 'method' name, got ", value->dump()));
      return;
    }
    *out = *value;
  }
  void Error(const std::string& key, const std::string& what) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(source_, ": ", Name(key), ": ", what));
    }
  }
  // Errors for keys nobody asked for, then the first error of this object or `nested`.
  absl::Status Finish(std::initializer_list<const Reader*> nested = {}) {
    for (const Reader* reader : nested) {
      if (reader != nullptr && !reader->status().ok() && status_.ok()) status_ = reader->status();
    }
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.count(key)) Error(key, "unknown key");
    }
    return status_;
  }

 private:
  std::string Name(const std::string& key) const {
    return path_.empty() ? key : absl::StrCat(path_, ".", key);
  }
  static std::string Resolve(const std::string& path, const std::string& base_dir) {
    std::filesystem::path resolved(path);
    if (resolved.is_relative() && !base_dir.empty())
      resolved = std::filesystem::path(base_dir) / resolved;
    return resolved.lexically_normal().string();
  }

  const json& object_;
  std::string source_;
  std::string path_;
  std::set<std::string> seen_;
  absl::Status status_;
};

// The endpoint keys of a scientist:/embeddings: section; an openai backend needs base_url and
// model.
void ReadEndpoint(Reader& reader, RunConfig::LlmEndpoint* endpoint, const std::string& base_dir,
                  const std::vector<std::string>& backends) {
  reader.Choice("backend", &endpoint->backend, backends);
  reader.String("base_url", &endpoint->base_url);
  // A worker-hosted model is a checkpoint directory, resolved like every path of the file.
  if (endpoint->backend == "worker") {
    reader.Path("model", &endpoint->model, base_dir);
  } else {
    reader.String("model", &endpoint->model);
  }
  reader.Path("api_key_file", &endpoint->api_key_file, base_dir);
  reader.Double("timeout_s", &endpoint->timeout_s, 0.001, 86400);
  reader.Int("retries", &endpoint->retries, 0, 100);
  reader.Int("max_concurrency", &endpoint->max_concurrency, 1, 4096);
  reader.Int64("token_budget", &endpoint->token_budget, 0);
  reader.Double("temperature", &endpoint->temperature, 0, 2);
  reader.Int("max_tokens", &endpoint->max_tokens, 1, 1 << 20);
  if (endpoint->backend == "openai") {
    if (endpoint->base_url.empty()) reader.Error("base_url", "is required with backend openai");
    if (endpoint->model.empty()) reader.Error("model", "is required with backend openai");
  }
  if (endpoint->backend == "worker" && endpoint->model.empty()) {
    reader.Error("model", "is required with backend worker (a checkpoint the workers read)");
  }
}

json EndpointJson(const RunConfig::LlmEndpoint& endpoint) {
  if (endpoint.backend != "openai" && endpoint.backend != "worker") {
    return json{{"backend", endpoint.backend}};
  }
  json out = json{{"backend", endpoint.backend},
                  {"model", endpoint.model},
                  {"timeout_s", endpoint.timeout_s},
                  {"retries", endpoint.retries},
                  {"max_concurrency", endpoint.max_concurrency},
                  {"token_budget", endpoint.token_budget},
                  {"temperature", endpoint.temperature},
                  {"max_tokens", endpoint.max_tokens}};
  if (!endpoint.base_url.empty()) out["base_url"] = endpoint.base_url;
  if (!endpoint.api_key_file.empty()) out["api_key_file"] = endpoint.api_key_file;
  return out;
}

// A builtin scientist keeps the form runs had before LLM backends, so their ids stay.
json ScientistJson(const RunConfig::Scientist& scientist) {
  json out = EndpointJson(scientist);
  if (scientist.backend != "builtin") {
    if (!scientist.prompts_dir.empty()) out["prompts_dir"] = scientist.prompts_dir;
    out["max_reflections"] = scientist.max_reflections;
    out["novelty_threshold"] = scientist.novelty_threshold;
  }
  return out;
}

// Defaults are left out, so configurations from before calls_per_task keep their ids.
json JudgeJson(const RunConfig::Judge& judge) {
  json out = EndpointJson(judge);
  if (judge.calls_per_task != RunConfig::Judge::kDefaultCallsPerTask) {
    out["calls_per_task"] = judge.calls_per_task;
  }
  return out;
}

absl::StatusOr<RunConfig> ConfigFromJson(const json& root, const std::string& source,
                                         const std::string& base_dir) {
  if (!root.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": the configuration must be a mapping"));
  }
  RunConfig config;
  Reader top(root, source, "");
  top.Uint64("seed", &config.seed);
  top.Int("generations", &config.generations, 0, 1'000'000);
  top.Path("base_model", &config.base_model, base_dir);
  top.Paths("seed_models", &config.seed_models, base_dir);
  top.Int("population", &config.population, 1, 100'000);
  top.Int("children_per_generation", &config.children_per_generation, 1, 100'000);
  top.Method("crossover", &config.crossover);
  top.Method("mutation", &config.mutation);
  std::unique_ptr<Reader> selection = top.Object("selection");
  if (selection) {
    selection->Int("k", &config.selection.k, 1, 1'000'000);
    selection->Double("dominated_score", &config.selection.dominated_score, -1e300, 1e300);
    selection->Double("skill_threshold", &config.selection.skill_threshold, 0, 1);
    (void)selection->Finish();
  }
  std::unique_ptr<Reader> tasks = top.Object("tasks");
  if (tasks) {
    tasks->Paths("seed_tasks", &config.tasks.seed_tasks, base_dir);
    tasks->Int("initial_pool", &config.tasks.initial_pool, 1, 10'000'000);
    tasks->Int("pool_cap", &config.tasks.pool_cap, 1, 10'000'000);
    tasks->Int("adapt_every", &config.tasks.adapt_every, 0, 1'000'000);  // 0: never
    tasks->Int("new_per_adaptation", &config.tasks.new_per_adaptation, 0, 10'000'000);
    tasks->Double("easy_above", &config.tasks.easy_above, 0, 1);
    tasks->Double("novel_similar_probability", &config.tasks.novel_similar_probability, 0, 1);
    tasks->Int("instances_per_task", &config.tasks.instances_per_task, 1, 100'000);
    (void)tasks->Finish();
  }
  std::unique_ptr<Reader> scientist = top.Object("scientist");
  if (scientist) {
    ReadEndpoint(*scientist, &config.scientist, base_dir, {"builtin", "openai", "worker"});
    scientist->Path("prompts_dir", &config.scientist.prompts_dir, base_dir);
    scientist->Int("max_reflections", &config.scientist.max_reflections, 1, 100);
    scientist->Double("novelty_threshold", &config.scientist.novelty_threshold, -1, 1);
    (void)scientist->Finish();
  }
  std::unique_ptr<Reader> embeddings = top.Object("embeddings");
  if (embeddings) {
    ReadEndpoint(*embeddings, &config.embeddings, base_dir, {"none", "openai", "worker"});
    (void)embeddings->Finish();
  }
  top.Choice("gibberish_check", &config.gibberish_check, {"builtin", "judge", "none"});
  std::unique_ptr<Reader> judge = top.Object("judge");
  if (judge) {
    ReadEndpoint(*judge, &config.judge, base_dir, {"scientist", "openai", "worker"});
    judge->Int("calls_per_task", &config.judge.calls_per_task, 0, 1 << 20);
    (void)judge->Finish();
  }
  std::unique_ptr<Reader> evaluation = top.Object("evaluation");
  if (evaluation) {
    evaluation->Int("max_new_tokens", &config.evaluation.max_new_tokens, 1, 1 << 20);
    evaluation->Int("batch_size", &config.evaluation.batch_size, 1, 1 << 16);
    (void)evaluation->Finish();
  }
  top.Choice("keep_weights", &config.keep_weights, {"archived", "current", "all"});
  RETURN_IF_ERROR(top.Finish({selection.get(), tasks.get(), scientist.get(), embeddings.get(),
                              judge.get(), evaluation.get()}));

  auto error = [&](const std::string& key, const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", key, ": ", what));
  };
  if (config.base_model.empty()) return error("base_model", "is required");
  if (config.seed_models.size() < 2) {
    return error("seed_models", "needs at least two models (crossover takes two parents)");
  }
  if (config.tasks.seed_tasks.empty()) return error("tasks.seed_tasks", "is required");
  if (config.crossover["method"] == "none") return error("crossover.method", "cannot be none");
  if (config.gibberish_check == "judge" && config.judge.backend == "scientist" &&
      config.scientist.backend == "builtin") {
    return error("gibberish_check",
                 "judge needs a judge: {backend: openai | worker, ...} or an LLM scientist to ask");
  }
  return config;
}

}  // namespace

json RunConfig::ToJson() const {
  json out =
      json{{"seed", seed},
           {"generations", generations},
           {"base_model", base_model},
           {"seed_models", seed_models},
           {"population", population},
           {"children_per_generation", children_per_generation},
           {"crossover", crossover},
           {"mutation", mutation},
           {"selection",
            {{"k", selection.k},
             {"dominated_score", selection.dominated_score},
             {"skill_threshold", selection.skill_threshold}}},
           {"tasks",
            {{"seed_tasks", tasks.seed_tasks},
             {"initial_pool", tasks.initial_pool},
             {"pool_cap", tasks.pool_cap},
             {"adapt_every", tasks.adapt_every},
             {"new_per_adaptation", tasks.new_per_adaptation},
             {"easy_above", tasks.easy_above},
             {"novel_similar_probability", tasks.novel_similar_probability},
             {"instances_per_task", tasks.instances_per_task}}},
           {"scientist", ScientistJson(scientist)},
           {"gibberish_check", gibberish_check},
           {"evaluation",
            {{"max_new_tokens", evaluation.max_new_tokens}, {"batch_size", evaluation.batch_size}}},
           {"keep_weights", keep_weights}};
  if (embeddings.backend != "none") out["embeddings"] = EndpointJson(embeddings);
  if (gibberish_check == "judge" || judge.backend != "scientist" ||
      judge.calls_per_task != Judge::kDefaultCallsPerTask) {
    out["judge"] = JudgeJson(judge);
  }
  return out;
}

absl::StatusOr<RunConfig> ParseRunConfig(const std::string& yaml, const std::string& source,
                                         const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid YAML: ", e.what()));
  }
  return ConfigFromJson(YamlToJson(root), source, base_dir);
}

absl::StatusOr<RunConfig> RunConfigFromJson(const json& json) {
  return ConfigFromJson(json, "stored run configuration", "");
}

std::string RunIdOf(const RunConfig& config) {
  // FNV-1a, 64 bits: stable across builds and machines (std::hash is neither).
  uint64_t hash = 1469598103934665603ULL;
  for (const unsigned char c : config.ToJson().dump()) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("run-%012x", hash & 0xffffffffffffULL);
}

}  // namespace acdc
