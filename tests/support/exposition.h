// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace epx::testing {

/// One sample of a text exposition: name, labels and value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// Parses the sample lines of a Prometheus text exposition (no escapes in
/// label values beyond \" and \\, which the tests do not produce).
inline std::vector<Sample> ParseExposition(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    std::size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) continue;
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t eq = line.find('=', i);
        std::string key = line.substr(i, eq - i);
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) ++j;
          value += line[j];
        }
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;
    }
    s.value = std::stod(line.substr(i + 1));
    out.push_back(s);
  }
  return out;
}

/// The value of the only sample with this name whose labels include
/// `labels`; nullopt if there is none or more than one.
inline std::optional<double> Find(
    const std::vector<Sample>& samples, const std::string& name,
    const std::map<std::string, std::string>& labels = {}) {
  std::optional<double> found;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& kv : labels) {
      auto it = s.labels.find(kv.first);
      if (it == s.labels.end() || it->second != kv.second) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    if (found) return std::nullopt;
    found = s.value;
  }
  return found;
}

}  // namespace epx::testing
