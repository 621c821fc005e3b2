// Parsing, validation and writing of built-in specs (schema in spec.h).
#include "common/tasks/builtin/spec.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/tasks/builtin/registry.h"
#include "common/tasks/json_fields.h"

namespace acdc::builtin {
namespace {

using nlohmann::json;

absl::Status FieldError(const std::string& path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

absl::Status CheckFields(const json& object, const std::string& path,
                         const std::set<std::string>& allowed) {
  for (const std::string& field : allowed) {
    if (!object.contains(field)) return FieldError(absl::StrCat(path, ".", field), "missing");
  }
  for (const auto& [field, value] : object.items()) {
    if (allowed.count(field) == 0) {
      return FieldError(
          absl::StrCat(path, ".", field),
          absl::StrCat("unknown field; a spec has only ", absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> VariantIndex(const Family& family, const json& value, const std::string& path) {
  std::vector<std::string> names;
  for (const Variant& variant : family.variants) names.push_back(variant.name);
  for (size_t i = 0; i < names.size(); ++i) {
    if (value.is_string() && value.get<std::string>() == names[i]) return static_cast<int>(i);
  }
  return FieldError(path, absl::StrCat(family.name, " has the variants ",
                                       absl::StrJoin(names, ", "), "; got ", value.dump()));
}

absl::StatusOr<SpecNode> ParseAt(const json& json_spec, const std::string& path);

absl::StatusOr<SpecNode> ParseLeaf(const Family& family, const json& json_spec,
                                   const std::string& path) {
  RETURN_IF_ERROR(CheckFields(json_spec, path, {"family", "difficulty", "variant", "phrasing"}));
  SpecNode node;
  node.leaf.family = &family;
  ASSIGN_OR_RETURN(node.leaf.difficulty,
                   IntField(json_spec, "difficulty", path, kMinDifficulty, kMaxDifficulty));
  ASSIGN_OR_RETURN(node.leaf.variant,
                   VariantIndex(family, json_spec.at("variant"), path + ".variant"));
  const int phrasings = static_cast<int>(VariantOf(node.leaf).phrasings.size());
  ASSIGN_OR_RETURN(node.leaf.phrasing, IntField(json_spec, "phrasing", path, 0, phrasings - 1));
  return node;
}

absl::StatusOr<SpecNode> ParseComposition(const json& json_spec, const std::string& path) {
  RETURN_IF_ERROR(CheckFields(json_spec, path, {"family", "first", "then"}));
  SpecNode node;
  ASSIGN_OR_RETURN(SpecNode first, ParseAt(json_spec.at("first"), path + ".first"));
  ASSIGN_OR_RETURN(SpecNode then, ParseAt(json_spec.at("then"), path + ".then"));
  if (absl::Status status = CheckChain(first, then); !status.ok()) {
    return FieldError(path, status.message());
  }
  node.steps = {std::move(first), std::move(then)};
  return node;
}

absl::StatusOr<SpecNode> ParseAt(const json& json_spec, const std::string& path) {
  if (!json_spec.is_object()) return FieldError(path, "must be a JSON object");
  if (!json_spec.contains("family") || !json_spec["family"].is_string()) {
    return FieldError(path + ".family", "missing or not a string");
  }
  const std::string name = json_spec["family"].get<std::string>();
  if (name == kComposeFamily) return ParseComposition(json_spec, path);
  const Family* family = FindFamily(name);
  if (family == nullptr) {
    return FieldError(path + ".family", absl::StrCat("unknown family \"", name, "\"; known: ",
                                                     FamilyNameList(), ", ", kComposeFamily));
  }
  return ParseLeaf(*family, json_spec, path);
}

// Node is SpecNode or const SpecNode, LeafPointer Leaf* or const Leaf* to match.
template <typename Node, typename LeafPointer>
void CollectLeaves(Node& node, std::vector<LeafPointer>& leaves) {
  if (!node.IsComposition()) {
    leaves.push_back(&node.leaf);
    return;
  }
  for (Node& step : node.steps) CollectLeaves(step, leaves);
}

std::string TypeList(const std::vector<ValueType>& types) {
  return absl::StrJoin(types, " or ",
                       [](std::string* out, ValueType type) { out->append(ValueTypeName(type)); });
}

}  // namespace

absl::StatusOr<SpecNode> ParseSpec(const json& json_spec) { return ParseAt(json_spec, "spec"); }

json SpecToJson(const SpecNode& node) {
  if (node.IsComposition()) {
    return {{"family", kComposeFamily},
            {"first", SpecToJson(node.steps[0])},
            {"then", SpecToJson(node.steps[1])}};
  }
  return {{"family", node.leaf.family->name},
          {"difficulty", node.leaf.difficulty},
          {"variant", VariantOf(node.leaf).name},
          {"phrasing", node.leaf.phrasing}};
}

std::vector<const Leaf*> Leaves(const SpecNode& node) {
  std::vector<const Leaf*> leaves;
  CollectLeaves(node, leaves);
  return leaves;
}

std::vector<Leaf*> MutableLeaves(SpecNode& node) {
  std::vector<Leaf*> leaves;
  CollectLeaves(node, leaves);
  return leaves;
}

absl::Status CheckChain(const SpecNode& first, const SpecNode& then) {
  const Leaf& producer = *Leaves(first).back();
  const Leaf& consumer = *Leaves(then).front();
  const ValueType answer = VariantOf(producer).produces;
  const std::vector<ValueType>& accepts = VariantOf(consumer).accepts;
  const std::string consumer_name =
      absl::StrCat(consumer.family->name, " (", VariantOf(consumer).name, ")");
  if (accepts.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot compose: ", consumer_name,
                     " takes an input no other step produces, so it can only come first"));
  }
  for (ValueType type : accepts) {
    if (type == answer) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot compose: ", producer.family->name, " (", VariantOf(producer).name, ") answers a ",
      ValueTypeName(answer), " but ", consumer_name, " takes a ", TypeList(accepts)));
}

}  // namespace acdc::builtin
