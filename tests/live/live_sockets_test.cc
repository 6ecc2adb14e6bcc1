// SPDX-License-Identifier: Apache-2.0
// Real sockets in a private network namespace with a narrowed port range:
// the exporter must report exactly what the helper processes opened.
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "../support/exposition.h"
#include "../support/private_network.h"
#include "../support/scrape.h"
#include "../support/subprocess.h"

namespace epx::testing {
namespace {

constexpr int kExporterPort = 19152;
constexpr const char* kTwReuseDelay = "/proc/sys/net/ipv4/tcp_tw_reuse_delay";
std::string g_skip_reason;

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

bool EnterNarrowedNetwork(std::string* why) {
  if (!EnterPrivateNetwork(why)) return false;
  if (!WriteFile("/proc/sys/net/ipv4/ip_local_port_range", "40000 40099\n") ||
      !WriteFile("/proc/sys/net/ipv4/ip_local_reserved_ports", "\n")) {
    *why = "cannot narrow ip_local_port_range in the namespace";
    return false;
  }
  // TIME_WAIT ports stay in the headline until the last test lowers this:
  // under load a scrape can come more than the default 1 s after a close.
  // The setting exists since Linux 6.13; before, the race remains.
  WriteFile(kTwReuseDelay, "60000\n");
  return true;
}

class LiveSocketsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EPX_PORT_HOLDER, "--name", "portserver"});
    client_ = std::make_unique<Subprocess>(
        std::vector<std::string>{EPX_PORT_HOLDER, "--name", "porthog"});
    exporter_ = std::make_unique<Subprocess>(
        std::vector<std::string>{
            // The netlink source's view (its lower bound for the
            // bind-before-connect clients); live.bpf_sockets_equal_netlink
            // covers bpf. The start-up self-test's own sockets would take
            // ports of the narrow ranges below while it runs.
            EPX_EXPORTER, "--source=netlink", "--no-selftest.at-start",
            "--web.listen-address=127.0.0.1:19152",
            "--service=absent-test.service", "--top.processes=5"},
        "/tmp/epx_live_exporter.log");
  }
  static void TearDownTestSuite() {
    if (client_) client_->Command("quit", 2000);
    if (server_) server_->Command("quit", 2000);
    exporter_.reset();
    client_.reset();
    server_.reset();
  }

  static std::vector<Sample> Scrape() { return ScrapeMetrics(kExporterPort); }

  // Scrapes until `ready` holds (at most 10 s); returns the last scrape.
  static std::vector<Sample> ScrapeUntil(
      const std::function<bool(const std::vector<Sample>&)>& ready) {
    return ScrapeMetricsUntil(kExporterPort, ready);
  }

  static std::string Pid(const Subprocess& p) {
    return std::to_string(p.pid());
  }

  static std::unique_ptr<Subprocess> server_;
  static std::unique_ptr<Subprocess> client_;
  static std::unique_ptr<Subprocess> exporter_;
};

std::unique_ptr<Subprocess> LiveSocketsTest::server_;
std::unique_ptr<Subprocess> LiveSocketsTest::client_;
std::unique_ptr<Subprocess> LiveSocketsTest::exporter_;

using PortSet = std::set<int>;

// Parses "ok [N] P P P" into the set of ports P (skipping N if has_count).
PortSet PortsOf(const std::string& reply, bool has_count) {
  std::istringstream in(reply);
  std::string ok;
  in >> ok;
  EXPECT_EQ(ok, "ok") << reply;
  int n;
  if (has_count) in >> n;
  PortSet ports;
  while (in >> n) ports.insert(n);
  return ports;
}

PortSet Union(std::initializer_list<PortSet> sets) {
  PortSet out;
  for (const PortSet& s : sets) out.insert(s.begin(), s.end());
  return out;
}

double Size(const PortSet& s) { return static_cast<double>(s.size()); }

double V(const std::vector<Sample>& s, const std::string& name,
         const std::map<std::string, std::string>& labels = {}) {
  auto v = Find(s, name, labels);
  EXPECT_TRUE(v.has_value()) << name << " not found (or not unique)";
  return v.value_or(-1);
}

