// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace epx::testing {

/// Reads tests/fixtures/<relative> as bytes; a missing file fails the test.
inline std::string ReadFixture(const std::string& relative) {
  std::ifstream in(std::string(EPX_FIXTURE_DIR) + "/" + relative,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace epx::testing
