// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/bpf/bpf_program.h"

#include <bpf/libbpf.h>
#include <sys/stat.h>

#include <cstdarg>
#include <cstdio>
#include <deque>

#include "sources/linux/file_reader.h"

namespace epx {
namespace {

constexpr std::size_t kKeptLines = 4;

thread_local std::deque<std::string>* t_lines = nullptr;

int CollectMessage(enum libbpf_print_level level, const char* format,
                   va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  if (t_lines == nullptr) return std::vfprintf(stderr, format, args);
  char line[512];
  int n = std::vsnprintf(line, sizeof line, format, args);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  if (text.empty()) return n;
  t_lines->push_back(text);
  if (t_lines->size() > kKeptLines) t_lines->pop_front();
  return n;
}

}  // namespace

std::string MissingBpfRequirementsHere() {
  std::string status;
  std::uint64_t caps = 0;
  if (!ReadFile("/proc/self/status", &status) ||
      !ParseEffectiveCapabilities(status, &caps)) {
    caps = 0;
  }
  struct stat st {};
  return MissingBpfRequirements(caps,
                                ::stat("/sys/kernel/btf/vmlinux", &st) == 0);
}

std::uint32_t OwnNetworkNamespaceInode() {
  struct stat st {};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) return 0;
  return static_cast<std::uint32_t>(st.st_ino);
}

std::uint32_t OwnPidNamespaceLevel() {
  std::string status;
  std::uint32_t level = 0;
  if (!ReadFile("/proc/self/status", &status) ||
      !ParsePidNamespaceLevel(status, &level))
    return 0;
  return level;
}

LibbpfMessages::LibbpfMessages() {
  t_lines = new std::deque<std::string>();
  libbpf_set_print(&CollectMessage);
}

LibbpfMessages::~LibbpfMessages() {
  delete t_lines;
  t_lines = nullptr;
}

std::string LibbpfMessages::Text() const {
  std::string out;
  if (t_lines == nullptr) return out;
  for (const std::string& line : *t_lines) {
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

}  // namespace epx
