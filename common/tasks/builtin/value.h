// The typed values that flow through a built-in task: a family's operands and answer, and in a
// composition the answer one step hands to the next. The type decides which families can be
// chained (a family lists the types it accepts) and which grader an answer gets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace acdc::builtin {

enum class ValueType {
  kNumber,    // an integer
  kString,    // characters (letters, digits, spaces)
  kList,      // integers, written "3, 5, 9"
  kSequence,  // an arithmetic sequence; no family answers one, so it only starts a chain
  kSymbol,    // one of a fixed set of tokens ("<", "and", "a")
  kBool,
};

// "number", "string", ... as errors and metadata name them.
std::string ValueTypeName(ValueType type);

struct Value {
  ValueType type = ValueType::kNumber;
  int64_t number = 0;          // kNumber
  std::string text;            // kString, kSymbol
  std::vector<int64_t> items;  // kList, kSequence
  bool truth = false;          // kBool
};

Value NumberValue(int64_t number);
Value StringValue(std::string text);
Value ListValue(std::vector<int64_t> items);
Value SequenceValue(std::vector<int64_t> items);
Value SymbolValue(std::string text);
Value BoolValue(bool truth);

// The plain written form: decimal, the text itself, items joined by ", ", "true"/"false".
std::string RenderValue(const Value& value);

// `value` as a family whose native input type is `to` reads it; only a number widens (to its
// decimal text as a string), every other value must already have type `to`.
Value Coerce(const Value& value, ValueType to);

}  // namespace acdc::builtin
