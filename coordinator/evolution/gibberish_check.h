// The built-in gibberish check, for runs without an LLM judge: a child is gibberish when most
// of its sampled responses are empty, repetitive (a short pattern looping) or not text. The
// reference's judge sees three (instruction, response) pairs and answers yes or no; this check
// sees the same three responses.
#pragma once

#include <string>
#include <vector>

namespace acdc {

// Why `response` looks like gibberish, or "" when it reads as text.
std::string GibberishReason(const std::string& response);

// "" when the model passes; otherwise the reason, naming how many samples failed.
std::string BuiltinGibberishCheck(const std::vector<std::string>& samples);

}  // namespace acdc
