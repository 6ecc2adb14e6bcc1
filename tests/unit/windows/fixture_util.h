// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../../support/fixture.h"

namespace epx {

/// Reads tests/fixtures/windows/<name> as bytes.
inline std::string ReadWindowsFixture(const std::string& name) {
  return testing::ReadFixture("windows/" + name);
}

/// Reads a .hex fixture: whitespace-separated byte pairs, '#' comments.
inline std::vector<std::uint8_t> ReadHexFixture(const std::string& name) {
  std::istringstream in(ReadWindowsFixture(name));
  std::vector<std::uint8_t> bytes;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
      bytes.push_back(static_cast<std::uint8_t>(std::stoul(word, nullptr, 16)));
    }
  }
  return bytes;
}

}  // namespace epx
