// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace epx {

/// Pure: returns the inode of an fd link target "socket:[12345]", or 0 if
/// the target is not a socket.
std::uint64_t ParseSocketLinkInode(std::string_view target);

/// Pure: the systemd unit of a process from /proc/<pid>/cgroup text: the
/// deepest *.service component of the unified (0::) or name=systemd
/// hierarchy, else the deepest *.scope, else "".
std::string ParseSystemdUnit(const std::string& cgroup_text);

/// Pure: true if /proc/<pid>/stat text is a kernel thread's (PF_KTHREAD in
/// its flags field); false for user processes and for text it cannot read.
bool IsKernelThreadStat(std::string_view stat_text);

/// Pure: /proc/<pid>/comm text without its trailing newline.
std::string ParseComm(const std::string& comm_text);

/// Pure: the effective uid from /proc/<pid>/status text (second field of
/// its "Uid:" line), or -1 when the line is missing or malformed.
std::int64_t ParseStatusEffectiveUid(std::string_view status_text);

/// Length at which the kernel cuts comm (TASK_COMM_LEN - 1).
constexpr std::size_t kCommMaxLength = 15;

/// Pure: the process name to show. comm is cut to 15 bytes, so when it is
/// that long and the basename of argv[0] (NUL-separated /proc/<pid>/cmdline)
/// starts with it, that basename is the full name; otherwise comm.
std::string FullProcessName(const std::string& comm,
                            const std::string& cmdline);

}  // namespace epx
