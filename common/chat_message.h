// One turn of a chat, as chat templates render it and OpenAI-compatible endpoints take it.
#pragma once

#include <string>

namespace acdc {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

}  // namespace acdc
