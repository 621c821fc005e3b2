#include "worker/small_world/small_world.h"

#include <chrono>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/progress_line.h"
#include "common/staged_directory.h"
#include "common/status_macros.h"
#include "common/tasks/builtin/registry.h"
#include "common/tasks/builtin_families.h"
#include "common/tasks/prompt.h"
#include "common/tokenizer/chat_template.h"
#include "common/tokenizer/tokenizer.h"
#include "common/tokenizer/tokenizer_trainer.h"
#include "nlohmann/json.hpp"
#include "worker/eval/chat_model.h"
#include "worker/eval/evaluator.h"
#include "worker/merge/merge_config.h"
#include "worker/merge/merge_engine.h"
#include "worker/train/chat_examples.h"
#include "worker/train/initial_weights.h"
#include "worker/train/trainer.h"

namespace acdc {
namespace {

using json = nlohmann::json;

constexpr char kEndOfText[] = "<|endoftext|>";
constexpr char kImStart[] = "<|im_start|>";
constexpr char kImEnd[] = "<|im_end|>";
// Plain ChatML, no default system prompt: every token of a tiny model's context is paid for.
constexpr char kChatTemplate[] =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|im_start|>assistant\\n' }}{% endif %}";
// Documents the tokenizer's word list is counted on.
constexpr int kTokenizerDocuments = 6000;
// Instances of the tables are drawn with this seed (training draws its own).
constexpr uint64_t kTableSeed = 0x7ab1e;
// 2: trained on every variant and phrasing, a held-out slice of problems, a generalist.
constexpr int kWorldVersion = 2;
// Answers are one short line: a model still talking after this many tokens has failed.
constexpr int kEvalMaxNewTokens = 24;
// One thread unless told otherwise: on a quiet 2-core machine two threads train this model
// 1.65x faster (8.9 vs 5.4 steps/s), but when the other core is busy (a build, a test suite)
// OpenMP's spinning threads make two 2.5x slower than one. One thread is never slow.
constexpr int kDefaultThreads = 1;

int Threads(const SeedOptions& options) {
  return options.threads > 0 ? options.threads : kDefaultThreads;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<Skill> AllSkills() {
  std::vector<Skill> skills;
  for (const SkillGroup& group : SmallWorldSkillGroups()) {
    skills.insert(skills.end(), group.skills.begin(), group.skills.end());
  }
  return skills;
}

// Every variant and phrasing of the skill's family at its difficulty: the models meet each way
// of asking, so the held-out benchmark (its problems unseen, its phrasings known) measures
// skills, not phrasings.
absl::StatusOr<std::vector<json>> SkillSpecs(const Skill& skill) {
  const builtin::Family* family = builtin::FindFamily(skill.family);
  if (family == nullptr) return absl::InternalError(absl::StrCat("no family ", skill.family));
  ASSIGN_OR_RETURN(const json base, DefaultBuiltinSpec(skill.family, skill.difficulty));
  std::vector<json> specs;
  for (const builtin::Variant& variant : family->variants) {
    for (size_t phrasing = 0; phrasing < variant.phrasings.size(); ++phrasing) {
      json spec = base;
      spec["variant"] = variant.name;
      spec["phrasing"] = phrasing;
      specs.push_back(std::move(spec));
    }
  }
  return specs;
}

// Equal shares of `skills` (each shared equally by its variants and phrasings), scaled to
// `share` of all examples.
absl::Status AddMixture(const std::vector<Skill>& skills, double share,
                        std::vector<WeightedSpec>& mixture) {
  for (const Skill& skill : skills) {
    ASSIGN_OR_RETURN(std::vector<json> specs, SkillSpecs(skill));
    for (json& spec : specs) {
      mixture.push_back({std::move(spec), share / skills.size() / specs.size()});
    }
  }
  return absl::OkStatus();
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// The corpus the tokenizer learns its words from: rendered chats of every skill.
absl::StatusOr<std::vector<std::string>> TokenizerCorpus(uint64_t seed) {
  ASSIGN_OR_RETURN(ChatTemplate chat, ChatTemplate::FromTemplate(kChatTemplate, "", "small world"));
  std::vector<json> specs;
  for (const Skill& skill : AllSkills()) {
    ASSIGN_OR_RETURN(std::vector<json> skill_specs, SkillSpecs(skill));
    specs.insert(specs.end(), skill_specs.begin(), skill_specs.end());
  }
  std::vector<std::string> documents;
  for (int i = 0; i < kTokenizerDocuments; ++i) {
    const json& spec = specs[static_cast<size_t>(i) % specs.size()];
    ASSIGN_OR_RETURN(Task task, MakeBuiltinTask(spec, seed + static_cast<uint64_t>(i), 1));
    const TaskInstance& instance = task.instances.front();
    ASSIGN_OR_RETURN(std::string text,
                     chat.Render({{"user", UserMessage(instance)},
                                  {"assistant", ReferenceReply(instance.reference)}},
                                 /*add_generation_prompt=*/false));
    documents.push_back(std::move(text));
  }
  return documents;
}

json ModelConfigJson(int vocab_size, int end_of_text, int im_end) {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"vocab_size", vocab_size},
          {"hidden_size", 128},
          {"intermediate_size", 352},
          {"num_hidden_layers", 4},
          {"num_attention_heads", 4},
          {"num_key_value_heads", 4},
          {"max_position_embeddings", 256},
          {"rope_theta", 10000.0},
          {"rms_norm_eps", 1e-5},
          {"hidden_act", "silu"},
          {"attention_bias", false},
          {"mlp_bias", false},
          {"tie_word_embeddings", false},
          {"initializer_range", 0.02},
          {"bos_token_id", end_of_text},
          {"eos_token_id", im_end},
          {"pad_token_id", end_of_text},
          {"torch_dtype", "float32"}};
}

json TokenizerConfigJson() {
  return {{"tokenizer_class", "PreTrainedTokenizerFast"},
          {"chat_template", kChatTemplate},
          {"bos_token", nullptr},
          {"eos_token", kImEnd},
          {"pad_token", kEndOfText},
          {"unk_token", nullptr},
          {"model_max_length", 256},
          {"clean_up_tokenization_spaces", false}};
}

// OUT/init: tokenizer, config and the randomly initialised weights the base starts from.
absl::Status BuildInitialModel(const SeedOptions& options, const std::string& dir) {
  ASSIGN_OR_RETURN(std::vector<std::string> corpus, TokenizerCorpus(options.seed));
  TokenizerTrainingOptions training;
  training.special_tokens = {kEndOfText, kImStart, kImEnd};
  ASSIGN_OR_RETURN(std::string tokenizer_json, TrainWordTokenizer(corpus, training));
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer,
                   Tokenizer::FromJson(tokenizer_json, "the trained tokenizer"));
  const int end_of_text = *tokenizer->TokenToId(kEndOfText);
  const int im_end = *tokenizer->TokenToId(kImEnd);