TEST_F(LiveSocketsTest, ReportsExactlyTheSocketsTheHelpersOpened) {
  ASSERT_EQ(server_->Command("listen 127.0.0.1 5000"), "ok 5000");
  ASSERT_EQ(server_->Command("listen 127.0.0.1 6000"), "ok 6000");
  ASSERT_EQ(server_->Command("listen 127.0.0.1 40050"), "ok 40050");
  ASSERT_EQ(server_->Command("listen ::1 7000"), "ok 7000");
  ASSERT_EQ(client_->Command("connect 127.0.0.1 5000 6"), "ok 6 0");
  ASSERT_EQ(client_->Command("bindconnect 127.0.0.1 127.0.0.1 5000 4"),
            "ok 4 0");
  ASSERT_EQ(client_->Command("connect 127.0.0.1 6000 3"), "ok 3 0");
  ASSERT_EQ(client_->Command("connect ::1 7000 2"), "ok 2 0");
  ASSERT_EQ(client_->Command("bind 127.0.0.1 1"), "ok 1 0");
  ASSERT_EQ(client_->Command("udp 127.0.0.1 53 2"), "ok 2 0");
  std::string closed = client_->Command("close 6000 2");
  ASSERT_EQ(closed.rfind("ok 2 ", 0), 0u) << closed;
  // Ground truth from the helper's getsockname(): ports may repeat across
  // destinations, so expectations are computed from these sets.
  const PortSet time_wait = PortsOf(closed, true);
  const PortSet to5000 = PortsOf(client_->Command("ports 5000"), false);
  const PortSet to6000 = PortsOf(client_->Command("ports 6000"), false);
  const PortSet to7000 = PortsOf(client_->Command("ports 7000"), false);
  const PortSet bound = PortsOf(client_->Command("ports bound"), false);
  const PortSet udp = PortsOf(client_->Command("ports udp"), false);
  ASSERT_EQ(to5000.size(), 10u);
  ASSERT_EQ(time_wait.size(), 2u);
  ASSERT_EQ(bound.size(), 1u);
  const PortSet exclusive = Union({bound, {40050}});
  const PortSet held =
      Union({to5000, to6000, time_wait, to7000, bound, {40050}});
  const double worst = std::max({Size(Union({to5000, exclusive})),
                                 Size(Union({to6000, time_wait, exclusive})),
                                 Size(Union({to7000, exclusive}))});

  const std::map<std::string, std::string> tcp{{"protocol", "tcp"}};
  auto s = ScrapeUntil([&](const std::vector<Sample>& x) {
    return Find(x, "ephemeral_port_unattributed_sockets",
                {{"protocol", "tcp"}, {"reason", "time_wait"}}) == 2.0 &&
           Find(x, "ephemeral_port_sockets",
                {{"protocol", "tcp"},
                 {"family", "ipv4"},
                 {"state", "established"}}) == 24.0;
  });

  // Ports: 10 to :5000, 3 to :6000 (2 in TIME_WAIT), 2 over IPv6 to :7000,
  // 1 bound-only socket and the listener on 40050.
  EXPECT_EQ(V(s, "ephemeral_port_capacity",
              {{"protocol", "tcp"}, {"family", "ipv4"}}),
            100);
  EXPECT_EQ(
      V(s, "ephemeral_port_in_use", {{"protocol", "tcp"}, {"family", "ipv4"}}),
      Size(held));
  EXPECT_EQ(V(s, "ephemeral_port_exclusive_in_use", tcp), 2);
  EXPECT_EQ(worst, 12);
  EXPECT_EQ(V(s, "ephemeral_port_exhaustion_in_use", tcp), worst);
  EXPECT_DOUBLE_EQ(V(s, "ephemeral_port_exhaustion_ratio", tcp), worst / 100);

  EXPECT_EQ(
      V(s, "ephemeral_port_process_in_use",
        {{"protocol", "tcp"}, {"process", "porthog"}, {"pid", Pid(*client_)}}),
      Size(Union({to5000, to6000, to7000, bound})));
  EXPECT_EQ(
      V(s, "ephemeral_port_process_in_use",
        {{"protocol", "udp"}, {"process", "porthog"}, {"pid", Pid(*client_)}}),
      Size(udp));
  EXPECT_EQ(V(s, "ephemeral_port_process_sockets",
              {{"protocol", "tcp"},
               {"process", "porthog"},
               {"state", "established"}}),
            13);
  EXPECT_EQ(
      V(s, "ephemeral_port_process_sockets",
        {{"protocol", "tcp"}, {"process", "porthog"}, {"state", "bound"}}),
      1);
  EXPECT_EQ(V(s, "ephemeral_port_process_in_use",
              {{"protocol", "tcp"},
               {"process", "portserver"},
               {"pid", Pid(*server_)}}),
            1);
  EXPECT_EQ(V(s, "ephemeral_port_unattributed_in_use",
              {{"protocol", "tcp"}, {"reason", "time_wait"}}),
            2);
  EXPECT_EQ(V(s, "ephemeral_port_unattributed_sockets",
              {{"protocol", "tcp"}, {"reason", "unknown"}}),
            0);

  EXPECT_EQ(V(s, "ephemeral_port_destination_in_use",
              {{"protocol", "tcp"},
               {"remote_address", "127.0.0.1"},
               {"remote_port", "5000"}}),
            10);
  EXPECT_DOUBLE_EQ(V(s, "ephemeral_port_destination_usage_ratio",
                     {{"protocol", "tcp"},
                      {"remote_address", "127.0.0.1"},
                      {"remote_port", "5000"}}),
                   0.12);
  EXPECT_EQ(V(s, "ephemeral_port_destination_in_use",
              {{"protocol", "tcp"},
               {"remote_address", "127.0.0.1"},
               {"remote_port", "6000"}}),
            3);
  EXPECT_EQ(V(s, "ephemeral_port_destination_in_use",
              {{"protocol", "tcp"},
               {"remote_address", "::1"},
               {"remote_port", "7000"}}),
            2);

  // Client and server ends; the scrape's own connection adds one of each.
  EXPECT_EQ(
      V(s, "ephemeral_port_sockets",
        {{"protocol", "tcp"}, {"family", "ipv4"}, {"state", "established"}}),
      24);
  EXPECT_EQ(
      V(s, "ephemeral_port_sockets",
        {{"protocol", "tcp"}, {"family", "ipv6"}, {"state", "established"}}),
      4);
  EXPECT_EQ(
      V(s, "ephemeral_port_sockets",
        {{"protocol", "tcp"}, {"family", "ipv4"}, {"state", "time_wait"}}),
      2);
  EXPECT_EQ(V(s, "ephemeral_port_sockets",
              {{"protocol", "tcp"}, {"family", "ipv4"}, {"state", "bound"}}),
            1);
  // 5000, 6000, 40050 and the exporter's own 19152.
  EXPECT_EQ(V(s, "ephemeral_port_sockets",
              {{"protocol", "tcp"}, {"family", "ipv4"}, {"state", "listen"}}),
            4);
  EXPECT_EQ(
      V(s, "ephemeral_port_sockets",
        {{"protocol", "udp"}, {"family", "ipv4"}, {"state", "established"}}),
      2);
  EXPECT_EQ(
      V(s, "ephemeral_port_in_use", {{"protocol", "udp"}, {"family", "ipv4"}}),
      Size(udp));

  EXPECT_EQ(V(s, "ephemeral_port_local_address_in_use",
              {{"protocol", "tcp"}, {"local_address", "127.0.0.1"}}),
            Size(Union({to5000, to6000, time_wait, bound, {40050}})));
  EXPECT_EQ(V(s, "ephemeral_port_local_address_in_use",
              {{"protocol", "tcp"}, {"local_address", "::1"}}),
            Size(to7000));
  EXPECT_EQ(V(s, "ephemeral_port_local_address_listening_ports",
              {{"protocol", "tcp"}, {"local_address", "127.0.0.1"}}),
            4);
  EXPECT_EQ(
      V(s, "ephemeral_port_service_up", {{"service", "absent-test.service"}}),
      0);
  EXPECT_EQ(V(s, "ephemeral_port_service_in_use",
              {{"protocol", "tcp"}, {"service", "absent-test.service"}}),
            0);
  for (const char* c : {"sockets", "port_range", "processes", "tcp_stats"}) {
    EXPECT_EQ(V(s, "ephemeral_port_collector_success", {{"collector", c}}), 1)
        << c;
  }
  EXPECT_GE(V(s, "ephemeral_port_tcp_active_opens_total"), 15);
}

