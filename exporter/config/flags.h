// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace epx {

/// What the command line asks for, before the config file is read.
struct CommandLine {
  /// "serve" (default), "report" or "selftest".
  std::string command = "serve";
  std::string config_file;
  /// Copied to config_file when that file does not exist (installers).
  std::string config_default_file;
  bool config_check = false;
  bool help = false;
  bool version = false;
  /// report --watch=N: repeat every N seconds; 0 prints once.
  double watch_seconds = 0;
  /// report --incidents: the recorded incidents follow the report.
  bool incidents = false;
  /// Flags that override config file values, in command-line order.
  std::vector<std::pair<std::string, std::string>> overrides;
};

/// Pure: parses argv[1..]. Unknown flags and bad values are errors naming
/// the flag.
bool ParseCommandLine(const std::vector<std::string>& args, CommandLine* out,
                      std::string* error);

/// Applies the overriding flags over *config; false with *error naming the
/// flag when a value is invalid.
bool ApplyFlagOverrides(const CommandLine& command_line, Config* config,
                        std::string* error);

/// Usage text for --help.
std::string UsageText();

}  // namespace epx