  ASSIGN_OR_RETURN(StagedDirectory staged, StagedDirectory::Create(dir));
  RETURN_IF_ERROR(WriteText(staged.path() + "/tokenizer.json", tokenizer_json));
  RETURN_IF_ERROR(
      WriteText(staged.path() + "/tokenizer_config.json", TokenizerConfigJson().dump(2)));
  RETURN_IF_ERROR(WriteText(staged.path() + "/config.json",
                            ModelConfigJson(tokenizer->id_limit(), end_of_text, im_end).dump(2)));
  RETURN_IF_ERROR(WriteText(
      staged.path() + "/generation_config.json",
      json{{"bos_token_id", end_of_text}, {"eos_token_id", im_end}, {"pad_token_id", end_of_text}}
          .dump(2)));
  RETURN_IF_ERROR(WriteInitialWeights(staged.path(), options.seed));
  return staged.Commit();
}

// Fine-tunes `from` into `to` on `mixture` unless `to` is already there (an earlier run).
absl::Status TrainStage(const std::string& label, const std::string& from, const std::string& to,
                        std::vector<WeightedSpec> mixture, int steps, double lr, uint64_t seed,
                        const SeedOptions& options) {
  if (IsDirectory(to)) return absl::OkStatus();
  ASSIGN_OR_RETURN(ChatExampleEncoder encoder, ChatExampleEncoder::Load(from));
  ASSIGN_OR_RETURN(std::unique_ptr<FamilyExampleSource> source,
                   FamilyExampleSource::Create(std::move(mixture), std::move(encoder), seed));
  TrainOptions train;
  train.steps = steps;
  train.batch_size = options.batch_size;
  train.learning_rate = lr;
  train.warmup_steps = std::max(1, std::min(50, steps / 15));
  train.device = options.device;
  train.threads = Threads(options);
  ProgressLine line(label + ": ");
  ASSIGN_OR_RETURN(
      TrainReport report, FineTune(from, *source, train, to, [&](const TrainProgress& p) {
        line.Update(absl::StrFormat("step %d/%d, loss %.3f, %.1f steps/s, %.0f s", p.step, p.steps,
                                    p.loss, p.step / std::max(p.seconds, 1e-9), p.seconds));
      }));
  line.Finish(absl::StrFormat("%d steps, loss %.3f -> %.3f, %.0f s", steps, report.first_loss,
                              report.final_loss, report.seconds));
  return absl::OkStatus();
}

std::string ExpertDir(const SeedOptions& options, const SkillGroup& group) {
  return absl::StrCat(options.out_dir, "/experts/", group.name);
}

absl::Status MergePair(const SeedOptions& options, const SkillGroup& a, const SkillGroup& b,
                       const std::string& to) {
  if (IsDirectory(to)) return absl::OkStatus();
  // θ_base + 0.5 (τ_a + τ_b): the mean of the task vectors, AC/DC's default crossover.
  const std::string yaml =
      absl::StrCat("merge_method: task_arithmetic\nbase_model: ", options.out_dir,
                   "/base\nmodels:\n", "  - model: ", ExpertDir(options, a),
                   "\n    parameters: {weight: 0.5}\n", "  - model: ", ExpertDir(options, b),
                   "\n    parameters: {weight: 0.5}\n", "dtype: float32\n");
  ASSIGN_OR_RETURN(MergeRecipe recipe, ParseMergeConfig(yaml, "the small world's merge check"));
  MergeOptions merge;
  merge.device = options.device;
  return MergeToDirectory(recipe, to, merge).status();
}

// One task per skill of the groups, the same instances for every model.
absl::StatusOr<std::vector<Task>> TableTasks(int instances) {
  std::vector<Task> tasks;
  for (const Skill& skill : AllSkills()) {
    ASSIGN_OR_RETURN(json spec, DefaultBuiltinSpec(skill.family, skill.difficulty));
    ASSIGN_OR_RETURN(Task task, MakeBuiltinTask(spec, kTableSeed, instances));
    task.id = skill.family;
    tasks.push_back(std::move(task));
  }
  return tasks;
}

// Group means of per-family scores, and their mean.
GroupScores ByGroup(std::map<std::string, double> by_family) {
  GroupScores scores;
  double total = 0;
  for (const SkillGroup& group : SmallWorldSkillGroups()) {
    double sum = 0;
    for (const Skill& skill : group.skills) sum += by_family[skill.family];
    scores[group.name] = sum / group.skills.size();
    total += scores[group.name];
  }
  scores["mean"] = total / SmallWorldSkillGroups().size();
  return scores;
}

// The model's table (tasks[0..n-2], one per family) and benchmark (tasks.back(), items
// "<family>-<n>") scores by group.
absl::StatusOr<std::pair<GroupScores, GroupScores>> ScoreModel(const std::string& name,
                                                               const std::string& dir,
                                                               const std::vector<Task>& tasks,
                                                               const SeedOptions& options) {
  RuntimeOptions runtime;
  runtime.device = options.device;
  runtime.threads = Threads(options);
  ASSIGN_OR_RETURN(std::unique_ptr<ChatModel> model, LoadChatModel(dir, runtime));
  EvaluationOptions evaluation;
  evaluation.max_new_tokens = kEvalMaxNewTokens;
  ProgressLine line("eval " + name + ": ");
  evaluation.progress = [&](int done, int total) {
    line.Update(absl::StrCat(done, "/", total, " instances"));
  };
  ASSIGN_OR_RETURN(Evaluation result, Evaluate(*model, tasks, evaluation));
  line.Finish(
      absl::StrFormat("%d tasks in %.1f s", static_cast<int>(tasks.size()), result.seconds));
  std::map<std::string, double> table;
  for (size_t t = 0; t + 1 < result.tasks.size(); ++t) {
    table[result.tasks[t].task_id] = result.tasks[t].score;
  }
  std::map<std::string, double> held_out;
  std::map<std::string, int> items;
  for (const InstanceResult& item : result.tasks.back().instances) {
    const std::string family = item.instance_id.substr(0, item.instance_id.rfind('-'));
    held_out[family] += item.score;
    ++items[family];
  }
  for (auto& [family, sum] : held_out) sum /= items[family];
  return std::make_pair(ByGroup(std::move(table)), ByGroup(std::move(held_out)));
}

// Expert pairs for the merge check, spread over the groups: (0,1), (2,3), (1,3), (0,2), ...
std::vector<std::pair<int, int>> MergePairs(int experts, int count) {
  const std::pair<int, int> order[] = {{0, 1}, {2, 3}, {1, 3}, {0, 2}, {0, 3}, {1, 2}};
  std::vector<std::pair<int, int>> pairs;
  for (const auto& pair : order) {
    if (static_cast<int>(pairs.size()) < count && pair.second < experts) pairs.push_back(pair);
  }
  return pairs;
}

json OptionsJson(const SeedOptions& options) {
  return {{"world_version", kWorldVersion},
          {"experts", options.experts},
          {"seed", options.seed},
          {"base_steps", options.base_steps},
          {"base_lr", options.base_lr},
          {"expert_steps", options.expert_steps},
          {"expert_lr", options.expert_lr},
          {"replay", options.replay},
          {"batch_size", options.batch_size},
          {"eval_instances", options.eval_instances},
          {"merge_pairs", options.merge_pairs}};
}

json ReportToJson(const SeedReport& report, const SeedOptions& options) {
  json models = json::array();
  for (const SeedModelRow& row : report.models) {
    models.push_back({{"name", row.name},
                      {"directory", row.directory},
                      {"scores", row.scores},
                      {"benchmark", row.benchmark}});
  }
  return {{"options", OptionsJson(options)},
          {"models", models},
          {"stage_seconds", report.stage_seconds},
          {"seconds", report.seconds}};
}

// What an earlier build in the same directory recorded (its tables when it finished), provided
// it used the same options: stages built with others are never mixed into this build.
absl::StatusOr<SeedReport> ReportFromJson(const std::string& path, const SeedOptions& options) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("models") || !j["models"].is_array()) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a seed report; remove it to build the small world again"));
  }
  const json wanted = OptionsJson(options);
  for (const auto& [key, value] : wanted.items()) {
    if (j["options"].value(key, json()) != value) {
      return absl::FailedPreconditionError(
          absl::StrCat(options.out_dir, " holds a small world built with ", key, " = ",
                       j["options"].value(key, json()).dump(), ", not ", value.dump(),
                       "; choose another --out or remove it"));
    }
  }
  SeedReport report;
  for (const json& row : j["models"]) {
    report.models.push_back({row.value("name", ""), row.value("directory", ""),
                             row.value("scores", GroupScores()),
                             row.value("benchmark", GroupScores())});
  }
  report.stage_seconds = j.value("stage_seconds", std::map<std::string, double>());
  report.seconds = j.value("seconds", 0.0);
  report.reused = true;
  return report;
}

