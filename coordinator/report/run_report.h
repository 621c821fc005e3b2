// The run report: one self-contained index.html (Chart.js and the data inlined, so it opens
// offline and can be mailed as one file) with Coverage over generations, fitness per
// generation, the final archive's skills by task group, the lineage of archived models, the
// task pool over time, and the tables. The page's layout and scripts are
// coordinator/report/report_page.html, compiled in; this module derives the series it plots.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace acdc {

struct ReportInputs {
  std::string run;
  nlohmann::json config;                    // the run's configuration
  std::vector<nlohmann::json> generations;  // the export's lines
  std::vector<nlohmann::json> models;
  std::vector<nlohmann::json> tasks;
  std::optional<nlohmann::json> analysis;  // analysis.json of `acdc analyze`, when there is one
  std::string chart_js;                    // the Chart.js library's source
};

// The series the page plots (the JSON inlined into it).
nlohmann::json ReportData(const ReportInputs& inputs);

std::string RenderRunReport(const ReportInputs& inputs);

}  // namespace acdc