TEST_F(LiveSocketsTest, HeadlineReadsOneWhenConnectsFailWithEaddrnotavail) {
  double opens_before = V(Scrape(), "ephemeral_port_tcp_active_opens_total");
  // 100 ports minus the 10 already toward :5000 and the 2 exclusive ones.
  ASSERT_EQ(client_->Command("fill 127.0.0.1 5000"), "ok 88 EADDRNOTAVAIL");

  auto s = Scrape();
  const std::map<std::string, std::string> tcp{{"protocol", "tcp"}};
  EXPECT_DOUBLE_EQ(V(s, "ephemeral_port_exhaustion_ratio", tcp), 1.0);
  EXPECT_EQ(V(s, "ephemeral_port_exhaustion_in_use", tcp), 100);
  EXPECT_EQ(
      V(s, "ephemeral_port_in_use", {{"protocol", "tcp"}, {"family", "ipv4"}}),
      100);
  EXPECT_EQ(V(s, "ephemeral_port_destination_in_use",
              {{"protocol", "tcp"},
               {"remote_address", "127.0.0.1"},
               {"remote_port", "5000"}}),
            98);
  EXPECT_DOUBLE_EQ(V(s, "ephemeral_port_destination_usage_ratio",
                     {{"protocol", "tcp"},
                      {"remote_address", "127.0.0.1"},
                      {"remote_port", "5000"}}),
                   1.0);
  // Every port but the server's listener and the ports still in TIME_WAIT
  // toward :6000 (the kernel may reuse those for :5000, so ask the helper).
  const PortSet mine = Union({PortsOf(client_->Command("ports 5000"), false),
                              PortsOf(client_->Command("ports 6000"), false),
                              PortsOf(client_->Command("ports 7000"), false),
                              PortsOf(client_->Command("ports bound"), false)});
  EXPECT_EQ(
      V(s, "ephemeral_port_process_in_use",
        {{"protocol", "tcp"}, {"process", "porthog"}, {"pid", Pid(*client_)}}),
      Size(mine));
  EXPECT_GE(V(s, "ephemeral_port_tcp_active_opens_total") - opens_before, 88);
}