absl::Status CheckOptions(const SeedOptions& options) {
  const int groups = static_cast<int>(SmallWorldSkillGroups().size());
  if (options.experts < 1 || options.experts > groups) {
    return absl::InvalidArgumentError(
        absl::StrCat("--experts must be 1 to ", groups, " (one per skill group)"));
  }
  if (options.replay < 0 || options.replay >= 1)
    return absl::InvalidArgumentError("--replay must be in [0, 1)");
  return absl::OkStatus();
}

class SmallWorldBuild {
 public:
  SmallWorldBuild(const SeedOptions& options, const std::function<void(const std::string&)>& log)
      : options_(options), log_(log) {}

  absl::StatusOr<SeedReport> Run() {
    const auto start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(Stage("init", [&] { return Initial(); }));
    RETURN_IF_ERROR(Stage("base", [&] { return Base(); }));
    RETURN_IF_ERROR(Stage("experts", [&] { return Experts(); }));
    RETURN_IF_ERROR(Stage("generalist", [&] { return Generalist(); }));
    RETURN_IF_ERROR(Stage("merges", [&] { return Merges(); }));
    RETURN_IF_ERROR(Stage("tables", [&] { return Tables(); }));
    report_.seconds = Since(start);
    RETURN_IF_ERROR(
        WriteText(options_.out_dir + "/seed.json", ReportToJson(report_, options_).dump(2) + "\n"));
    return report_;
  }

