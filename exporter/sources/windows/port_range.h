// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "sources/windows/range_cache.h"
#include "sources/windows/wmi_session.h"

namespace epx {

/// Reads the dynamic port range of every protocol and family: WMI
/// (`wmi` on ROOT\StandardCimv2: MSFT_NetTCPSetting / MSFT_NetUDPSetting,
/// per protocol for both families, and the TCP auto-reuse range) first;
/// for a protocol WMI cannot give, `%SystemRoot%\System32\netsh.exe int
/// ipv4|ipv6 show dynamicport tcp|udp`. Excluded port ranges (netsh `show
/// excludedportrange`) become PortRange::reserved. Always fills four ranges:
/// when neither source answers, the Windows default 49152-65535, said in
/// out->error. A WMI failure that netsh made good is logged once, not an
/// error. When `cancel` becomes true, starts no further WMI call or netsh
/// child and returns with out->error "cancelled (stopping)".
void ReadWindowsPortRanges(WmiSession* wmi, const std::atomic<bool>* cancel,
                           PortRangeReading* out);

/// HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\TcpTimedWaitDelay
/// in seconds; false when the value is not set (the OS default applies).
bool ReadTcpTimedWaitDelay(std::uint32_t* seconds);

/// Runs `%SystemRoot%\System32\<program>` (never a configurable path) with
/// `arguments`, without a window, and captures its standard output; the
/// child is killed after `timeout_ms` or when `cancel` becomes true, and
/// not started when `cancel` already is. The child inherits its three
/// standard handles and no other. False with *error when it cannot be
/// started, times out, is cancelled ("cancelled") or exits non-zero.
bool RunSystemProgram(const std::wstring& program,
                      const std::wstring& arguments, unsigned timeout_ms,
                      const std::atomic<bool>* cancel, std::string* output,
                      std::string* error);

}  // namespace epx
