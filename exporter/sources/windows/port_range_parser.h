// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace epx {

/// A dynamic port range as Windows describes it: first port and count.
struct DynamicPortSetting {
  std::uint16_t start = 0;
  std::uint32_t count = 0;
};

/// Pure: reads the output of `netsh int ipv4|ipv6 show dynamicport tcp|udp`
/// in any display language: the only two lines whose value after the last
/// ':' is a bare number are, in order, the start port and the number of
/// ports. False with *error unless exactly two such lines exist and they
/// describe a range inside 1..65535.
bool ParseNetshDynamicPortRange(const std::string& text,
                                DynamicPortSetting* out, std::string* error);

/// Pure: reads `netsh int ipv4|ipv6 show excludedportrange protocol=tcp|udp`
/// in any display language: every line made of two numbers (start and end
/// port, inclusive), optionally followed by '*' (administered exclusion).
/// An output with no such line means no exclusions. False with *error if a
/// range is reversed or out of 0..65535.
bool ParseNetshExcludedPortRanges(
    const std::string& text,
    std::vector<std::pair<std::uint16_t, std::uint16_t>>* out,
    std::string* error);

/// The WMI classes of ROOT\StandardCimv2 that carry the dynamic port range.
enum class WmiPortClass : std::uint8_t { kTcp, kUdp };

/// Pure: "MSFT_NetTCPSetting" or "MSFT_NetUDPSetting".
const char* WmiPortClassName(WmiPortClass wmi_class);

/// Pure: the properties read from the class, each one that the class's
/// documented MOF declares: MSFT_NetTCPSetting has SettingName, the dynamic
/// range and (Windows 10 / Server 2016 and later) the auto-reuse range
/// (https://learn.microsoft.com/windows/win32/fwp/wmi/nettcpipprov/msft-nettcpsetting);
/// MSFT_NetUDPSetting has only the dynamic range, no SettingName
/// (https://learn.microsoft.com/windows/win32/fwp/wmi/nettcpipprov/msft-netudpsetting).
std::vector<std::string> WmiPortSettingProperties(WmiPortClass wmi_class,
                                                  bool with_auto_reuse);

/// Pure: the WQL SELECT of WmiPortSettingProperties() from the class.
std::string WmiPortSettingQuery(WmiPortClass wmi_class, bool with_auto_reuse);

/// One instance of MSFT_NetTCPSetting / MSFT_NetUDPSetting as read over WMI;
/// `has_range` / `has_auto_reuse` are false when the properties are NULL or
/// absent.
struct WmiPortSettingInstance {
  std::string setting_name;
  bool has_range = false;
  std::uint32_t start = 0;
  std::uint32_t count = 0;
  bool has_auto_reuse = false;
  std::uint32_t auto_reuse_start = 0;
  std::uint32_t auto_reuse_count = 0;
};

/// Pure: the auto-reuse range (TCP ports for connect() without bind(),
/// shared per destination; Set-NetTCPSetting -AutoReusePortRange*). False
/// when no instance enables it (NumberOfPorts 0 or NULL: disabled, ports
/// come from the dynamic range); "Internet" is preferred.
bool ChooseWmiAutoReuseRange(
    const std::vector<WmiPortSettingInstance>& instances,
    DynamicPortSetting* out);

/// Pure: picks the effective range from the instances (the range is global,
/// every instance that has it carries the same values; "Internet" is
/// preferred, then the first with values). False with *error when no
/// instance has a valid range.
bool ChooseWmiDynamicPortRange(
    const std::vector<WmiPortSettingInstance>& instances,
    DynamicPortSetting* out, std::string* error);

/// Pure: validates a start/count pair; false with *error when the range does
/// not fit in 1..65535.
bool CheckDynamicPortSetting(std::uint32_t start, std::uint32_t count,
                             std::string* error);

}  // namespace epx
