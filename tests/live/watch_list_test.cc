// SPDX-License-Identifier: Apache-2.0
// Watch lists against real sockets in a private network namespace: ten
// busier destinations fill the top 10, and the watched destination with one
// connection, the watched quiet process and the watched local address are
// reported all the same; an idle watched destination and address read 0.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/exposition.h"
#include "../support/private_network.h"
#include "../support/scrape.h"
#include "../support/subprocess.h"

namespace epx::testing {
namespace {

constexpr int kExporterPort = 19152;

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

std::size_t CountSeries(const std::vector<Sample>& samples,
                        const std::string& name,
                        const std::map<std::string, std::string>& labels) {
  std::size_t n = 0;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [key, value] : labels) {
      auto it = s.labels.find(key);
      all = all && it != s.labels.end() && it->second == value;
    }
    n += all;
  }
  return n;
}

// The per-destination, per-process and per-local-address series, one per
// line, to print when an expectation fails.
std::string Series(const std::vector<Sample>& samples) {
  std::string out;
  for (const Sample& s : samples) {
    if (s.name != "ephemeral_port_destination_in_use" &&
        s.name != "ephemeral_port_process_in_use" &&
        s.name != "ephemeral_port_local_address_in_use")
      continue;
    out += s.name + "{";
    for (const auto& [key, value] : s.labels) out += key + "=" + value + ",";
    out += "} " + std::to_string(s.value) + "\n";
  }
  return out;
}

TEST(WatchListLiveTest, WatchedItemsShowBesidesTheBusierTopN) {
  const std::string config =
      "/tmp/epx_watch_live_" + std::to_string(getpid()) + ".yml";
  ASSERT_TRUE(WriteFile(config,
                        "watch:\n"
                        "  destinations:\n"
                        "    - 127.0.0.1:5432\n"
                        "    - 127.0.0.1:7777\n"
                        "  processes: [\"quiet*\"]\n"
                        "  local_addresses: [127.0.0.5, 127.0.0.9]\n"));
  Subprocess server({EPX_PORT_HOLDER, "--name", "portserver"});
  Subprocess busy({EPX_PORT_HOLDER, "--name", "porthog"});
  Subprocess quiet({EPX_PORT_HOLDER, "--name", "quietclient"});
  Subprocess exporter(
      {EPX_EXPORTER, "--source=netlink", "--web.listen-address=127.0.0.1:19152",
       "--config.file=" + config, "--top.processes=1",
       "--top.local-addresses=1", "--no-selftest.at-start"},
      "/tmp/epx_watch_live_exporter.log");
  for (int port = 5001; port <= 5010; ++port) {
    std::string p = std::to_string(port);
    ASSERT_EQ(server.Command("listen 127.0.0.1 " + p), "ok " + p);
    ASSERT_EQ(busy.Command("connect 127.0.0.1 " + p + " 3"), "ok 3 0");
  }
  ASSERT_EQ(server.Command("listen 127.0.0.1 5432"), "ok 5432");
  ASSERT_EQ(server.Command("listen 127.0.0.1 6001"), "ok 6001");
  // The watched destination has one connection; an unwatched one has two.
  ASSERT_EQ(busy.Command("connect 127.0.0.1 5432 1"), "ok 1 0");
  ASSERT_EQ(busy.Command("connect 127.0.0.1 6001 1"), "ok 1 0");
  ASSERT_EQ(quiet.Command("bindconnect 127.0.0.5 127.0.0.1 6001 1"), "ok 1 0");

  const std::map<std::string, std::string> to5432{
      {"protocol", "tcp"},
      {"remote_address", "127.0.0.1"},
      {"remote_port", "5432"}};
  auto ready = [&](const std::vector<Sample>& x) {
    return Find(x, "ephemeral_port_destination_in_use", to5432) == 1.0 &&
           Find(x, "ephemeral_port_process_in_use",
                {{"protocol", "tcp"}, {"process", "quietclient"}}) == 1.0;
  };
  // At most 3 x 10 s: a loaded host may take long to start the exporter.
  auto s = ScrapeMetricsUntil(kExporterPort, ready);
  for (int i = 0; i < 2 && !ready(s); ++i)
    s = ScrapeMetricsUntil(kExporterPort, ready);
  std::remove(config.c_str());
  SCOPED_TRACE("scraped (exporter log /tmp/epx_watch_live_exporter.log):\n" +
               Series(s));

  EXPECT_EQ(Find(s, "ephemeral_port_destination_in_use", to5432), 1.0);
  for (int port = 5001; port <= 5010; ++port) {
    EXPECT_EQ(Find(s, "ephemeral_port_destination_in_use",
                   {{"protocol", "tcp"},
                    {"remote_address", "127.0.0.1"},
                    {"remote_port", std::to_string(port)}}),
              3.0)
        << port;
  }
  EXPECT_EQ(Find(s, "ephemeral_port_destination_in_use",
                 {{"protocol", "tcp"},
                  {"remote_address", "127.0.0.1"},
                  {"remote_port", "6001"}}),
            std::nullopt)
      << "an unwatched destination outside the top 10 is not reported";
  EXPECT_EQ(Find(s, "ephemeral_port_destination_in_use",
                 {{"protocol", "tcp"},
                  {"remote_address", "127.0.0.1"},
                  {"remote_port", "7777"}}),
            0.0)
      << "an idle watched destination reads 0";
  EXPECT_EQ(CountSeries(s, "ephemeral_port_destination_in_use",
                        {{"protocol", "tcp"}}),
            12u);

  EXPECT_EQ(Find(s, "ephemeral_port_process_in_use",
                 {{"protocol", "tcp"},
                  {"process", "quietclient"},
                  {"pid", std::to_string(quiet.pid())}}),
            1.0);
  EXPECT_EQ(
      CountSeries(s, "ephemeral_port_process_in_use", {{"protocol", "tcp"}}),
      2u);

  EXPECT_EQ(Find(s, "ephemeral_port_local_address_in_use",
                 {{"protocol", "tcp"}, {"local_address", "127.0.0.5"}}),
            1.0);
  EXPECT_EQ(Find(s, "ephemeral_port_local_address_in_use",
                 {{"protocol", "tcp"}, {"local_address", "127.0.0.9"}}),
            0.0);
  EXPECT_EQ(CountSeries(s, "ephemeral_port_local_address_in_use",
                        {{"protocol", "tcp"}}),
            3u);

  quiet.Command("quit", 2000);
  busy.Command("quit", 2000);
  server.Command("quit", 2000);
}

}  // namespace
}  // namespace epx::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string why;
  if (!epx::testing::EnterPrivateNetwork(&why)) {
    std::printf("SKIPPED: %s\n", why.c_str());
    return epx::testing::kSkipExitCode;
  }
  if (!std::ofstream("/proc/sys/net/ipv4/ip_local_port_range")
           .write("40000 40999\n", 12)) {
    std::printf(
        "SKIPPED: cannot narrow ip_local_port_range in the namespace\n");
    return epx::testing::kSkipExitCode;
  }
  return RUN_ALL_TESTS();
}
