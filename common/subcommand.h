// One `acdc` subcommand as a table entry: each side of the house (coordinator/, worker/)
// exports its table, and the binary's entry point, the one place that knows both, joins them.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace acdc {

struct Subcommand {
  std::string name;
  std::string section;  // the --help heading it is listed under
  std::string summary;  // one line for --help
  // Parses `args` (what follows the name) and returns the process exit code.
  std::function<int(const std::vector<std::string>& args)> run;
  // A daemon: shutdown signals are blocked before it starts threads, so that only its main
  // thread receives SIGINT/SIGTERM.
  bool daemon = false;
};

// The --help headings, in the order they are listed.
inline const std::vector<std::string>& SubcommandSections() {
  static const std::vector<std::string> sections = {"daemons", "clients", "tools",
                                                    "models on this machine"};
  return sections;
}

}  // namespace acdc