 private:
  std::string Dir(const std::string& name) const {
    return absl::StrCat(options_.out_dir, "/", name);
  }

  absl::Status Stage(const std::string& name, const std::function<absl::Status()>& body) {
    const auto start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(body());
    report_.stage_seconds[name] = Since(start);
    return absl::OkStatus();
  }

  absl::Status Initial() {
    if (IsDirectory(Dir("init"))) return absl::OkStatus();
    log_("building the tokenizer and the initial model");
    return BuildInitialModel(options_, Dir("init"));
  }

  absl::Status Base() {
    std::vector<WeightedSpec> mixture;
    RETURN_IF_ERROR(AddMixture(AllSkills(), 1.0, mixture));
    log_(absl::StrCat("pre-training the base model on ", AllSkills().size(), " skills"));
    return TrainStage("base", Dir("init"), Dir("base"), std::move(mixture), options_.base_steps,
                      options_.base_lr, options_.seed + 1, options_);
  }

  absl::Status Experts() {
    RETURN_IF_ERROR(EnsureDirectory(Dir("experts")));
    for (int i = 0; i < options_.experts; ++i) {
      const SkillGroup& group = SmallWorldSkillGroups()[static_cast<size_t>(i)];
      std::vector<WeightedSpec> mixture;
      RETURN_IF_ERROR(AddMixture(group.skills, 1 - options_.replay, mixture));
      if (options_.replay > 0) RETURN_IF_ERROR(AddMixture(AllSkills(), options_.replay, mixture));
      log_(absl::StrCat("fine-tuning the ", group.name, " expert (",
                        absl::StrJoin(group.skills, ", ",
                                      [](std::string* out, const Skill& skill) {
                                        absl::StrAppend(out, skill.family);
                                      }),
                        ")"));
      RETURN_IF_ERROR(TrainStage("expert " + group.name, Dir("base"), ExpertDir(options_, group),
                                 std::move(mixture), options_.expert_steps, options_.expert_lr,
                                 options_.seed + 2 + static_cast<uint64_t>(i), options_));
    }
    return absl::OkStatus();
  }

