// Skills on strings: reverse, sort, uppercase, count a character, first repeated character.
// Their variants switch the operand type (letters, digits, a list of numbers, several words).
// A string step also accepts a number from a previous step, read as its decimal digits.
#include <algorithm>
#include <cctype>
#include <set>

#include "common/tasks/builtin/families.h"
#include "common/tasks/builtin/operands.h"

namespace acdc::builtin {
namespace {

const std::vector<ValueType> kTextInput = {ValueType::kString, ValueType::kNumber};

// 3-6 characters at difficulty 1, two more per level.
int64_t StringLength(const Leaf& leaf, Rng& rng) {
  return rng.Uniform(2 * leaf.difficulty + 1, 2 * leaf.difficulty + 4);
}

// Variants "letters" and "digits", which differ only in the alphabet the generator draws from.
std::vector<Variant> CharacterVariants(ValueType produces, const std::vector<Phrasing>& phrasings) {
  return {{"letters", kTextInput, produces, phrasings},
          {"digits", kTextInput, produces, phrasings}};
}

const std::string& Alphabet(const Leaf& leaf) {
  return VariantOf(leaf).name == "digits" ? kDigits : kLetters;
}

Value TextOperand(const Leaf& leaf, Rng& rng, const Value* input) {
  return input != nullptr ? *input
                          : StringValue(RandomString(rng, Alphabet(leaf), StringLength(leaf, rng)));
}

Problem GenerateReverse(const Leaf& leaf, Rng& rng, const Value* input) {
  return {TextOperand(leaf, rng, input), {}};
}

absl::StatusOr<Value> SolveReverse(const Leaf&, const Problem& problem) {
  return StringValue(std::string(problem.input.text.rbegin(), problem.input.text.rend()));
}

constexpr int kSortNumbers = 2;  // the variant sorting a list, see SortFamily

Problem GenerateSort(const Leaf& leaf, Rng& rng, const Value* input) {
  if (leaf.variant != kSortNumbers) return {TextOperand(leaf, rng, input), {}};
  if (input != nullptr) return {*input, {}};
  std::vector<int64_t> items(
      static_cast<size_t>(rng.Uniform(leaf.difficulty + 2, leaf.difficulty + 4)));
  for (int64_t& item : items) item = rng.Uniform(0, Pow10(leaf.difficulty + 1) - 1);
  return {ListValue(std::move(items)), {}};
}

absl::StatusOr<Value> SolveSort(const Leaf&, const Problem& problem) {
  Value sorted = problem.input;
  std::sort(sorted.text.begin(), sorted.text.end());
  std::sort(sorted.items.begin(), sorted.items.end());
  return sorted;
}

constexpr int kUppercasePhrase = 1;  // several words, see UppercaseFamily

Problem GenerateUppercase(const Leaf& leaf, Rng& rng, const Value* input) {
  if (input != nullptr) return {*input, {}};
  if (leaf.variant != kUppercasePhrase) return {TextOperand(leaf, rng, input), {}};
  std::string phrase;
  const int64_t words = rng.Uniform(2, leaf.difficulty + 2);
  for (int64_t i = 0; i < words; ++i) {
    if (i > 0) phrase += ' ';
    phrase += RandomString(rng, kLetters, rng.Uniform(2, 5));
  }
  return {StringValue(phrase), {}};
}

absl::StatusOr<Value> SolveUppercase(const Leaf&, const Problem& problem) {
  std::string upper = problem.input.text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return StringValue(upper);
}

// The string draws from a few characters (difficulty + 2 of them) so counts are not all 0 or
// 1; the counted character is usually one the string holds.
Problem GenerateCount(const Leaf& leaf, Rng& rng, const Value* input) {
  Problem problem;
  if (input != nullptr) {
    problem.input = *input;
  } else {
    const std::string pool = RandomString(rng, Alphabet(leaf), leaf.difficulty + 2);
    problem.input = StringValue(
        RandomString(rng, pool, rng.Uniform(3 * leaf.difficulty + 2, 3 * leaf.difficulty + 5)));
  }
  const std::string& text = problem.input.text;
  const bool from_text = !text.empty() && rng.Chance(7, 8);
  // A previous step's number is counted in digits whatever the variant's own alphabet.
  const bool numeric = !text.empty() && text.find_first_not_of("-0123456789") == std::string::npos;
  const std::string& alphabet = numeric ? kDigits : Alphabet(leaf);
  problem.args = {SymbolValue(std::string(1, rng.Pick(from_text ? text : alphabet)))};
  return problem;
}

absl::StatusOr<Value> SolveCount(const Leaf&, const Problem& problem) {
  const char target = problem.args[0].text[0];
  return NumberValue(std::count(problem.input.text.begin(), problem.input.text.end(), target));
}

// Standalone strings always hold a repeat: a string without one gets a copy of an earlier
// character at a later position.
Problem GenerateFirstRepeat(const Leaf& leaf, Rng& rng, const Value* input) {
  if (input != nullptr) return {*input, {}};
  std::string text =
      RandomString(rng, Alphabet(leaf), rng.Uniform(leaf.difficulty + 3, leaf.difficulty + 6));
  if (std::set<char>(text.begin(), text.end()).size() == text.size()) {
    const int64_t to = rng.Uniform(1, static_cast<int64_t>(text.size()) - 1);
    text[static_cast<size_t>(to)] = text[static_cast<size_t>(rng.Uniform(0, to - 1))];
  }
  return {StringValue(text), {}};
}

// The character whose second occurrence comes first; "none" when nothing repeats.
absl::StatusOr<Value> SolveFirstRepeat(const Leaf&, const Problem& problem) {
  std::set<char> seen;
  for (char c : problem.input.text) {
    if (!seen.insert(c).second) return StringValue(std::string(1, c));
  }
  return StringValue("none");
}

}  // namespace

Family ReverseFamily() {
  Family family;
  family.name = "reverse";
  family.capability = "reverse a string";
  family.variants = CharacterVariants(
      ValueType::kString, {{"Reverse: {x}", "reverse {x}"},
                           {"Write {x} backwards", "write {x} backwards"},
                           {"Reverse the characters of {x}", "reverse the characters of {x}"},
                           {"Backwards: {x}", "spell {x} backwards"}});
  family.generate = GenerateReverse;
  family.solve = SolveReverse;
  return family;
}

Family SortFamily() {
  const std::vector<Phrasing> phrasings = {
      {"Sort: {x}", "sort {x}"},
      {"Sort {x} in ascending order", "sort {x} in ascending order"},
      {"Put {x} in order", "put {x} in order"},
      {"Ascending: {x}", "arrange {x} in ascending order"}};
  Family family;
  family.name = "sort";
  family.capability = "sort characters or numbers in ascending order";
  family.variants = CharacterVariants(ValueType::kString, phrasings);
  family.variants.push_back({"numbers", {ValueType::kList}, ValueType::kList, phrasings});
  family.generate = GenerateSort;
  family.solve = SolveSort;
  return family;
}

Family UppercaseFamily() {
  const std::vector<Phrasing> phrasings = {
      {"Uppercase: {x}", "uppercase {x}"},
      {"Capitalize all of {x}", "capitalize all letters of {x}"},
      {"Write {x} in capitals", "write {x} in capitals"},
      {"To upper case: {x}", "convert {x} to upper case"}};
  Family family;
  family.name = "uppercase";
  family.capability = "convert letters to upper case";
  family.variants = {{"word", {ValueType::kString}, ValueType::kString, phrasings},
                     {"phrase", {ValueType::kString}, ValueType::kString, phrasings}};
  family.generate = GenerateUppercase;
  family.solve = SolveUppercase;
  return family;
}

Family CountFamily() {
  Family family;
  family.name = "count";
  family.capability = "count the occurrences of a character in a string";
  family.variants = CharacterVariants(
      ValueType::kNumber, {{"Count {y} in: {x}", "count {y} in {x}"},
                           {"How many {y} in {x}?", "count how often {y} occurs in {x}"},
                           {"Occurrences of {y} in {x}", "count the occurrences of {y} in {x}"},
                           {"Tally {y} in {x}", "tally {y} in {x}"}});
  family.generate = GenerateCount;
  family.solve = SolveCount;
  return family;
}

Family FirstRepeatFamily() {
  Family family;
  family.name = "first_repeat";
  family.capability = "find the first character that repeats in a string (none if none does)";
  family.variants = CharacterVariants(
      ValueType::kString,
      {{"First repeat: {x}", "find the first repeat in {x}"},
       {"First repeated character in {x}", "find the first repeated character in {x}"},
       {"Which character repeats first in {x}?", "find which character repeats first in {x}"},
       {"Earliest repeat in {x}", "find the earliest repeat in {x}"}});
  family.generate = GenerateFirstRepeat;
  family.solve = SolveFirstRepeat;
  return family;
}

}  // namespace acdc::builtin
