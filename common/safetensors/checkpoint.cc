#include "common/safetensors/checkpoint.h"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using nlohmann::json;

constexpr char kSingleFileName[] = "model.safetensors";
constexpr char kIndexFileName[] = "model.safetensors.index.json";

// The index's "weight_map": tensor name -> shard file name (in the same directory).
absl::StatusOr<std::map<std::string, std::string>> ReadWeightMap(const std::string& index_path) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(index_path));
  json index;
  try {
    index = json::parse(text);
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(index_path, ": not valid JSON: ", e.what()));
  }
  if (!index.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path, ": must be a JSON object, got ", index.type_name()));
  }
  auto weight_map = index.find("weight_map");
  if (weight_map == index.end() || !weight_map->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path, ": \"weight_map\" is missing or not an object"));
  }
  std::map<std::string, std::string> shard_of;
  for (const auto& [name, shard] : weight_map->items()) {
    // Shards are plain file names: anything else could point outside the model directory.
    if (!shard.is_string() || shard.get<std::string>().empty() ||
        shard.get<std::string>().find('/') != std::string::npos ||
        shard.get<std::string>() == "." || shard.get<std::string>() == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat(index_path, ": \"weight_map\" entry of tensor \"", name,
                       "\" must be a file name in the model directory, got ", shard.dump()));
    }
    shard_of[name] = shard.get<std::string>();
  }
  return shard_of;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Checkpoint>> Checkpoint::Open(const std::string& model_dir) {
  std::unique_ptr<Checkpoint> checkpoint(new Checkpoint());
  checkpoint->directory_ = model_dir;
  // transformers prefers the single file when both are present; so do we.
  const std::string single_path = absl::StrCat(model_dir, "/", kSingleFileName);
  const std::string index_path = absl::StrCat(model_dir, "/", kIndexFileName);
  if (IsRegularFile(single_path)) {
    RETURN_IF_ERROR(checkpoint->OpenSingleFile(single_path));
  } else if (IsRegularFile(index_path)) {
    RETURN_IF_ERROR(checkpoint->OpenSharded(index_path));
  } else {
    return absl::NotFoundError(absl::StrCat(model_dir, ": no ", kSingleFileName, " or ",
                                            kIndexFileName, " (not a safetensors checkpoint)"));
  }
  return checkpoint;
}

absl::Status Checkpoint::OpenSingleFile(const std::string& path) {
  ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(path));
  for (const TensorEntry& tensor : file->tensors()) tensors_[tensor.name] = &tensor;
  shards_.push_back(std::move(file));
  return absl::OkStatus();
}

absl::Status Checkpoint::OpenSharded(const std::string& index_path) {
  ASSIGN_OR_RETURN(auto shard_of, ReadWeightMap(index_path));
  std::map<std::string, const SafetensorsFile*> shard_by_name;
  for (const auto& [tensor, shard_name] : shard_of) {
    if (shard_by_name.count(shard_name)) continue;
    const std::string shard_path = absl::StrCat(directory_, "/", shard_name);
    if (!IsRegularFile(shard_path)) {
      return absl::NotFoundError(absl::StrCat(shard_path, ": missing shard (", index_path,
                                              " lists it for tensor \"", tensor, "\")"));
    }
    ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(shard_path));
    shard_by_name[shard_name] = file.get();
    shards_.push_back(std::move(file));
  }
  for (const auto& [tensor, shard_name] : shard_of) {
    const SafetensorsFile* shard = shard_by_name[shard_name];
    const TensorEntry* entry = shard->Find(tensor);
    if (entry == nullptr) {
      return absl::NotFoundError(absl::StrCat(shard->path(), ": lacks tensor \"", tensor,
                                              "\", which ", index_path, " places there"));
    }
    tensors_[tensor] = entry;
  }
  // Every tensor of a shard must be where the index says: a stray or duplicated tensor means
  // the directory mixes files of different saves.
  for (const auto& shard : shards_) {
    for (const TensorEntry& entry : shard->tensors()) {
      auto it = tensors_.find(entry.name);
      if (it == tensors_.end()) {
        return absl::InvalidArgumentError(absl::StrCat(shard->path(), ": tensor \"", entry.name,
                                                       "\" is not listed in ", index_path));
      }
      if (it->second != &entry) {
        return absl::InvalidArgumentError(absl::StrCat(
            shard->path(), ": tensor \"", entry.name, "\" is also in ",
            shard_by_name[shard_of[entry.name]]->path(), ", where ", index_path, " places it"));
      }
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> Checkpoint::TensorNames() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto& [name, entry] : tensors_) names.push_back(name);
  return names;
}

absl::StatusOr<const TensorEntry*> Checkpoint::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    return absl::NotFoundError(
        absl::StrCat("tensor \"", name, "\" is not in the checkpoint at ", directory_));
  }
  return it->second;
}

uint64_t Checkpoint::TotalBytes() const {
  uint64_t total = 0;
  for (const auto& [name, entry] : tensors_) total += entry->nbytes;
  return total;
}

}  // namespace acdc
