// The list of built-in families, in a fixed order, and lookups by name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/tasks/builtin/family.h"

namespace acdc::builtin {

const std::vector<Family>& Families();
// Null when no family has that name.
const Family* FindFamily(std::string_view name);
// "add, sub, ..." for errors that list the choices.
std::string FamilyNameList();

}  // namespace acdc::builtin