TEST_F(LiveSocketsTest, ReleasingTheConnectionsBringsTheHeadlineDown) {
  ASSERT_EQ(client_->Command("release"), "ok 101");
  WriteFile(kTwReuseDelay, "1000\n");
  const std::map<std::string, std::string> tcp{{"protocol", "tcp"}};
  // Left: the listener, the bound socket and the two TIME_WAIT ports. The
  // TIME_WAIT ones leave the headline once older than tcp_tw_reuse_delay
  // (loopback, tcp_tw_reuse = 2), now 1 s; they were closed at different
  // moments, so wait until both are.
  auto s = ScrapeUntil([&](const std::vector<Sample>& x) {
    return Find(x, "ephemeral_port_destination_in_use",
                {{"protocol", "tcp"},
                 {"remote_address", "127.0.0.1"},
                 {"remote_port", "5000"}}) == std::nullopt &&
           Find(x, "ephemeral_port_time_wait_recyclable_sockets", tcp) == 2.0;
  });
  EXPECT_EQ(
      V(s, "ephemeral_port_in_use", {{"protocol", "tcp"}, {"family", "ipv4"}}),
      4);
  EXPECT_EQ(V(s, "ephemeral_port_time_wait_recyclable_sockets", tcp), 2);
  EXPECT_EQ(V(s, "ephemeral_port_exhaustion_in_use", tcp), 2);
  EXPECT_DOUBLE_EQ(V(s, "ephemeral_port_exhaustion_ratio", tcp), 2.0 / 100);
}

}  // namespace
}  // namespace epx::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string why;
  if (!epx::testing::EnterNarrowedNetwork(&why)) {
    std::printf("SKIPPED: %s\n", why.c_str());
    return epx::testing::kSkipExitCode;
  }
  return RUN_ALL_TESTS();
}
