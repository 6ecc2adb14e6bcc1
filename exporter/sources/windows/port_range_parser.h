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

/// One instance of MSFT_NetTCPSetting / MSFT_NetUDPSetting as read over WMI;
/// `has_range` is false when the properties are NULL.
struct WmiPortSettingInstance {
  std::string setting_name;
  bool has_range = false;
  std::uint32_t start = 0;
  std::uint32_t count = 0;
};

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
