// Copies a checkpoint through Checkpoint and CheckpointWriter, so that check_roundtrip.py can
// load the result with the reference libraries (safetensors, transformers).
//
//   acdc_safetensors_roundtrip_tool IN_DIR OUT_DIR MAX_SHARD_BYTES
//
// OUT_DIR is created; config.json is copied so that transformers can load the result.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "common/safetensors/checkpoint.h"
#include "common/safetensors/checkpoint_writer.h"

namespace {

absl::Status CopyCheckpoint(const std::string& in_dir, const std::string& out_dir,
                            uint64_t max_shard_bytes) {
  auto source = acdc::Checkpoint::Open(in_dir);
  if (!source.ok()) return source.status();
  acdc::CheckpointWriter writer(out_dir, max_shard_bytes);
  for (const std::string& name : (*source)->TensorNames()) {
    const acdc::TensorEntry* tensor = *(*source)->Find(name);
    absl::Status status =
        writer.Add(name, tensor->dtype, tensor->shape, tensor->data, tensor->nbytes);
    if (!status.ok()) return status;
  }
  return writer.Finish();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " IN_DIR OUT_DIR MAX_SHARD_BYTES\n";
    return 2;
  }
  const std::string in_dir = argv[1], out_dir = argv[2];
  const uint64_t max_shard_bytes = std::strtoull(argv[3], nullptr, 10);
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  std::filesystem::copy_file(in_dir + "/config.json", out_dir + "/config.json",
                             std::filesystem::copy_options::overwrite_existing, error);
  if (error) {
    std::cerr << out_dir << ": " << error.message() << "\n";
    return 1;
  }
  absl::Status status = CopyCheckpoint(in_dir, out_dir, max_shard_bytes);
  if (!status.ok()) {
    std::cerr << status << "\n";
    return 1;
  }
  std::cout << "wrote " << out_dir << "\n";
  return 0;
}
