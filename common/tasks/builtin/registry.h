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
// Every standalone and clause template of every family and variant, e.g. for checking that a
// held-out benchmark shares no phrasing with them.
std::vector<std::string> AllPhrasingTemplates();

}  // namespace acdc::builtin
