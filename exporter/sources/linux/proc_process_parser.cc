// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/proc_process_parser.h"

#include <sstream>

namespace epx {

std::uint64_t ParseSocketLinkInode(std::string_view target) {
  static const char kPrefix[] = "socket:[";
  constexpr std::size_t kPrefixLen = sizeof(kPrefix) - 1;
  if (target.size() < kPrefixLen + 2 ||
      target.compare(0, kPrefixLen, kPrefix) != 0 || target.back() != ']')
    return 0;
  std::uint64_t v = 0;
  for (std::size_t i = kPrefixLen; i + 1 < target.size(); ++i) {
    char c = target[i];
    if (c < '0' || c > '9') return 0;
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return 0;
    v = v * 10 + digit;
  }
  return v;
}

std::string ParseSystemdUnit(const std::string& cgroup_text) {
  std::istringstream lines(cgroup_text);
  std::string line;
  std::string path;
  while (std::getline(lines, line)) {
    if (line.rfind("0::", 0) == 0) {
      path = line.substr(3);
      break;
    }
    std::size_t pos = line.find(":name=systemd:");
    if (pos != std::string::npos) path = line.substr(pos + 14);
  }
  std::string service, scope;
  std::istringstream parts(path);
  std::string part;
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() > suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  while (std::getline(parts, part, '/')) {
    if (ends_with(part, ".service")) service = part;
    if (ends_with(part, ".scope")) scope = part;
  }
  return service.empty() ? scope : service;
}

std::string ParseComm(const std::string& comm_text) {
  std::string s = comm_text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string FullProcessName(const std::string& comm,
                            const std::string& cmdline) {
  if (comm.size() != kCommMaxLength) return comm;
  std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
  std::size_t slash = argv0.rfind('/');
  std::string base =
      slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
  if (base.size() > comm.size() && base.compare(0, comm.size(), comm) == 0)
    return base;
  return comm;
}

bool IsKernelThreadStat(std::string_view stat_text) {
  constexpr std::uint64_t kPfKthread = 0x00200000;
  std::size_t close = stat_text.rfind(')');
  if (close == std::string_view::npos) return false;
  std::string_view rest = stat_text.substr(close + 1);
  // After "comm)": state ppid pgrp session tty_nr tpgid flags.
  constexpr int kFlagsField = 7;
  int field = 0;
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    std::size_t start = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\n') ++i;
    if (start == i) return false;
    if (++field < kFlagsField) continue;
    std::uint64_t flags = 0;
    for (std::size_t k = start; k < i; ++k) {
      if (rest[k] < '0' || rest[k] > '9' || flags > UINT64_MAX / 10 - 9)
        return false;
      flags = flags * 10 + static_cast<std::uint64_t>(rest[k] - '0');
    }
    return (flags & kPfKthread) != 0;
  }
  return false;
}

std::int64_t ParseStatusEffectiveUid(std::string_view status_text) {
  constexpr std::string_view kKey = "Uid:";
  std::size_t at = status_text.rfind(std::string_view("\nUid:"));
  if (at != std::string_view::npos) {
    ++at;
  } else if (status_text.compare(0, kKey.size(), kKey) == 0) {
    at = 0;
  } else {
    return -1;
  }
  std::size_t end = status_text.find('\n', at);
  std::string_view line = status_text.substr(
      at + kKey.size(), end == std::string_view::npos ? std::string_view::npos
                                                      : end - at - kKey.size());
  std::size_t i = 0;
  for (int field = 0; field < 2; ++field) {
    while (i < line.size() && (line[i] == '\t' || line[i] == ' ')) ++i;
    std::size_t start = i;
    std::int64_t value = 0;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
      if (value > (INT64_MAX - 9) / 10) return -1;
      value = value * 10 + (line[i] - '0');
      ++i;
    }
    if (start == i || (i < line.size() && line[i] != '\t' && line[i] != ' '))
      return -1;
    if (field == 1) return value;
  }
  return -1;
}

}  // namespace epx
