#include "common/safetensors/checkpoint_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using nlohmann::json;

constexpr char kSingleFileName[] = "model.safetensors";
constexpr char kIndexFileName[] = "model.safetensors.index.json";

absl::Status ErrnoError(int error_number, const std::string& path, absl::string_view action) {
  return absl::ErrnoToStatus(error_number, absl::StrCat(path, ": cannot ", action));
}

// A JSON string literal, or an error when `text` is not valid UTF-8 (JSON cannot hold it).
absl::StatusOr<std::string> JsonString(const std::string& text) {
  try {
    return json(text).dump();
  } catch (const json::type_error&) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not valid UTF-8"));
  }
}

// Creates a new file next to the final ones (so rename() stays on one filesystem). The name
// starts with a dot and never matches a checkpoint file name, so readers ignore it.
absl::StatusOr<std::pair<int, std::string>> CreateTemporaryFile(const std::string& directory,
                                                                absl::string_view purpose) {
  static std::atomic<uint64_t> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string path =
        absl::StrCat(directory, "/.acdc-", getpid(), "-", counter++, "-", purpose, ".tmp");
    // 0666 filtered by the umask, as for any file the user creates.
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return std::make_pair(fd, path);
    if (errno != EEXIST) return ErrnoError(errno, path, "create");
  }
  return absl::AlreadyExistsError(
      absl::StrCat(directory, ": cannot find a free temporary file name"));
}

absl::Status WriteAll(int fd, const void* data, size_t size, const std::string& path) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t written = write(fd, bytes, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, path, "write");
    }
    bytes += written;
    size -= static_cast<size_t>(written);
  }
  return absl::OkStatus();
}

