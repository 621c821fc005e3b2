// Command-line flags for one subcommand: `--name value` or `--name=value`, typed, with a
// generated --help. Each subcommand owns a FlagSet, so flags never leak between commands.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace acdc {

class FlagSet {
 public:
  // `command` is shown in usage ("acdc worker"); `summary` is the one-line description.
  FlagSet(std::string command, std::string summary);

  void AddString(const std::string& name, std::string* target, const std::string& help);
  // Integers are checked against [min_value, max_value]; errors name the flag and the value.
  void AddInt(const std::string& name, int* target, const std::string& help, int min_value = 0,
              int max_value = 1 << 30);
  void AddDouble(const std::string& name, double* target, const std::string& help);
  // A bool flag takes no value (`--json`); `--json=false` turns it off.
  void AddBool(const std::string& name, bool* target, const std::string& help);
  // Parse fails unless the flag is given.
  void Require(const std::string& name);
  // A required positional argument (`acdc merge CONFIG`), filled in the order added.
  void AddPositional(const std::string& name, std::string* target, const std::string& help);

  absl::Status Parse(const std::vector<std::string>& args);
  bool help_requested() const { return help_requested_; }
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool takes_value = true;
    bool required = false;
    bool seen = false;
    std::function<absl::Status(const std::string&)> set;
  };
  Flag* Find(const std::string& name);
  void Add(Flag flag);

  std::string command_;
  std::string summary_;
  std::vector<Flag> flags_;
  struct Positional {
    std::string name;
    std::string help;
    std::string* target;
  };
  std::vector<Positional> positionals_;
  bool help_requested_ = false;
};

}  // namespace acdc
