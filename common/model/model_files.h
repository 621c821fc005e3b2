// The files of a Hugging Face checkpoint besides its weights: config.json (with its dtype
// field set to what the weights were written in), generation_config.json and the tokenizer
// files. Whatever writes a new checkpoint from an old one (a merge, a fine-tune) copies them
// through here, so transformers loads the result as written.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/safetensors/dtype.h"

namespace acdc {

// Copies config.json and generation_config.json from `config_dir`, and the tokenizer files
// present in `tokenizer_dir`, into `out_dir`; config.json's dtype becomes `weights_dtype`.
absl::Status WriteModelSideFiles(const std::string& config_dir, const std::string& tokenizer_dir,
                                 DType weights_dtype, const std::string& out_dir);

}  // namespace acdc