// Appends `size` bytes of `in_fd` (from offset 0) to `out_fd`. copy_file_range keeps the copy
// in the kernel (and may share blocks on filesystems that support it); read/write is the
// fallback where it is unavailable.
absl::Status CopyFileData(int in_fd, int out_fd, uint64_t size, const std::string& in_path,
                          const std::string& out_path) {
  loff_t in_offset = 0;
  while (static_cast<uint64_t>(in_offset) < size) {
    ssize_t copied = copy_file_range(in_fd, &in_offset, out_fd, nullptr,
                                     size - static_cast<uint64_t>(in_offset), 0);
    if (copied > 0) continue;
    if (copied == 0) return absl::DataLossError(absl::StrCat(in_path, ": shorter than written"));
    if (errno == EINTR) continue;
    if (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL) break;
    return ErrnoError(errno, out_path, "copy tensor data into");
  }
  std::vector<uint8_t> buffer(1 << 20);
  while (static_cast<uint64_t>(in_offset) < size) {
    size_t chunk = std::min<uint64_t>(buffer.size(), size - static_cast<uint64_t>(in_offset));
    ssize_t got = pread(in_fd, buffer.data(), chunk, in_offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ErrnoError(errno, in_path, "read");
    if (got == 0) return absl::DataLossError(absl::StrCat(in_path, ": shorter than written"));
    RETURN_IF_ERROR(WriteAll(out_fd, buffer.data(), static_cast<size_t>(got), out_path));
    in_offset += got;
  }
  return absl::OkStatus();
}

bool AllDigits(absl::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// model.safetensors, model-00001-of-00003.safetensors, the index: the files a previous save
// into the same directory may have left.
bool IsCheckpointFileName(absl::string_view name) {
  if (name == kSingleFileName || name == kIndexFileName) return true;
  // "model-" 5 digits "-of-" 5 digits ".safetensors"
  return name.size() == 32 && absl::StartsWith(name, "model-") && AllDigits(name.substr(6, 5)) &&
         name.substr(11, 4) == "-of-" && AllDigits(name.substr(15, 5)) &&
         name.substr(20) == ".safetensors";
}

std::string ShardFileName(size_t index, size_t count) {
  if (count == 1) return kSingleFileName;
  return absl::StrFormat("model-%05d-of-%05d.safetensors", index + 1, count);
}

// One tensor's line in a shard header; offsets are from the start of the shard's data.
struct HeaderEntry {
  std::string json_name;  // already a JSON string literal
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

// The reference writer's layout: compact JSON, "__metadata__" first, tensors in data order,
// padded with spaces so the data section starts at a multiple of 8 bytes.
std::string Header(const std::string& metadata_json, const std::vector<HeaderEntry>& entries) {
  std::string header = "{";
  if (!metadata_json.empty()) absl::StrAppend(&header, "\"__metadata__\":", metadata_json);
  for (const HeaderEntry& entry : entries) {
    if (header.size() > 1) header += ',';
    absl::StrAppend(&header, entry.json_name, ":{\"dtype\":\"", DTypeName(entry.dtype),
                    "\",\"shape\":[", absl::StrJoin(entry.shape, ","), "],\"data_offsets\":[",
                    entry.begin, ",", entry.end, "]}");
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');
  return header;
}

absl::Status WriteHeader(int fd, const std::string& header, const std::string& path) {
  const uint64_t header_size = header.size();  // little-endian on every supported host
  RETURN_IF_ERROR(WriteAll(fd, &header_size, sizeof(header_size), path));
  return WriteAll(fd, header.data(), header.size(), path);
}

}  // namespace

struct CheckpointWriter::Impl {
  using Entry = HeaderEntry;
  struct ClosedShard {
    std::string temporary_path;  // complete file, renamed at Finish()
    std::vector<std::string> names;
  };

  std::string directory;
  uint64_t max_shard_bytes = 0;
  std::string metadata_json;  // "__metadata__" value, empty when there is none

  // The shard being filled: tensor data goes to a temporary file as it arrives; the header,
  // known only once the shard is full, is written in front of it when the shard closes.
  std::vector<Entry> entries;
  std::vector<std::string> entry_names;
  uint64_t shard_bytes = 0;
  int data_fd = -1;
  std::string data_path;

  // Declared by Expect: every tensor with its header entry and whether it opens a shard, and
  // the next one due. With a declaration, data_fd is the shard file itself, its header
  // already written.
  struct Declared {
    std::string name;
    Entry entry;
    bool opens_shard = false;
  };
  bool declared = false;
  std::vector<Declared> expected;
  size_t next_expected = 0;

  std::vector<ClosedShard> closed;
  std::set<std::string> names;
  uint64_t total_bytes = 0;
  // Sticky: after a failed write every call returns it and nothing is left on disk.
  absl::Status failure;
  bool finished = false;

  absl::Status CheckUsable() const {
    if (finished) return absl::FailedPreconditionError(directory + ": checkpoint already finished");
    return failure;
  }

  absl::Status Fail(absl::Status status) {
    failure = status;
    RemoveTemporaries();
    return status;
  }

  absl::StatusOr<uint64_t> ByteSize(const std::string& name, DType dtype,
                                    const std::vector<int64_t>& shape) const;
  absl::Status ValidateTensor(const std::string& name, DType dtype,
                              const std::vector<int64_t>& shape, const void* data,
                              size_t nbytes) const;
  absl::Status CheckDeclared(const std::string& name, DType dtype,
                             const std::vector<int64_t>& shape) const;
  absl::Status AppendData(const void* data, size_t nbytes);
  absl::Status OpenDeclaredShard();
  absl::Status CloseShard();
  absl::Status CloseDeclaredShard();
  absl::Status WriteIndex(const std::vector<std::string>& shard_names, std::string* temp_path);
  absl::Status InstallFiles();
  void RemoveStaleFiles(const std::set<std::string>& keep) const;
  void RemoveTemporaries();
};

absl::StatusOr<uint64_t> CheckpointWriter::Impl::ByteSize(const std::string& name, DType dtype,
                                                          const std::vector<int64_t>& shape) const {
  auto error = [&](absl::string_view message) {
    return absl::InvalidArgumentError(
        absl::StrCat(directory, ": tensor \"", name, "\": ", message));
  };
  if (name.empty() || name == "__metadata__") return error("reserved or empty tensor name");
  uint64_t size = DTypeSize(dtype);
  for (int64_t dim : shape) {
    if (dim < 0)
      return error(absl::StrCat("negative dimension in shape [", absl::StrJoin(shape, ", "), "]"));
    if (__builtin_mul_overflow(size, static_cast<uint64_t>(dim), &size)) {
      return error("shape too large (its byte size overflows 64 bits)");
    }
  }
  return size;
}

absl::Status CheckpointWriter::Impl::ValidateTensor(const std::string& name, DType dtype,
                                                    const std::vector<int64_t>& shape,
                                                    const void* data, size_t nbytes) const {
  auto error = [&](absl::string_view message) {
    return absl::InvalidArgumentError(
        absl::StrCat(directory, ": tensor \"", name, "\": ", message));
  };
  ASSIGN_OR_RETURN(const uint64_t expected, ByteSize(name, dtype, shape));
  if (names.count(name)) return error("added twice");
  if (expected != nbytes) {
    return error(absl::StrCat("shape [", absl::StrJoin(shape, ", "), "] of ", DTypeName(dtype),
                              " needs ", expected, " bytes, got ", nbytes));
  }
  if (data == nullptr && nbytes > 0) return error("no data");
  return absl::OkStatus();
}

absl::Status CheckpointWriter::Impl::CheckDeclared(const std::string& name, DType dtype,
                                                   const std::vector<int64_t>& shape) const {
  if (next_expected == expected.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat(directory, ": tensor \"", name, "\" was not declared"));
  }
  const Entry& due = expected[next_expected].entry;
  if (name != expected[next_expected].name || dtype != due.dtype || shape != due.shape) {
    return absl::FailedPreconditionError(absl::StrCat(
        directory, ": tensor \"", name, "\" [", absl::StrJoin(shape, ", "), "] of ",
        DTypeName(dtype), " added where ", due.json_name, " [", absl::StrJoin(due.shape, ", "),
        "] of ", DTypeName(due.dtype), " was declared"));
  }
  return absl::OkStatus();
}

absl::Status CheckpointWriter::Impl::AppendData(const void* data, size_t nbytes) {
  if (data_fd < 0) {
    if (declared) {
      RETURN_IF_ERROR(OpenDeclaredShard());
    } else {
      ASSIGN_OR_RETURN(std::tie(data_fd, data_path), CreateTemporaryFile(directory, "data"));
    }
  }
  return WriteAll(data_fd, data, nbytes, data_path);
}

// The shard that starts at the next declared tensor, its header written.
absl::Status CheckpointWriter::Impl::OpenDeclaredShard() {
  std::vector<Entry> shard = {expected[next_expected].entry};
  for (size_t i = next_expected + 1; i < expected.size() && !expected[i].opens_shard; ++i) {
    shard.push_back(expected[i].entry);
  }
  ASSIGN_OR_RETURN(std::tie(data_fd, data_path), CreateTemporaryFile(directory, "shard"));
  return WriteHeader(data_fd, Header(metadata_json, shard), data_path);
}

absl::Status CheckpointWriter::Impl::CloseShard() {
  if (declared && data_fd >= 0) return CloseDeclaredShard();
  ASSIGN_OR_RETURN(auto shard_file, CreateTemporaryFile(directory, "shard"));
  auto [fd, path] = shard_file;
  closed.push_back({path, std::move(entry_names)});  // listed first so cleanup removes it
  absl::Status status = WriteHeader(fd, Header(metadata_json, entries), path);
  if (status.ok() && shard_bytes > 0) {
    status = CopyFileData(data_fd, fd, shard_bytes, data_path, path);
  }
  if (close(fd) != 0 && status.ok()) status = ErrnoError(errno, path, "close");
  RETURN_IF_ERROR(status);

  if (data_fd >= 0) {
    close(data_fd);
    unlink(data_path.c_str());
    data_fd = -1;
    data_path.clear();
  }
  entries.clear();
  entry_names.clear();
  shard_bytes = 0;
  return absl::OkStatus();
}

absl::Status CheckpointWriter::Impl::CloseDeclaredShard() {
  closed.push_back({data_path, std::move(entry_names)});
  const int fd = data_fd;
  data_fd = -1;
  data_path.clear();
  entries.clear();
  entry_names.clear();
  shard_bytes = 0;
  if (close(fd) != 0) return ErrnoError(errno, closed.back().temporary_path, "close");
  return absl::OkStatus();
}

absl::Status CheckpointWriter::Impl::WriteIndex(const std::vector<std::string>& shard_names,
                                                std::string* temp_path) {
  // transformers' layout: {"metadata": {"total_size": N}, "weight_map": {...}}, keys sorted.
  json index;
  index["metadata"]["total_size"] = total_bytes;
  index["weight_map"] = json::object();
  for (size_t i = 0; i < closed.size(); ++i) {
    for (const std::string& name : closed[i].names) index["weight_map"][name] = shard_names[i];
  }
  const std::string text = index.dump(2) + "\n";
  ASSIGN_OR_RETURN(auto index_file, CreateTemporaryFile(directory, "index"));
  *temp_path = index_file.second;
  absl::Status status = WriteAll(index_file.first, text.data(), text.size(), *temp_path);
  if (close(index_file.first) != 0 && status.ok()) status = ErrnoError(errno, *temp_path, "close");
  return status;
}

// Renames every temporary file to its final name, the index last so that a reader never
// sees an index whose shards are not all in place.
absl::Status CheckpointWriter::Impl::InstallFiles() {
  const bool sharded = closed.size() > 1;
  std::vector<std::string> shard_names;
  for (size_t i = 0; i < closed.size(); ++i) shard_names.push_back(ShardFileName(i, closed.size()));
  std::vector<std::pair<std::string, std::string>> renames;  // temporary -> final
  for (size_t i = 0; i < closed.size(); ++i) {
    renames.emplace_back(closed[i].temporary_path, absl::StrCat(directory, "/", shard_names[i]));
  }
  if (sharded) {
    std::string index_temp;
    absl::Status status = WriteIndex(shard_names, &index_temp);
    if (!index_temp.empty()) closed.push_back({index_temp, {}});  // so cleanup removes it
    RETURN_IF_ERROR(status);
    renames.emplace_back(index_temp, absl::StrCat(directory, "/", kIndexFileName));
  }
  for (size_t i = 0; i < renames.size(); ++i) {
    if (rename(renames[i].first.c_str(), renames[i].second.c_str()) != 0) {
      absl::Status status = ErrnoError(errno, renames[i].second, "rename a finished shard to");
      for (size_t j = 0; j < i; ++j) unlink(renames[j].second.c_str());
      return status;
    }
  }
  std::set<std::string> keep(shard_names.begin(), shard_names.end());
  if (sharded) keep.insert(kIndexFileName);
  closed.clear();
  RemoveStaleFiles(keep);
  return absl::OkStatus();
}

// A previous save into the same directory may have left shards of another count, or a single
// file that would shadow our index: transformers removes them too.
void CheckpointWriter::Impl::RemoveStaleFiles(const std::set<std::string>& keep) const {
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  while (const dirent* item = readdir(dir)) {
    std::string name = item->d_name;
    if (IsCheckpointFileName(name) && !keep.count(name)) stale.push_back(name);
  }
  closedir(dir);
  for (const std::string& name : stale) unlink(absl::StrCat(directory, "/", name).c_str());
}

void CheckpointWriter::Impl::RemoveTemporaries() {
  if (data_fd >= 0) {
    close(data_fd);
    data_fd = -1;
  }
  if (!data_path.empty()) unlink(data_path.c_str());
  data_path.clear();
  for (const ClosedShard& shard : closed) unlink(shard.temporary_path.c_str());
  closed.clear();
}

CheckpointWriter::CheckpointWriter(std::string directory, uint64_t max_shard_bytes,
                                   std::map<std::string, std::string> metadata)
    : impl_(std::make_unique<Impl>()) {
  impl_->directory = std::move(directory);
  impl_->max_shard_bytes = max_shard_bytes;
  if (!metadata.empty()) {
    try {
      impl_->metadata_json = json(metadata).dump();
    } catch (const json::type_error&) {
      impl_->failure = absl::InvalidArgumentError(
          absl::StrCat(impl_->directory, ": checkpoint metadata is not valid UTF-8"));
    }
  }
}

CheckpointWriter::~CheckpointWriter() {
  if (!impl_->finished) impl_->RemoveTemporaries();
}

absl::Status CheckpointWriter::Expect(const std::vector<TensorLayout>& tensors) {
  Impl& w = *impl_;
  RETURN_IF_ERROR(w.CheckUsable());
  if (w.declared || !w.names.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(w.directory, ": tensors are declared once, before the first is added"));
  }
  std::set<std::string> seen;
  uint64_t shard_bytes = 0;
  for (const TensorLayout& tensor : tensors) {
    ASSIGN_OR_RETURN(const uint64_t nbytes, w.ByteSize(tensor.name, tensor.dtype, tensor.shape));
    auto json_name = JsonString(tensor.name);
    if (!json_name.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(w.directory, ": tensor name ", json_name.status().message()));
    }
    if (!seen.insert(tensor.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(w.directory, ": tensor \"", tensor.name, "\" declared twice"));
    }
    // The rule Add applies, so that the declared shards are the ones Add will make.
    const bool opens = !w.expected.empty() && shard_bytes + nbytes > w.max_shard_bytes;
    if (opens) shard_bytes = 0;
    w.expected.push_back(
        {tensor.name,
         {*json_name, tensor.dtype, tensor.shape, shard_bytes, shard_bytes + nbytes},
         opens || w.expected.empty()});
    shard_bytes += nbytes;
  }
  w.declared = true;
  return absl::OkStatus();
}

