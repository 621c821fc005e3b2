#include "common/safetensors/safetensors_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using nlohmann::json;

// The reference implementation refuses headers above 100 MB; so do we, before parsing.
constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;
constexpr char kMetadataKey[] = "__metadata__";

absl::Status FileError(const std::string& path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

absl::Status TensorError(const std::string& path, const std::string& tensor,
                         absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": tensor \"", tensor, "\": ", message));
}

absl::Status ErrnoError(int error_number, const std::string& path, absl::string_view action) {
  return absl::ErrnoToStatus(error_number, absl::StrCat(path, ": cannot ", action));
}

// The safetensors format stores the header length and nothing else in little endian; this code
// also reads tensor data as native, so a big-endian host is out of scope.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");

uint64_t ReadLittleEndian64(const uint8_t* bytes) {
  uint64_t value;
  std::memcpy(&value, bytes, sizeof(value));
  return value;
}

// Parses the header, rejecting duplicate keys at any depth: nlohmann (like serde) would
// silently keep the last one, which would hide a second tensor of the same name.
absl::StatusOr<json> ParseHeaderJson(const char* begin, const char* end, const std::string& path) {
  std::vector<std::set<std::string>> keys_per_object;
  std::string top_level_key;
  std::string duplicate;
  auto detect_duplicates = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        keys_per_object.emplace_back();
        break;
      case json::parse_event_t::object_end:
        keys_per_object.pop_back();
        break;
      case json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (depth == 1) top_level_key = key;
        if (!keys_per_object.back().insert(key).second && duplicate.empty()) {
          duplicate = depth == 1
                          ? absl::StrCat("tensor name \"", key, "\" appears twice")
                          : absl::StrCat("key \"", key, "\" appears twice in the entry of \"",
                                         top_level_key, "\"");
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(begin, end, detect_duplicates);
  } catch (const json::parse_error& e) {
    return FileError(path, absl::StrCat("header is not valid JSON: ", e.what()));
  }
  if (!duplicate.empty()) return FileError(path, absl::StrCat("header: ", duplicate));
  if (!header.is_object()) {
    return FileError(path, absl::StrCat("header must be a JSON object, got ", header.type_name()));
  }
  return header;
}

absl::StatusOr<std::map<std::string, std::string>> ParseMetadata(const json& value,
                                                                 const std::string& path) {
  std::map<std::string, std::string> metadata;
  if (value.is_null()) return metadata;
  if (!value.is_object()) {
    return FileError(path, absl::StrCat("\"__metadata__\" must be an object of strings, got ",
                                        value.type_name()));
  }
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      return FileError(path, absl::StrCat("\"__metadata__\" value of \"", key,
                                          "\" must be a string, got ", item.type_name()));
    }
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

// A non-negative JSON integer (nlohmann stores those as unsigned).
bool IsNonNegativeInteger(const json& value) { return value.is_number_unsigned(); }

absl::StatusOr<std::vector<int64_t>> ParseShape(const json& value, const std::string& path,
                                                const std::string& name) {
  if (!value.is_array()) {
    return TensorError(path, name,
                       absl::StrCat("\"shape\" must be an array, got ", value.type_name()));
  }
  std::vector<int64_t> shape;
  for (const json& dim : value) {
    if (dim.is_number_integer() && !dim.is_number_unsigned()) {
      return TensorError(
          path, name, absl::StrCat("negative dimension ", dim.dump(), " in shape ", value.dump()));
    }
    if (!IsNonNegativeInteger(dim) ||
        dim.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return TensorError(path, name,
                         absl::StrCat("shape ", value.dump(), " must hold non-negative integers"));
    }
    shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
  }
  return shape;
}

// Bytes the shape needs at `element_size` bytes each, or an error when that overflows.
absl::StatusOr<uint64_t> ShapeBytes(const std::vector<int64_t>& shape, size_t element_size,
                                    const std::string& path, const std::string& name) {
  uint64_t bytes = element_size;
  for (int64_t dim : shape) {
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes)) {
      return TensorError(path, name, "shape too large (its byte size overflows 64 bits)");
    }
  }
  return bytes;
}

struct ParsedEntry {
  TensorEntry tensor;
  uint64_t begin = 0;  // offsets into the data section
  uint64_t end = 0;
};

absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseOffsets(const json& value,
                                                           const std::string& path,
                                                           const std::string& name) {
  if (!value.is_array() || value.size() != 2 || !IsNonNegativeInteger(value[0]) ||
      !IsNonNegativeInteger(value[1])) {
    return TensorError(path, name,
                       absl::StrCat("\"data_offsets\" must be [begin, end] with "
                                    "non-negative integers, got ",
                                    value.dump()));
  }
  uint64_t begin = value[0].get<uint64_t>();
  uint64_t end = value[1].get<uint64_t>();
  if (end < begin) {
    return TensorError(path, name,
                       absl::StrCat("\"data_offsets\" ", value.dump(), " end before they begin"));
  }
  return std::make_pair(begin, end);
}

const json* FindField(const json& entry, const char* field) {
  auto it = entry.find(field);
  return it == entry.end() ? nullptr : &*it;
}

