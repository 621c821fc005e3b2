// `acdc report RUN (--data DIR | --coordinator ADDR --token-file F) [--analysis DIR] --out DIR`:
// writes the run report (coordinator/report/run_report.h) as DIR/index.html.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/flags.h"
#include "coordinator/cli/client_commands.h"
#include "coordinator/cli/run_source.h"
#include "coordinator/report/run_report.h"

namespace acdc {
namespace {

using json = nlohmann::json;

// Debian's libjs-chart.js.
constexpr char kDefaultChartJs[] = "/usr/share/javascript/chart.js/chart.min.js";

int Fail(const absl::Status& status) {
  std::cerr << "acdc report: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    lines.push_back(json::parse(line));
  }
  return lines;
}

}  // namespace

int RunReportCommand(const std::vector<std::string>& args) {
  RunSourceOptions source_options;
  std::string run;
  std::string analysis_dir;
  std::string out;
  std::string chart_js = kDefaultChartJs;
  FlagSet flags("acdc report",
                "Writes a run's report as one self-contained HTML page (OUT/index.html, opens "
                "offline): Coverage over generations (with an analysis), fitness per "
                "generation, the archive's skills by task group, the lineage of archived "
                "models, the task pool over time, and the tables.");
  flags.AddPositional("RUN", &run, "the run id");
  AddRunSourceFlags(flags, &source_options);
  flags.AddString("analysis", &analysis_dir,
                  "directory of `acdc analyze`'s analysis.json (default: --out, when it has one)");
  flags.AddString("out", &out, "directory for index.html");
  flags.AddString("chart-js", &chart_js, "the Chart.js library to inline (Debian libjs-chart.js)");
  flags.Require("out");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  ReportInputs inputs;
  absl::StatusOr<std::string> library = ReadFileToString(chart_js);
  if (!library.ok()) {
    return Fail(absl::FailedPreconditionError(
        absl::StrCat("--chart-js: cannot read '", chart_js,
                     "' (install Debian's libjs-chart.js, as deploy/build.sh does)")));
  }
  inputs.chart_js = *std::move(library);
  if (analysis_dir.empty() && IsRegularFile(absl::StrCat(out, "/analysis.json"))) {
    analysis_dir = out;
  }
  if (!analysis_dir.empty()) {
    const std::string path = absl::StrCat(analysis_dir, "/analysis.json");
    absl::StatusOr<std::string> text = ReadFileToString(path);
    if (!text.ok())
      return Fail(
          absl::InvalidArgumentError(absl::StrCat("--analysis: ", text.status().message())));
    json analysis = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!analysis.is_object() || !analysis.contains("coverage")) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat(path, " is not an analysis.json of `acdc analyze`")));
    }
    inputs.analysis = std::move(analysis);
  }
  absl::StatusOr<std::unique_ptr<RunSource>> source = OpenRunSource(source_options);
  if (!source.ok()) return Fail(source.status());
  absl::StatusOr<std::string> resolved = (*source)->ResolveRun(run);
  if (!resolved.ok()) return Fail(resolved.status());
  inputs.run = *resolved;
  absl::StatusOr<std::vector<std::string>> config = (*source)->Records(inputs.run, "config", "");
  if (!config.ok()) return Fail(config.status());
  inputs.config = json::parse(config->at(0));
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> files =
      (*source)->Export(inputs.run);
  if (!files.ok()) return Fail(files.status());
  for (const auto& [name, content] : *files) {
    if (name == "generations.jsonl") inputs.generations = JsonLines(content);
    if (name == "models.jsonl") inputs.models = JsonLines(content);
    if (name == "tasks.jsonl") inputs.tasks = JsonLines(content);
  }
  if (absl::Status status = EnsureDirectory(out); !status.ok()) return Fail(status);
  const std::string path = absl::StrCat(out, "/index.html");
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << RenderRunReport(inputs);
  file.close();
  if (!file) return Fail(absl::InternalError(absl::StrCat("cannot write ", path)));
  std::cout << "report: " << path << std::endl;
  return 0;
}

}  // namespace acdc
