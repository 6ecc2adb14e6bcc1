// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/bpf/bpf_requirements.h"

namespace epx {
namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

bool Has(std::uint64_t caps, int bit) { return (caps >> bit) & 1; }

}  // namespace

bool ParseEffectiveCapabilities(const std::string& status,
                                std::uint64_t* capabilities) {
  std::size_t at = status.find("\nCapEff:");
  if (at == std::string::npos) return false;
  at += 8;
  while (at < status.size() && (status[at] == ' ' || status[at] == '\t')) ++at;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  for (; at < status.size() && digits < 16; ++at, ++digits) {
    char c = status[at];
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (v < 0) break;
    value = value << 4 | static_cast<std::uint64_t>(v);
  }
  if (digits == 0) return false;
  *capabilities = value;
  return true;
}

bool ParsePidNamespaceLevel(const std::string& status, std::uint32_t* level) {
  std::size_t at = status.find("\nNSpid:");
  if (at == std::string::npos) return false;
  at += 7;
  std::size_t end = status.find('\n', at);
  if (end == std::string::npos) end = status.size();
  std::uint32_t pids = 0;
  bool in_number = false;
  for (; at < end; ++at) {
    bool digit = status[at] >= '0' && status[at] <= '9';
    if (digit && !in_number) ++pids;
    in_number = digit;
  }
  if (pids == 0) return false;
  *level = pids - 1;
  return true;
}

std::string MissingBpfRequirements(std::uint64_t capabilities, bool have_btf) {
  std::string missing;
  if (!have_btf) missing = "kernel BTF (/sys/kernel/btf/vmlinux)";
  bool privileged =
      Has(capabilities, kCapSysAdmin) ||
      (Has(capabilities, kCapBpf) && Has(capabilities, kCapPerfmon));
  if (!privileged) {
    if (!missing.empty()) missing += " and ";
    missing += "CAP_BPF and CAP_PERFMON (or root)";
  }
  return missing;
}

}  // namespace epx