absl::Status CheckpointWriter::Add(const std::string& name, DType dtype,
                                   const std::vector<int64_t>& shape, const void* data,
                                   size_t nbytes) {
  Impl& w = *impl_;
  RETURN_IF_ERROR(w.CheckUsable());
  RETURN_IF_ERROR(w.ValidateTensor(name, dtype, shape, data, nbytes));
  if (w.declared) RETURN_IF_ERROR(w.CheckDeclared(name, dtype, shape));
  auto json_name = JsonString(name);
  if (!json_name.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(w.directory, ": tensor name ", json_name.status().message()));
  }
  // Like transformers: a shard closes before the tensor that would take it past the limit;
  // a tensor larger than the limit gets a shard of its own.
  if (!w.entries.empty() && w.shard_bytes + nbytes > w.max_shard_bytes) {
    if (absl::Status status = w.CloseShard(); !status.ok()) return w.Fail(status);
  }
  if (absl::Status status = w.AppendData(data, nbytes); !status.ok()) return w.Fail(status);
  w.entries.push_back({*json_name, dtype, shape, w.shard_bytes, w.shard_bytes + nbytes});
  w.entry_names.push_back(name);
  w.names.insert(name);
  if (w.declared) ++w.next_expected;
  w.shard_bytes += nbytes;
  w.total_bytes += nbytes;
  return absl::OkStatus();
}

absl::Status CheckpointWriter::Finish() {
  Impl& w = *impl_;
  RETURN_IF_ERROR(w.CheckUsable());
  if (w.declared && w.next_expected < w.expected.size()) {
    return w.Fail(absl::FailedPreconditionError(
        absl::StrCat(w.directory, ": ", w.expected.size() - w.next_expected,
                     " declared tensors were never added, the first ",
                     w.expected[w.next_expected].entry.json_name)));
  }
  // An empty checkpoint is still one (header-only) file, as the reference writer makes it.
  if (!w.entries.empty() || w.closed.empty()) {
    if (absl::Status status = w.CloseShard(); !status.ok()) return w.Fail(status);
  }
  if (absl::Status status = w.InstallFiles(); !status.ok()) return w.Fail(status);
  w.finished = true;
  return absl::OkStatus();
}

}  // namespace acdc