  // The single model a user would train instead of evolving experts: the base fine-tuned on
  // every skill for as many steps as the experts together.
  absl::Status Generalist() {
    std::vector<WeightedSpec> mixture;
    RETURN_IF_ERROR(AddMixture(AllSkills(), 1.0, mixture));
    const int steps = options_.expert_steps * options_.experts;
    log_(absl::StrCat("fine-tuning the generalist on all ", AllSkills().size(), " skills (", steps,
                      " steps, the experts' together)"));
    return TrainStage("generalist", Dir("base"), Dir("generalist"), std::move(mixture), steps,
                      options_.expert_lr, options_.seed + 100, options_);
  }

  absl::Status Merges() {
    const auto pairs = MergePairs(options_.experts, options_.merge_pairs);
    if (pairs.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(EnsureDirectory(Dir("merges")));
    for (const auto& [a, b] : pairs) {
      const SkillGroup& first = SmallWorldSkillGroups()[static_cast<size_t>(a)];
      const SkillGroup& second = SmallWorldSkillGroups()[static_cast<size_t>(b)];
      RETURN_IF_ERROR(MergePair(options_, first, second,
                                Dir(absl::StrCat("merges/", first.name, "+", second.name))));
    }
    return absl::OkStatus();
  }

  absl::Status Tables() {
    log_("scoring every model on each skill group");
    ASSIGN_OR_RETURN(std::vector<Task> tasks, TableTasks(options_.eval_instances));
    ASSIGN_OR_RETURN(Task benchmark, SmallWorldBenchmark());
    tasks.push_back(std::move(benchmark));
    std::vector<std::pair<std::string, std::string>> models = {{"base", Dir("base")}};
    for (int i = 0; i < options_.experts; ++i) {
      const SkillGroup& group = SmallWorldSkillGroups()[static_cast<size_t>(i)];
      models.emplace_back("expert " + group.name, ExpertDir(options_, group));
    }
    models.emplace_back("generalist", Dir("generalist"));
    for (const auto& [a, b] : MergePairs(options_.experts, options_.merge_pairs)) {
      const std::string pair =
          absl::StrCat(SmallWorldSkillGroups()[static_cast<size_t>(a)].name, "+",
                       SmallWorldSkillGroups()[static_cast<size_t>(b)].name);
      models.emplace_back("merge " + pair, Dir("merges/" + pair));
    }
    for (const auto& [name, dir] : models) {
      ASSIGN_OR_RETURN(auto scores, ScoreModel(name, dir, tasks, options_));
      report_.models.push_back({name, dir, std::move(scores.first), std::move(scores.second)});
    }
    return absl::OkStatus();
  }

  const SeedOptions& options_;
  const std::function<void(const std::string&)>& log_;
  SeedReport report_;
};

double ScoreOf(const GroupScores& scores, const std::string& group) {
  const auto it = scores.find(group);
  return it == scores.end() ? 0.0 : it->second;
}

const SeedModelRow* FindRow(const SeedReport& report, const std::string& name) {
  for (const SeedModelRow& row : report.models) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

// "merge a+b keeps 84% of the a expert's gain on a, 54% of the b expert's on b": the share of
// each parent's own-group gain over the base that survives the merge.
std::string MergeRetention(const SeedReport& report, const SeedModelRow& merge) {
  const std::string pair = merge.name.substr(std::string("merge ").size());
  const SeedModelRow* base = FindRow(report, "base");
  std::string line = merge.name + " keeps";
  const std::vector<std::string> groups = absl::StrSplit(pair, '+');
  for (size_t i = 0; i < groups.size(); ++i) {
    const SeedModelRow* expert = FindRow(report, "expert " + groups[i]);
    if (base == nullptr || expert == nullptr) return "";
    const std::string& g = groups[i];
    const double gain = ScoreOf(expert->scores, g) - ScoreOf(base->scores, g);
    const double kept = ScoreOf(merge.scores, g) - ScoreOf(base->scores, g);
    absl::StrAppend(&line, i == 0 ? " " : ", ",
                    gain > 0 ? absl::StrFormat("%.0f%%", 100 * kept / gain) : std::string("n/a"),
                    " of the ", g, " expert's gain on ", g,
                    absl::StrFormat(" (%+.1f of %+.1f points)", 100 * kept, 100 * gain));
  }
  return line + "\n";
}

std::string TableRow(const std::string& name, const GroupScores& scores,
                     const std::vector<std::string>& columns) {
  std::string row = absl::StrFormat("%-28s", name);
  for (const std::string& column : columns) {
    absl::StrAppend(&row, absl::StrFormat(" %11.1f", 100 * ScoreOf(scores, column)));
  }
  return row + "\n";
}

}  // namespace

absl::StatusOr<SeedReport> BuildSmallWorld(const SeedOptions& options,
                                           const std::function<void(const std::string&)>& log) {
  RETURN_IF_ERROR(CheckOptions(options));
  RETURN_IF_ERROR(EnsureDirectory(options.out_dir));
  const std::string path = options.out_dir + "/seed.json";
  if (IsRegularFile(path)) {
    ASSIGN_OR_RETURN(SeedReport earlier, ReportFromJson(path, options));
    if (!earlier.models.empty()) return earlier;
  } else {
    RETURN_IF_ERROR(WriteText(path, ReportToJson(SeedReport(), options).dump(2) + "\n"));
  }
  return SmallWorldBuild(options, log).Run();
}

std::string FormatSeedTables(const SeedReport& report) {
  std::vector<std::string> columns;
  for (const SkillGroup& group : SmallWorldSkillGroups()) columns.push_back(group.name);
  columns.push_back("mean");
  std::string header = absl::StrFormat("%-28s", "solve rate %");
  for (const std::string& column : columns)
    absl::StrAppend(&header, absl::StrFormat(" %11s", column));
  std::string text = header + "\n";
  for (const SeedModelRow& row : report.models) {
    absl::StrAppend(&text, TableRow(row.name, row.scores, columns));
  }
  absl::StrAppend(&text, "\n", absl::StrFormat("%-28s", "held-out benchmark %"), header.substr(28),
                  "\n");
  for (const SeedModelRow& row : report.models) {
    absl::StrAppend(&text, TableRow(row.name, row.benchmark, columns));
  }
  for (const SeedModelRow& row : report.models) {
    if (absl::StartsWith(row.name, "merge ")) absl::StrAppend(&text, MergeRetention(report, row));
  }
  return text;
}

}  // namespace acdc
