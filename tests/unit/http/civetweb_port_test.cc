// SPDX-License-Identifier: Apache-2.0
#include "http/civetweb_port.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

TEST(CivetwebPortTest, Entries) {
  EXPECT_EQ(CivetwebPort("", 19152, true, false), "+19152");
  EXPECT_EQ(CivetwebPort("", 19152, false, false), "19152");
  EXPECT_EQ(CivetwebPort("", 19152, true, true), "+19152s");
  EXPECT_EQ(CivetwebPort("127.0.0.1", 1, true, false), "127.0.0.1:1");
  EXPECT_EQ(CivetwebPort("::1", 2, true, true), "[::1]:2s");
  EXPECT_EQ(CivetwebPort("2001:db8::5", 3, true, false), "[2001:db8::5]:3");
}

}  // namespace
}  // namespace epx
