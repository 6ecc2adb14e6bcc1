// SPDX-License-Identifier: Apache-2.0
// The connect_events BPF collector against the kernel itself: in a private
// network namespace with a 10-port range, connects that the kernel refuses
// with EADDRNOTAVAIL are counted exactly, on the right process, pid and
// destination; failures made at the same time in a second namespace are
// not; connect-and-close cycles are counted as connects; port-0 binds that
// fail are counted; UDP sends and connects from unbound sockets that find no
// port to autobind are counted per process and destination; with the
// namespaces collector on, failures in a child namespace are counted under
// its inode, process and destination while the host's totals stay its own;
// without privileges the collector says what is missing.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "../support/exposition.h"
#include "../support/private_network.h"
#include "../support/scrape.h"
#include "../support/subprocess.h"

namespace epx::testing {
namespace {

constexpr int kPort = 19152;
constexpr int kUnprivilegedPort = 19153;
constexpr int kUdpPort = 19154;
constexpr int kNamespacesPort = 19155;
bool g_mounted_tracefs = false;

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

bool Exists(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0;
}

double V(const std::vector<Sample>& s, const std::string& name,
         const std::map<std::string, std::string>& labels) {
  return Find(s, name, labels).value_or(-1);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ConnectEventsTest, CountsExactlyTheFailuresOfThisNamespace) {
  Subprocess exporter({EPX_EXPORTER, "--web.listen-address=127.0.0.1:19152",
                       "--collector.connect_events=true", "--top.processes=20"},
                      "/tmp/epx_connect_events_exporter.log");
  auto loaded = ScrapeMetricsUntil(kPort, [](const std::vector<Sample>& s) {
    return Find(s, "ephemeral_port_collector_success",
                {{"collector", "connect_events"}}) == 1.0;
  });
  ASSERT_EQ(V(loaded, "ephemeral_port_collector_success",
              {{"collector", "connect_events"}}),
            1)
      << ReadAll("/tmp/epx_connect_events_exporter.log");

  Subprocess server({EPX_PORT_HOLDER, "--name", "ceserver"});
  Subprocess hog({EPX_PORT_HOLDER, "--name", "cehog"});
  Subprocess churner({EPX_PORT_HOLDER, "--name", "cechurner"});
  // A second namespace making failures of its own at the same time.
  Subprocess other({"/usr/bin/unshare", "-n", "/bin/sh", "-c",
                    "ip link set lo up && echo 40000 40009 > "
                    "/proc/sys/net/ipv4/ip_local_port_range && exec " +
                        std::string(EPX_PORT_HOLDER) + " --name ceother"});
  ASSERT_EQ(server.Command("listen 127.0.0.1 5000"), "ok 5000");
  ASSERT_EQ(server.Command("listen 127.0.0.1 6000"), "ok 6000");
  ASSERT_EQ(other.Command("listen 127.0.0.1 5000"), "ok 5000");

  // The pool toward 127.0.0.1:5000 has 10 ports: fill it (the 11th connect
  // fails), then 20 more connects fail, while the other namespace fails 15.
  ASSERT_EQ(hog.Command("fill 127.0.0.1 5000"), "ok 10 EADDRNOTAVAIL");
  ASSERT_EQ(other.Command("fill 127.0.0.1 5000"), "ok 10 EADDRNOTAVAIL");
  std::thread other_failures([&] {
    EXPECT_EQ(other.Command("attempt 127.0.0.1 5000 15"),
              "ok 15 EADDRNOTAVAIL");
  });
  EXPECT_EQ(hog.Command("attempt 127.0.0.1 5000 20"), "ok 20 EADDRNOTAVAIL");
  other_failures.join();
  // Another destination reuses the same ports: 50 connect/close cycles.
  EXPECT_EQ(churner.Command("churn 127.0.0.1 6000 50"), "ok 50 0");
  // A bind() to port 0 needs a port no socket uses; all 10 are in use, so
  // each of these fails with EADDRINUSE.
  std::string binds = hog.Command("bindzero 127.0.0.1 3");
  ASSERT_EQ(binds, "ok 3 EADDRINUSE");

  const std::string hog_pid = std::to_string(hog.pid());
  const std::string churner_pid = std::to_string(churner.pid());
  auto s = ScrapeMetricsUntil(kPort, [&](const std::vector<Sample>& x) {
    return Find(x, "ephemeral_port_connect_failures_total",
                {{"protocol", "tcp"}, {"family", "ipv4"}}) == 21.0 &&
           Find(x, "ephemeral_port_process_connects_total",
                {{"process", "cechurner"}, {"pid", churner_pid}}) == 50.0;
  });
  EXPECT_EQ(V(s, "ephemeral_port_connect_failures_total",
              {{"protocol", "tcp"}, {"family", "ipv4"}}),
            21);
  EXPECT_EQ(V(s, "ephemeral_port_connect_failures_total",
              {{"protocol", "tcp"}, {"family", "ipv6"}}),
            0);
  bool bind_hooks = Exists("/sys/kernel/tracing/events/syscalls");
  EXPECT_EQ(V(s, "ephemeral_port_process_connect_failures_total",
              {{"process", "cehog"}, {"pid", hog_pid}}),
            bind_hooks ? 24 : 21);
  EXPECT_EQ(V(s, "ephemeral_port_destination_connect_failures_total",
              {{"protocol", "tcp"},
               {"remote_address", "127.0.0.1"},
               {"remote_port", "5000"}}),
            21);
  EXPECT_EQ(V(s, "ephemeral_port_process_connects_total",
              {{"process", "cehog"}, {"pid", hog_pid}}),
            10);
  EXPECT_EQ(V(s, "ephemeral_port_process_connects_total",
              {{"process", "cechurner"}, {"pid", churner_pid}}),
            50);
  if (bind_hooks) {
    EXPECT_EQ(V(s, "ephemeral_port_port_allocation_failures_total",
                {{"protocol", "tcp"}, {"call", "bind"}}),
              3);
  } else {
    std::printf(
        "NOTE: tracefs is not mounted: port-0 bind failures were "
        "not checked\n");
  }
  for (const Sample& sample : s) {
    auto it = sample.labels.find("process");
    if (it != sample.labels.end()) {
      EXPECT_NE(it->second, "ceother");
    }
  }
  EXPECT_EQ(V(s, "ephemeral_port_connect_events_dropped_total",
              {{"map", "processes"}}),
            0);
  other.Command("quit", 2000);
  hog.Command("quit", 2000);
  churner.Command("quit", 2000);
  server.Command("quit", 2000);
}

TEST(ConnectEventsTest, UdpSendsThatFindNoPortToAutobindAreCounted) {
  Subprocess exporter({EPX_EXPORTER, "--web.listen-address=127.0.0.1:19154",
                       "--collector.connect_events=true", "--top.processes=20"},
                      "/tmp/epx_connect_events_udp_exporter.log");
  auto loaded = ScrapeMetricsUntil(kUdpPort, [](const std::vector<Sample>& s) {
    return Find(s, "ephemeral_port_collector_success",
                {{"collector", "connect_events"}}) == 1.0;
  });
  ASSERT_EQ(V(loaded, "ephemeral_port_collector_success",
              {{"collector", "connect_events"}}),
            1)
      << ReadAll("/tmp/epx_connect_events_udp_exporter.log");

  Subprocess holder({EPX_PORT_HOLDER, "--name", "ceudpholder"});
  Subprocess sender({EPX_PORT_HOLDER, "--name", "ceudpsender"});
  // Ten connected UDP sockets take the ten ports of the range.
  ASSERT_EQ(holder.Command("udp 127.0.0.1 7000 10"), "ok 10 0");
  // Nine IPv4 sends (sendto, sendmsg, sendmmsg three times each) and three
  // IPv6 ones from fresh unbound sockets, and one UDP connect(), find no
  // port.
  ASSERT_EQ(sender.Command("sendto 127.0.0.1 7001 9"), "ok 9 EAGAIN");
  ASSERT_EQ(sender.Command("sendto ::1 7002 3"), "ok 3 EAGAIN");
  ASSERT_EQ(holder.Command("udp 127.0.0.1 7000 1"), "ok 0 EAGAIN");
  // The connect() is seen by the syscall hooks, which need tracefs.
  const int connects = Exists("/sys/kernel/tracing/events/syscalls") ? 1 : 0;

  const std::string sender_pid = std::to_string(sender.pid());
  const std::string holder_pid = std::to_string(holder.pid());
  auto s = ScrapeMetricsUntil(kUdpPort, [&](const std::vector<Sample>& x) {
    return Find(x, "ephemeral_port_port_allocation_failures_total",
                {{"protocol", "udp"}, {"call", "autobind"}}) == 12 + connects;
  });
  EXPECT_EQ(V(s, "ephemeral_port_port_allocation_failures_total",
              {{"protocol", "udp"}, {"call", "autobind"}}),
            12 + connects);
  EXPECT_EQ(V(s, "ephemeral_port_process_connect_failures_total",
              {{"process", "ceudpsender"}, {"pid", sender_pid}}),
            12);
  EXPECT_EQ(V(s, "ephemeral_port_process_connect_failures_total",
              {{"process", "ceudpholder"}, {"pid", holder_pid}}),
            connects > 0 ? 1 : -1);
  EXPECT_EQ(V(s, "ephemeral_port_destination_connect_failures_total",
              {{"protocol", "udp"},
               {"remote_address", "127.0.0.1"},
               {"remote_port", "7001"}}),
            9);
  EXPECT_EQ(V(s, "ephemeral_port_destination_connect_failures_total",
              {{"protocol", "udp"},
               {"remote_address", "::1"},
               {"remote_port", "7002"}}),
            3);
  EXPECT_EQ(V(s, "ephemeral_port_destination_connect_failures_total",
              {{"protocol", "udp"},
               {"remote_address", "127.0.0.1"},
               {"remote_port", "7000"}}),
            connects > 0 ? 1 : -1);
  EXPECT_EQ(V(s, "ephemeral_port_port_allocation_failures_total",
              {{"protocol", "udp"}, {"call", "bind"}}),
            0);
  sender.Command("quit", 2000);
  holder.Command("quit", 2000);
}

std::string NetnsOf(int pid) {
  struct stat st {};
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  return ::stat(path.c_str(), &st) == 0 ? std::to_string(st.st_ino) : "";
}

TEST(ConnectEventsTest, FailuresInOtherNamespacesAreCountedPerNamespace) {
  Subprocess exporter({EPX_EXPORTER, "--web.listen-address=127.0.0.1:19155",
                       "--collector.connect_events=true",
                       "--collector.namespaces=true", "--top.processes=20"},
                      "/tmp/epx_connect_events_namespaces_exporter.log");
  auto loaded =
      ScrapeMetricsUntil(kNamespacesPort, [](const std::vector<Sample>& s) {
        return Find(s, "ephemeral_port_collector_success",
                    {{"collector", "connect_events"}}) == 1.0;
      });
  ASSERT_EQ(V(loaded, "ephemeral_port_collector_success",
              {{"collector", "connect_events"}}),
            1)
      << ReadAll("/tmp/epx_connect_events_namespaces_exporter.log");

  Subprocess server({EPX_PORT_HOLDER, "--name", "censhost"});
  Subprocess pod({"/usr/bin/unshare", "-n", "/bin/sh", "-c",
                  "ip link set lo up && echo 40000 40009 > "
                  "/proc/sys/net/ipv4/ip_local_port_range && exec " +
                      std::string(EPX_PORT_HOLDER) + " --name censpod"});
  ASSERT_EQ(server.Command("listen 127.0.0.1 5000"), "ok 5000");
  ASSERT_EQ(pod.Command("listen 127.0.0.1 5001"), "ok 5001");
  const std::string netns = NetnsOf(pod.pid());
  ASSERT_FALSE(netns.empty());
  ASSERT_NE(netns, NetnsOf(::getpid()));
  // The child's pool toward 127.0.0.1:5001 has 10 ports: 10 connects get
  // one, the 11th and 17 more fail; the host makes 4 failures of its own.
  ASSERT_EQ(pod.Command("fill 127.0.0.1 5001"), "ok 10 EADDRNOTAVAIL");
  ASSERT_EQ(pod.Command("attempt 127.0.0.1 5001 17"), "ok 17 EADDRNOTAVAIL");
  ASSERT_EQ(server.Command("fill 127.0.0.1 5000"), "ok 10 EADDRNOTAVAIL");
  ASSERT_EQ(server.Command("attempt 127.0.0.1 5000 3"), "ok 3 EADDRNOTAVAIL");

  const std::string pod_pid = std::to_string(pod.pid());
  const std::map<std::string, std::string> ns_v4{
      {"netns", netns}, {"protocol", "tcp"}, {"family", "ipv4"}};
  auto s =
      ScrapeMetricsUntil(kNamespacesPort, [&](const std::vector<Sample>& x) {
        return Find(x, "ephemeral_port_namespace_connect_failures_total",
                    ns_v4) == 18.0 &&
               Find(x, "ephemeral_port_connect_failures_total",
                    {{"protocol", "tcp"}, {"family", "ipv4"}}) == 4.0;
      });
  EXPECT_EQ(V(s, "ephemeral_port_namespace_connect_failures_total", ns_v4), 18);
  EXPECT_EQ(V(s, "ephemeral_port_namespace_connects_total", ns_v4), 10);
  EXPECT_EQ(V(s, "ephemeral_port_namespace_process_connect_failures_total",
              {{"netns", netns}, {"process", "censpod"}, {"pid", pod_pid}}),
            18);
  EXPECT_EQ(V(s, "ephemeral_port_namespace_destination_connect_failures_total",
              {{"netns", netns},
               {"protocol", "tcp"},
               {"remote_address", "127.0.0.1"},
               {"remote_port", "5001"}}),
            18);
  // The host's own series count only the host's failures and connects.
  EXPECT_EQ(V(s, "ephemeral_port_connect_failures_total",
              {{"protocol", "tcp"}, {"family", "ipv4"}}),
            4);
  EXPECT_EQ(V(s, "ephemeral_port_process_connects_total",
              {{"process", "censhost"}, {"pid", std::to_string(server.pid())}}),
            10);
  EXPECT_EQ(V(s, "ephemeral_port_destination_connect_failures_total",
              {{"protocol", "tcp"},
               {"remote_address", "127.0.0.1"},
               {"remote_port", "5001"}}),
            -1);
  for (const Sample& sample : s) {
    auto it = sample.labels.find("process");
    if (it != sample.labels.end() && sample.labels.count("netns") == 0) {
      EXPECT_NE(it->second, "censpod") << sample.name;
    }
  }
  EXPECT_EQ(V(s, "ephemeral_port_namespace_connect_events_dropped_total",
              {{"map", "namespaces"}}),
            0);
  pod.Command("quit", 2000);
  server.Command("quit", 2000);
}

TEST(ConnectEventsTest, WithoutPrivilegesTheCollectorSaysWhatIsMissing) {
  Subprocess exporter(
      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
       EPX_EXPORTER, "--web.listen-address=127.0.0.1:19153",
       "--collector.connect_events=true", "--collector.processes=false"},
      "/tmp/epx_connect_events_unprivileged.log");
  auto s =
      ScrapeMetricsUntil(kUnprivilegedPort, [](const std::vector<Sample>& x) {
        return Find(x, "ephemeral_port_collector_success",
                    {{"collector", "connect_events"}})
            .has_value();
      });
  EXPECT_EQ(V(s, "ephemeral_port_collector_success",
              {{"collector", "connect_events"}}),
            0);
  EXPECT_EQ(
      V(s, "ephemeral_port_collector_success", {{"collector", "sockets"}}), 1);
  EXPECT_FALSE(Find(s, "ephemeral_port_connect_failures_total",
                    {{"protocol", "tcp"}, {"family", "ipv4"}})
                   .has_value());
  exporter.Stop();
  std::string log = ReadAll("/tmp/epx_connect_events_unprivileged.log");
  EXPECT_NE(log.find("CAP_BPF and CAP_PERFMON"), std::string::npos) << log;
}

}  // namespace
}  // namespace epx::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::signal(SIGPIPE, SIG_IGN);
  std::string why;
  if (!epx::testing::EnterPrivateNetwork(&why)) {
    std::printf("SKIPPED: %s\n", why.c_str());
    return epx::testing::kSkipExitCode;
  }
  if (!epx::testing::WriteFile("/proc/sys/net/ipv4/ip_local_port_range",
                               "40000 40009\n")) {
    std::printf("SKIPPED: cannot narrow ip_local_port_range\n");
    return epx::testing::kSkipExitCode;
  }
  if (!epx::testing::Exists("/sys/kernel/btf/vmlinux")) {
    std::printf("SKIPPED: this kernel has no BTF (/sys/kernel/btf/vmlinux)\n");
    return epx::testing::kSkipExitCode;
  }
  if (!epx::testing::Exists("/sys/kernel/tracing/events") &&
      ::mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0) {
    epx::testing::g_mounted_tracefs = true;
    std::printf(
        "NOTE: mounted tracefs at /sys/kernel/tracing for the "
        "syscall hooks\n");
  }
  int rc = RUN_ALL_TESTS();
  if (epx::testing::g_mounted_tracefs) ::umount("/sys/kernel/tracing");
  return rc;
}
