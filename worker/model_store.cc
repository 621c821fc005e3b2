#include "worker/model_store.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"

namespace acdc {
namespace {

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > 200 || id[0] == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

absl::StatusOr<std::vector<std::string>> SortedFiles(const std::string& dir) {
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot list ", dir, ": ", std::strerror(errno)));
  }
  std::vector<std::string> names;
  while (dirent* entry = readdir(handle)) {
    const std::string name = entry->d_name;
    if (name != "." && name != ".." && IsRegularFile(absl::StrCat(dir, "/", name))) {
      names.push_back(name);
    }
  }
  closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

absl::Status HashFile(EVP_MD_CTX* context, const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  in.seekg(0, std::ios::end);
  const std::string header = absl::StrCat(name, "\n", static_cast<int64_t>(in.tellg()), "\n");
  in.seekg(0);
  EVP_DigestUpdate(context, header.data(), header.size());
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    EVP_DigestUpdate(context, buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ModelStore::PathOf(const std::string& id) const {
  if (!IsValidId(id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model id '", id, "': use letters, digits, '.', '_' and '-' (not starting with '.')"));
  }
  return absl::StrCat(root_, "/", id);
}

absl::StatusOr<std::string> ModelStore::Locate(const std::string& id) const {
  if (!id.empty() && id[0] == '/') {
    if (!IsRegularFile(absl::StrCat(id, "/config.json"))) {
      return absl::NotFoundError(
          absl::StrCat("model '", id,
                       "' cannot be read on this worker (no config.json there): the base and "
                       "seed models must be on a file system every worker sees"));
    }
    return id;
  }
  absl::StatusOr<std::string> path = PathOf(id);
  if (!path.ok()) return path.status();
  if (!IsDirectory(*path)) {
    return absl::NotFoundError(absl::StrCat("model '", id, "' is not in the model store ", root_));
  }
  return path;
}

bool ModelStore::Contains(const std::string& id) const { return Locate(id).ok(); }

absl::StatusOr<bool> ModelStore::Remove(const std::string& id) const {
  absl::StatusOr<std::string> path = PathOf(id);
  if (!path.ok()) return path.status();
  if (!IsDirectory(*path)) return false;
  const std::string doomed = absl::StrCat(root_, "/.removing-", id);
  if (std::rename(path->c_str(), doomed.c_str()) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot remove model '", id, "' from ", root_, ": ", std::strerror(errno)));
  }
  RemoveTree(doomed);
  return true;
}

absl::StatusOr<std::string> ModelStore::Checksum(const std::string& id) const {
  absl::StatusOr<std::string> dir = Locate(id);
  if (!dir.ok()) return dir.status();
  absl::StatusOr<std::vector<std::string>> names = SortedFiles(*dir);
  if (!names.ok()) return names.status();
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> context(EVP_MD_CTX_new());
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  for (const std::string& name : *names) {
    if (absl::Status hashed = HashFile(context.get(), absl::StrCat(*dir, "/", name), name);
        !hashed.ok()) {
      return hashed;
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i)
    absl::StrAppend(&hex, absl::Hex(digest[i], absl::kZeroPad2));
  return hex;
}

}  // namespace acdc
