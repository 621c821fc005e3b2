#include "common/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace acdc {

FlagSet::FlagSet(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void FlagSet::Add(Flag flag) { flags_.push_back(std::move(flag)); }

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

void FlagSet::AddString(const std::string& name, std::string* target, const std::string& help) {
  Add({name, help, *target, true, false, false, [target](const std::string& value) {
         *target = value;
         return absl::OkStatus();
       }});
}

void FlagSet::AddInt(const std::string& name, int* target, const std::string& help, int min_value,
                     int max_value) {
  Add({name, help, absl::StrCat(*target), true, false, false,
       [name, target, min_value, max_value](const std::string& value) {
         int parsed = 0;
         if (!absl::SimpleAtoi(value, &parsed)) {
           return absl::InvalidArgumentError(
               absl::StrFormat("--%s: expected an integer, got '%s'", name, value));
         }
         if (parsed < min_value || parsed > max_value) {
           return absl::InvalidArgumentError(absl::StrFormat("--%s: %d is out of range [%d, %d]",
                                                             name, parsed, min_value, max_value));
         }
         *target = parsed;
         return absl::OkStatus();
       }});
}

void FlagSet::AddDouble(const std::string& name, double* target, const std::string& help) {
  Add({name, help, absl::StrCat(*target), true, false, false,
       [name, target](const std::string& value) {
         if (!absl::SimpleAtod(value, target)) {
           return absl::InvalidArgumentError(
               absl::StrFormat("--%s: expected a number, got '%s'", name, value));
         }
         return absl::OkStatus();
       }});
}

void FlagSet::AddBool(const std::string& name, bool* target, const std::string& help) {
  Add({name, help, *target ? "true" : "false", false, false, false,
       [name, target](const std::string& value) {
         if (!absl::SimpleAtob(value, target)) {
           return absl::InvalidArgumentError(
               absl::StrFormat("--%s: expected true or false, got '%s'", name, value));
         }
         return absl::OkStatus();
       }});
}

void FlagSet::Require(const std::string& name) {
  if (Flag* flag = Find(name)) flag->required = true;
}

void FlagSet::AddPositional(const std::string& name, std::string* target, const std::string& help) {
  positionals_.push_back({name, help, target});
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args) {
  size_t positional = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return absl::OkStatus();
    }
    if (arg.rfind("--", 0) != 0 && positional < positionals_.size()) {
      *positionals_[positional++].target = arg;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("unexpected argument '%s' (see %s --help)", arg, command_));
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_inline_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline_value = true;
    }
    Flag* flag = Find(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown flag --%s (see %s --help)", name, command_));
    }
    if (!has_inline_value) {
      if (!flag->takes_value) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrFormat("--%s needs a value", name));
      }
    }
    if (absl::Status status = flag->set(value); !status.ok()) return status;
    flag->seen = true;
  }
  if (positional < positionals_.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("missing %s (see %s --help)", positionals_[positional].name, command_));
  }
  for (const Flag& flag : flags_) {
    if (flag.required && !flag.seen) {
      return absl::InvalidArgumentError(
          absl::StrFormat("missing required flag --%s (see %s --help)", flag.name, command_));
    }
  }
  return absl::OkStatus();
}

std::string FlagSet::Help() const {
  std::string out = absl::StrCat("usage: ", command_);
  for (const Positional& positional : positionals_) absl::StrAppend(&out, " ", positional.name);
  absl::StrAppend(&out, " [flags]\n\n", summary_, "\n\n");
  for (const Positional& positional : positionals_) {
    absl::StrAppendFormat(&out, "  %-26s %s\n", positional.name, positional.help);
  }
  absl::StrAppend(&out, positionals_.empty() ? "" : "\n", "flags:\n");
  for (const Flag& flag : flags_) {
    std::string left = absl::StrCat("  --", flag.name, flag.takes_value ? " VALUE" : "");
    absl::StrAppendFormat(&out, "%-28s %s", left, flag.help);
    if (flag.required) {
      absl::StrAppend(&out, " (required)");
    } else if (!flag.default_text.empty()) {
      absl::StrAppend(&out, " (default: ", flag.default_text, ")");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace acdc
