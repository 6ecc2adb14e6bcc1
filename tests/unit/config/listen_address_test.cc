// SPDX-License-Identifier: Apache-2.0
#include "config/listen_address.h"

#include <gtest/gtest.h>

#include <string>

namespace epx {
namespace {

ListenAddress Parse(const std::string& text) {
  ListenAddress a;
  std::string error;
  EXPECT_TRUE(ParseListenAddress(text, &a, &error)) << text << ": " << error;
  return a;
}

std::string Error(const std::string& text) {
  ListenAddress a;
  std::string error;
  EXPECT_FALSE(ParseListenAddress(text, &a, &error)) << text;
  return error;
}

TEST(ListenAddressTest, AcceptsEveryForm) {
  EXPECT_EQ(Parse(":19152").host, "");
  EXPECT_EQ(Parse(":19152").port, 19152);
  EXPECT_EQ(Parse("0.0.0.0:1").host, "0.0.0.0");
  EXPECT_EQ(Parse("[::1]:2").host, "::1");
  EXPECT_EQ(Parse("[2001:db8::5]:3").host, "2001:db8::5");
  EXPECT_EQ(Parse("[::ffff:127.0.0.1]:4").host, "::ffff:127.0.0.1");
  EXPECT_EQ(Parse("exporter-1.example.org:65535").host,
            "exporter-1.example.org");
  EXPECT_EQ(Parse("localhost:0").port, 0);
}

TEST(ListenAddressTest, RejectsMalformed) {
  EXPECT_EQ(Error("19152"),
            "listen address '19152': expected host:port, :port or "
            "[ipv6]:port");
  EXPECT_EQ(Error(":65536"),
            "listen address ':65536': expected host:port, :port or "
            "[ipv6]:port");
  EXPECT_EQ(Error("::1:80"),
            "listen address '::1:80': put an IPv6 address in brackets, e.g. "
            "[::1]:19152");
  EXPECT_EQ(Error("[]:80"),
            "listen address '[]:80': expected an IPv6 address in brackets, "
            "e.g. [::1]:19152");
  EXPECT_EQ(Error("[host]:80"),
            "listen address '[host]:80': expected an IPv6 address in "
            "brackets, e.g. [::1]:19152");
  EXPECT_EQ(Error("a b:80"),
            "listen address 'a b:80': 'a b' is neither an IP address nor a "
            "host name");
}

}  // namespace
}  // namespace epx
