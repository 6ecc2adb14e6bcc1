// SPDX-License-Identifier: Apache-2.0
#include "http/http_server.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace epx {
namespace {

std::string Gunzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(HttpServerTest, AcceptsGzip) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(nullptr));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
}

TEST(HttpServerTest, GzipRoundTrips) {
  std::string text;
  for (int i = 0; i < 5000; ++i)
    text += "ephemeral_port_connections{destination=\"10.0.0." +
            std::to_string(i % 250) + "\"} " + std::to_string(i) + "\n";
  std::string zipped;
  ASSERT_TRUE(Gzip(text, &zipped));
  ASSERT_GE(zipped.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(zipped[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(zipped[1]), 0x8b);
  EXPECT_LT(zipped.size(), text.size() / 5);
  EXPECT_EQ(Gunzip(zipped), text);
  ASSERT_TRUE(Gzip("", &zipped));
  EXPECT_EQ(Gunzip(zipped), "");
}

TEST(HttpServerTest, CivetwebPortsOfLiteralsAndNames) {
  std::string ports, error;
  ASSERT_TRUE(ToCivetwebPorts({"127.0.0.1:1", "[::1]:2", "0.0.0.0:3"}, false,
                              &ports, &error))
      << error;
  EXPECT_EQ(ports, "127.0.0.1:1,[::1]:2,0.0.0.0:3");
  ASSERT_TRUE(ToCivetwebPorts({"localhost:4"}, true, &ports, &error)) << error;
  EXPECT_NE(ports.find("127.0.0.1:4s"), std::string::npos) << ports;
  EXPECT_FALSE(
      ToCivetwebPorts({"no-such-host.invalid:5"}, false, &ports, &error));
  EXPECT_NE(error.find("cannot resolve 'no-such-host.invalid'"),
            std::string::npos)
      << error;
  EXPECT_FALSE(ToCivetwebPorts({}, false, &ports, &error));
}

}  // namespace
}  // namespace epx
