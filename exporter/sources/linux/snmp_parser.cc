// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/snmp_parser.h"

#include <cstdlib>
#include <sstream>
#include <vector>

namespace epx {

bool ParseProcNetSnmp(const std::string& text, TcpCounters* out,
                      std::string* error) {
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(lines, line)) {
    if (line.rfind("Tcp:", 0) != 0) continue;
    std::istringstream fields(line.substr(4));
    std::vector<std::string> words;
    std::string w;
    while (fields >> w) words.push_back(w);
    if (header.empty()) {
      header = words;
      continue;
    }
    if (words.size() != header.size()) {
      *error = "Tcp: value line has " + std::to_string(words.size()) +
               " fields, header has " + std::to_string(header.size());
      return false;
    }
    TcpCounters c;
    int found = 0;
    for (std::size_t i = 0; i < header.size(); ++i) {
      char* end = nullptr;
      std::uint64_t v = std::strtoull(words[i].c_str(), &end, 10);
      bool numeric = end != nullptr && *end == '\0' && words[i][0] != '-';
      std::uint64_t* slot = nullptr;
      if (header[i] == "ActiveOpens") slot = &c.active_opens;
      if (header[i] == "PassiveOpens") slot = &c.passive_opens;
      if (header[i] == "AttemptFails") slot = &c.attempt_fails;
      if (header[i] == "EstabResets") slot = &c.estab_resets;
      if (slot == nullptr) continue;
      if (!numeric) {
        *error = "Tcp: " + header[i] + " is not a number: " + words[i];
        return false;
      }
      *slot = v;
      ++found;
    }
    if (found < 3) {
      *error = "Tcp: lines lack ActiveOpens/PassiveOpens/AttemptFails";
      return false;
    }
    c.valid = true;
    *out = c;
    return true;
  }
  *error = "no Tcp: lines found";
  return false;
}

std::uint64_t SocketCountHint(const std::string& sockstat,
                              const std::string& sockstat6) {
  std::uint64_t total = 0;
  for (const std::string* text : {&sockstat, &sockstat6}) {
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream words(line);
      std::string proto;
      words >> proto;
      if (proto != "TCP:" && proto != "UDP:" && proto != "TCP6:" &&
          proto != "UDP6:")
        continue;
      std::string key, value;
      while (words >> key >> value) {
        if (key != "inuse" && key != "tw") continue;
        char* end = nullptr;
        std::uint64_t v = std::strtoull(value.c_str(), &end, 10);
        if (end != nullptr && *end == '\0') total += v;
      }
    }
  }
  return total;
}

}  // namespace epx
