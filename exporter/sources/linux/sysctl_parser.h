// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace epx {

/// Pure: parses net.ipv4.ip_local_port_range ("32768\t60999\n") into an
/// inclusive [low, high]; false with *error set on bad input.
bool ParseLocalPortRange(const std::string& text, std::uint16_t* low,
                         std::uint16_t* high, std::string* error);

/// Pure: parses net.ipv4.ip_local_reserved_ports ("8080,9000-9010\n", may
/// be empty) into inclusive intervals; false with *error on bad input.
bool ParseReservedPorts(
    const std::string& text,
    std::vector<std::pair<std::uint16_t, std::uint16_t>>* out,
    std::string* error);

/// Pure: parses a one-number sysctl ("2\n") that must lie in [min, max];
/// false with *error set on bad input.
bool ParseSysctlInteger(const std::string& text, std::int64_t min,
                        std::int64_t max, std::int64_t* out,
                        std::string* error);

/// A kernel version as major.minor.
struct KernelVersion {
  int major = 0;
  int minor = 0;
  /// True if this version is major.minor or newer.
  bool AtLeast(int want_major, int want_minor) const {
    return major != want_major ? major > want_major : minor >= want_minor;
  }
};

/// Pure: parses kernel.osrelease ("6.18.44-fc-v973\n"); false with *error
/// set when it does not start with MAJOR.MINOR.
bool ParseKernelRelease(const std::string& text, KernelVersion* out,
                        std::string* error);

}  // namespace epx