absl::StatusOr<ParsedEntry> ParseTensorEntry(const std::string& name, const json& entry,
                                             uint64_t data_size, const std::string& path) {
  if (!entry.is_object()) {
    return TensorError(path, name,
                       absl::StrCat("entry must be an object, got ", entry.type_name()));
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (FindField(entry, field) == nullptr) {
      return TensorError(path, name, absl::StrCat("missing \"", field, "\""));
    }
  }
  const json& dtype_value = entry["dtype"];
  if (!dtype_value.is_string()) {
    return TensorError(path, name,
                       absl::StrCat("\"dtype\" must be a string, got ", dtype_value.type_name()));
  }
  auto dtype = ParseDType(dtype_value.get<std::string>());
  if (!dtype.ok()) return TensorError(path, name, dtype.status().message());

  ParsedEntry parsed;
  parsed.tensor.name = name;
  parsed.tensor.dtype = *dtype;
  ASSIGN_OR_RETURN(parsed.tensor.shape, ParseShape(entry["shape"], path, name));
  ASSIGN_OR_RETURN(auto offsets, ParseOffsets(entry["data_offsets"], path, name));
  std::tie(parsed.begin, parsed.end) = offsets;
  if (parsed.end > data_size) {
    return TensorError(path, name,
                       absl::StrCat("data_offsets [", parsed.begin, ", ", parsed.end,
                                    "] run past the end of the data section (", data_size,
                                    " bytes; is the file truncated?)"));
  }
  ASSIGN_OR_RETURN(uint64_t expected_bytes,
                   ShapeBytes(parsed.tensor.shape, DTypeSize(*dtype), path, name));
  if (expected_bytes != parsed.end - parsed.begin) {
    return TensorError(
        path, name,
        absl::StrCat("shape [", absl::StrJoin(parsed.tensor.shape, ", "), "] of ",
                     DTypeName(*dtype), " needs ", expected_bytes, " bytes but data_offsets [",
                     parsed.begin, ", ", parsed.end, "] span ", parsed.end - parsed.begin));
  }
  parsed.tensor.nbytes = parsed.end - parsed.begin;
  return parsed;
}

// Like the reference implementation, the tensors must tile the data section exactly: sorted by
// offset, each begins where the previous one ends and the last ends at the end of the file.
absl::Status CheckTiling(const std::vector<ParsedEntry>& sorted, uint64_t data_size,
                         const std::string& path) {
  uint64_t position = 0;
  const std::string* previous = nullptr;
  for (const ParsedEntry& entry : sorted) {
    if (entry.begin < position) {
      return TensorError(path, entry.tensor.name,
                         absl::StrCat("data_offsets [", entry.begin, ", ", entry.end,
                                      "] overlap those of tensor \"", *previous, "\""));
    }
    if (entry.begin > position) {
      return TensorError(
          path, entry.tensor.name,
          absl::StrCat("data_offsets [", entry.begin, ", ", entry.end, "] leave bytes [", position,
                       ", ", entry.begin, ") of the data section unused"));
    }
    position = entry.end;
    previous = &entry.tensor.name;
  }
  if (position != data_size) {
    return FileError(path,
                     absl::StrCat("the tensors cover ", position, " bytes of a data section of ",
                                  data_size, " (trailing bytes after the last tensor)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, path, "open");
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int error_number = errno;
    close(fd);
    return ErrnoError(error_number, path, "stat");
  }
  const uint64_t file_size = static_cast<uint64_t>(info.st_size);
  if (file_size < 8) {
    close(fd);
    return FileError(path, absl::StrCat("file of ", file_size,
                                        " bytes is too short for a safetensors header length"));
  }
  void* mapping = mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mmap_errno = errno;
  close(fd);  // the mapping keeps the file alive
  if (mapping == MAP_FAILED) return ErrnoError(mmap_errno, path, "mmap");

  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  file->mapping_ = mapping;
  file->mapping_size_ = file_size;
  RETURN_IF_ERROR(file->ParseHeader());
  return file;
}

absl::Status SafetensorsFile::ParseHeader() {
  const auto* bytes = static_cast<const uint8_t*>(mapping_);
  const uint64_t header_size = ReadLittleEndian64(bytes);
  if (header_size > mapping_size_ - 8) {
    return FileError(path_,
                     absl::StrCat("header length ", header_size, " runs past the end of the file (",
                                  mapping_size_, " bytes; truncated or not a safetensors file?)"));
  }
  if (header_size > kMaxHeaderBytes) {
    return FileError(path_, absl::StrCat("header length ", header_size, " exceeds the limit of ",
                                         kMaxHeaderBytes, " bytes"));
  }
  const char* header_begin = reinterpret_cast<const char*>(bytes + 8);
  ASSIGN_OR_RETURN(json header, ParseHeaderJson(header_begin, header_begin + header_size, path_));

  // The data section begins right after the header, whatever the header's padding.
  const uint8_t* data = bytes + 8 + header_size;
  const uint64_t data_size = mapping_size_ - 8 - header_size;
  std::vector<ParsedEntry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey) {
      ASSIGN_OR_RETURN(metadata_, ParseMetadata(value, path_));
      continue;
    }
    ASSIGN_OR_RETURN(ParsedEntry entry, ParseTensorEntry(name, value, data_size, path_));
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(), [](const ParsedEntry& a, const ParsedEntry& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  RETURN_IF_ERROR(CheckTiling(entries, data_size, path_));

  tensors_.reserve(entries.size());
  for (ParsedEntry& entry : entries) {
    entry.tensor.data = data + entry.begin;
    index_[entry.tensor.name] = tensors_.size();
    tensors_.push_back(std::move(entry.tensor));
  }
  return absl::OkStatus();
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) munmap(mapping_, mapping_size_);
}

const TensorEntry* SafetensorsFile::Find(absl::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

void ReleasePages(const TensorEntry& entry) {
  if (entry.nbytes == 0) return;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(entry.data) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(entry.data) + entry.nbytes;
  // Pages shared with a neighbouring tensor are dropped too: harmless for a read-only
  // file mapping, they fault back in when read.
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace acdc
