// Reading a number the way people write one in an answer: an optional sign (+ or -), digits
// optionally grouped by commas in threes ("1,234"), an optional fraction and exponent
// ("3.5", "1e6"). Anything else (units, words, a misplaced comma) is not a number.
#pragma once

#include <optional>
#include <string_view>

namespace acdc {

std::optional<double> ParseNumberText(std::string_view text);

}  // namespace acdc
