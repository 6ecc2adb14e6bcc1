#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// Reads the dynamic port range of every protocol and family: WMI
/// ROOT\StandardCimv2 MSFT_NetTCPSetting / MSFT_NetUDPSetting first (the
/// range is per protocol there and applies to both families), else
/// `%SystemRoot%\System32\netsh.exe int ipv4|ipv6 show dynamicport
/// tcp|udp`. Excluded port ranges (netsh `show excludedportrange`) become
/// PortRange::reserved. Appends four ranges on success. False with *error
/// naming each source that failed; when no source works the Windows default
/// 49152-65535 is appended so capacity stays meaningful, and that is said in
/// *error. *source names what was used ("wmi", "netsh", "default").
bool ReadWindowsPortRanges(std::vector<PortRange>* out, std::string* source,
                           std::string* error);

/// HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\TcpTimedWaitDelay
/// in seconds; false when the value is not set (the OS default applies).
bool ReadTcpTimedWaitDelay(std::uint32_t* seconds);

/// Runs `%SystemRoot%\System32\<program>` (never a configurable path) with
/// `arguments`, without a window, and captures its standard output; the
/// child is killed after `timeout_ms`. False with *error when it cannot be
/// started, times out or exits non-zero.
bool RunSystemProgram(const std::wstring& program,
                      const std::wstring& arguments, unsigned timeout_ms,
                      std::string* output, std::string* error);

}  // namespace epx
