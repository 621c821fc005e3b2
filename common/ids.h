// Random identifiers: job ids, worker ids, diagnostic payloads.
#pragma once

#include <string>

namespace acdc {

// `bytes` random bytes as lower-case hex (2 * bytes characters). Thread-safe.
std::string RandomHex(int bytes);

}  // namespace acdc
