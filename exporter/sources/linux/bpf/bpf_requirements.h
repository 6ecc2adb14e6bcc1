// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace epx {

/// Pure: the effective capability set from the text of /proc/<pid>/status
/// (its CapEff line); false when there is none.
bool ParseEffectiveCapabilities(const std::string& status,
                                std::uint64_t* capabilities);

/// Pure: the level of the pid namespace a process lives in (0 for the
/// initial one) from the text of /proc/<pid>/status: its NSpid line has one
/// pid per level. False when there is no such line.
bool ParsePidNamespaceLevel(const std::string& status, std::uint32_t* level);

/// Pure: what keeps a tracing BPF program from loading, given the effective
/// capabilities and whether kernel BTF exists; "" when nothing does. Needs
/// CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (kernels before 5.8).
std::string MissingBpfRequirements(std::uint64_t capabilities, bool have_btf);

}  // namespace epx
