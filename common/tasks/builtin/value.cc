// Constructors, written forms and the one widening of the built-in task values.
#include "common/tasks/builtin/value.h"

#include <utility>

#include "absl/strings/str_join.h"

namespace acdc::builtin {

std::string ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNumber:
      return "number";
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSequence:
      return "sequence";
    case ValueType::kSymbol:
      return "symbol";
    case ValueType::kBool:
      return "bool";
  }
  return "unknown";
}

Value NumberValue(int64_t number) {
  Value value;
  value.type = ValueType::kNumber;
  value.number = number;
  return value;
}

Value StringValue(std::string text) {
  Value value;
  value.type = ValueType::kString;
  value.text = std::move(text);
  return value;
}

Value ListValue(std::vector<int64_t> items) {
  Value value;
  value.type = ValueType::kList;
  value.items = std::move(items);
  return value;
}

Value SequenceValue(std::vector<int64_t> items) {
  Value value = ListValue(std::move(items));
  value.type = ValueType::kSequence;
  return value;
}

Value SymbolValue(std::string text) {
  Value value = StringValue(std::move(text));
  value.type = ValueType::kSymbol;
  return value;
}

Value BoolValue(bool truth) {
  Value value;
  value.type = ValueType::kBool;
  value.truth = truth;
  return value;
}

std::string RenderValue(const Value& value) {
  switch (value.type) {
    case ValueType::kNumber:
      return std::to_string(value.number);
    case ValueType::kString:
    case ValueType::kSymbol:
      return value.text;
    case ValueType::kList:
    case ValueType::kSequence:
      return absl::StrJoin(value.items, ", ");
    case ValueType::kBool:
      return value.truth ? "true" : "false";
  }
  return "";
}

Value Coerce(const Value& value, ValueType to) {
  if (value.type == ValueType::kNumber && to == ValueType::kString) {
    return StringValue(std::to_string(value.number));
  }
  return value;
}

}  // namespace acdc::builtin
