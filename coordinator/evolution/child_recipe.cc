#include "coordinator/evolution/child_recipe.h"

namespace acdc {

using json = nlohmann::json;

std::string ChildRecipeYaml(const RunConfig& config, const std::vector<std::string>& parent_paths,
                            const json& seed) {
  json models = json::array();
  for (const std::string& path : parent_paths) models.push_back(json{{"model", path}});
  json parameters = config.crossover;
  parameters.erase("method");
  json recipe{{"merge_method", config.crossover["method"]},
              {"base_model", config.base_model},
              {"models", models},
              {"seed", seed}};
  if (!parameters.empty()) recipe["parameters"] = parameters;
  if (config.mutation["method"] != "none") recipe["mutation"] = config.mutation;
  return recipe.dump();  // JSON is YAML
}

}  // namespace acdc
