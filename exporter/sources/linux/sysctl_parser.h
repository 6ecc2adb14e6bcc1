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

}  // namespace epx
