// SPDX-License-Identifier: Apache-2.0
// The Win32 wrappers against the APIs of the system they run on (Wine in
// CI). Expectations hold on real Windows too; where Wine differs (pid 0 for
// every socket, no netsh/WMI/event log), both outcomes are named.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../support/snapshot_builder.h"
#include "analysis/port_usage.h"
#include "platform/platform.h"
#include "sources/windows/event_log.h"
#include "sources/windows/host_source.h"
#include "sources/windows/iphlpapi.h"
#include "sources/windows/port_range.h"
#include "sources/windows/process_details.h"
#include "sources/windows/services.h"
#include "sources/windows/wmi_session.h"

namespace epx {
namespace {

class WinsockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WSADATA wsa;
    ASSERT_EQ(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
  }
  void TearDown() override { WSACleanup(); }
};

std::uint16_t LocalPort(SOCKET s) {
  sockaddr_in a{};
  int len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

bool EndsWith(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

bool OwnedByMeOrUnknown(const SocketRecord& s) {
  return s.pid == kUnknownPid ||
         s.pid == static_cast<std::int64_t>(GetCurrentProcessId());
}

TEST_F(WinsockTest, IphlpapiSeesOwnListenerConnectionAndUdpSocket) {
  SOCKET listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  addr.sin_port = htons(LocalPort(listener));
  SOCKET client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
            0);
  SOCKET accepted = accept(listener, nullptr, nullptr);
  ASSERT_NE(accepted, INVALID_SOCKET);
  SOCKET udp = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  sockaddr_in uaddr{};
  uaddr.sin_family = AF_INET;
  uaddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(udp, reinterpret_cast<sockaddr*>(&uaddr), sizeof uaddr), 0);
  const std::uint16_t server_port = LocalPort(listener);
  const std::uint16_t client_port = LocalPort(client);
  const std::uint16_t udp_port = LocalPort(udp);

  std::vector<SocketRecord> sockets;
  std::string error;
  EXPECT_TRUE(ReadIphlpapiSockets(&sockets, &error)) << error;
  int listening = 0, outbound = 0, inbound = 0, udp_rows = 0;
  for (const SocketRecord& s : sockets) {
    if (s.protocol == Protocol::kTcp && s.local_port == server_port &&
        s.state == SocketState::kListen) {
      ++listening;
      EXPECT_TRUE(OwnedByMeOrUnknown(s));
    }
    if (s.protocol == Protocol::kTcp && s.local_port == client_port &&
        s.remote_port == server_port && s.state == SocketState::kEstablished) {
      ++outbound;
      EXPECT_EQ(s.local_address.ToString(), "127.0.0.1");
      EXPECT_TRUE(OwnedByMeOrUnknown(s));
    }
    if (s.protocol == Protocol::kTcp && s.local_port == server_port &&
        s.remote_port == client_port && s.state == SocketState::kEstablished) {
      ++inbound;
    }
    if (s.protocol == Protocol::kUdp && s.local_port == udp_port) {
      ++udp_rows;
      EXPECT_EQ(s.state, SocketState::kUnconnected);
    }
  }
  EXPECT_EQ(listening, 1);
  EXPECT_EQ(outbound, 1);
  EXPECT_EQ(inbound, 1);
  EXPECT_EQ(udp_rows, 1);
  closesocket(udp);
  closesocket(accepted);
  closesocket(client);
  closesocket(listener);
}

// Each collection runs the analysis on a thread of its own that then ends.
// A thread_local with a destructor would corrupt the heap at such an end
// (mingw-w64's emulated TLS: the process crashed in ntdll's heap code, in
// the service mid-stop); the heap must stay valid over many such threads.
TEST(WrappersTest, AnalysisOnShortLivedThreadsKeepsTheHeapValid) {
  testing::SnapshotBuilder b;
  b.Range(49152, 16384);
  for (std::uint16_t i = 0; i < 64; ++i) {
    b.Tcp("10.0.0.1", static_cast<std::uint16_t>(50000 + i), "10.0.0.2",
          static_cast<std::uint16_t>(443 + i % 4));
    b.Tcp("0.0.0.0", static_cast<std::uint16_t>(51000 + i), "10.0.0.3", 80, 0,
          SocketState::kTimeWait);
  }
  Snapshot snapshot = b.Get();
  std::atomic<bool> done{false};
  std::thread churn([&] {
    while (!done) {
      std::vector<std::vector<char>> blocks;
      for (int i = 0; i < 64; ++i) blocks.emplace_back(8192, 'x');
    }
  });
  for (int i = 0; i < 1500; ++i) {
    std::thread a([&] { AnalyzePortUsage(snapshot, {}); });
    std::thread c([&] { AnalyzePortUsage(snapshot, {}); });
    a.join();
    c.join();
  }
  done = true;
  churn.join();
  EXPECT_TRUE(HeapValidate(GetProcessHeap(), 0, nullptr));
}

TEST(WrappersTest, BoundEndpointsAreReadOrReportedUnavailable) {
  std::vector<SocketRecord> sockets;
  std::string error;
  BoundEndpoints result = ReadBoundTcpSockets(&sockets, &error);
  EXPECT_NE(result, BoundEndpoints::kFailed) << error;
  if (result == BoundEndpoints::kUnavailable) {
    EXPECT_TRUE(sockets.empty());
  }
}

TEST(WrappersTest, TcpStatisticsAreReadPerFamily) {
  std::vector<TcpCounters> counters;
  std::string error;
  ASSERT_TRUE(ReadTcpStatistics(&counters, &error)) << error;
  ASSERT_FALSE(counters.empty());
  for (const TcpCounters& c : counters) {
    EXPECT_TRUE(c.valid);
    EXPECT_TRUE(c.family == "ipv4" || c.family == "ipv6") << c.family;
  }
}

TEST(WrappersTest, RunSystemProgramCapturesOutputAndExitStatus) {
  std::string out, error;
  ASSERT_TRUE(RunSystemProgram(L"cmd.exe", L"/c echo epx-hello", 10000, nullptr,
                               &out, &error))
      << error;
  EXPECT_NE(out.find("epx-hello"), std::string::npos) << out;
  EXPECT_FALSE(
      RunSystemProgram(L"cmd.exe", L"/c exit 3", 10000, nullptr, &out, &error));
  EXPECT_NE(error.find("exit status 3"), std::string::npos) << error;
  EXPECT_FALSE(RunSystemProgram(L"no_such_program_epx.exe", L"", 10000, nullptr,
                                &out, &error));
  EXPECT_NE(error.find("no_such_program_epx.exe"), std::string::npos) << error;
}

TEST(WrappersTest, RunSystemProgramStopsWhenCancelled) {
  std::atomic<bool> cancel{false};
  std::string out, error;
  ULONGLONG start = GetTickCount64();
  std::thread stopper([&] {
    Sleep(500);
    cancel = true;
  });
  EXPECT_FALSE(RunSystemProgram(L"cmd.exe", L"/c ping -n 30 127.0.0.1", 60000,
                                &cancel, &out, &error));
  stopper.join();
  EXPECT_LT(GetTickCount64() - start, 10000u);
  EXPECT_NE(error.find("cancelled"), std::string::npos) << error;
}

// After a stop was asked for, no child is started at all.
TEST(WrappersTest, RunSystemProgramStartsNothingOnceCancelled) {
  wchar_t temp[MAX_PATH];
  ASSERT_GT(GetTempPathW(MAX_PATH, temp), 0u);
  std::wstring marker = std::wstring(temp) + L"epx_cancel_marker_" +
                        std::to_wstring(GetCurrentProcessId()) + L".txt";
  DeleteFileW(marker.c_str());
  std::atomic<bool> cancel{true};
  std::string out, error;
  EXPECT_FALSE(RunSystemProgram(L"cmd.exe", L"/c echo x> \"" + marker + L"\"",
                                10000, &cancel, &out, &error));
  EXPECT_NE(error.find("cancelled"), std::string::npos) << error;
  Sleep(1000);  // a child that was started would have written by now
  EXPECT_EQ(GetFileAttributesW(marker.c_str()), INVALID_FILE_ATTRIBUTES);
  DeleteFileW(marker.c_str());
  // The same command without cancellation does write it.
  cancel = false;
  EXPECT_TRUE(RunSystemProgram(L"cmd.exe", L"/c echo x> \"" + marker + L"\"",
                               10000, &cancel, &out, &error))
      << error;
  EXPECT_NE(GetFileAttributesW(marker.c_str()), INVALID_FILE_ATTRIBUTES);
  DeleteFileW(marker.c_str());
}

// A stop during a range read ends it without starting netsh children.
TEST(WrappersTest, PortRangeReadStopsWhenCancelled) {
  WmiSession wmi(L"ROOT\\StandardCimv2");
  std::atomic<bool> cancel{true};
  PortRangeReading reading;
  ULONGLONG start = GetTickCount64();
  ReadWindowsPortRanges(&wmi, &cancel, &reading);
  EXPECT_LT(GetTickCount64() - start, 2000u);
  EXPECT_NE(reading.error.find("cancelled"), std::string::npos)
      << reading.error;
  EXPECT_EQ(reading.error.find("no answer"), std::string::npos)
      << reading.error;
}

TEST(WrappersTest, WmiSessionAnswersAndNamesWmiErrors) {
  WmiSession cimv2(L"ROOT\\CIMV2");
  std::vector<WmiRow> rows;
  std::string error;
  ASSERT_TRUE(cimv2.Query("SELECT Caption FROM Win32_OperatingSystem",
                          {"Caption"}, 30000, nullptr, &rows, &error))
      << error;
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].strings.count("Caption"), 1u);
  // A second call on the same session and COM thread.
  rows.clear();
  EXPECT_TRUE(cimv2.Query("SELECT Caption FROM Win32_OperatingSystem",
                          {"Caption"}, 30000, nullptr, &rows, &error))
      << error;
  WmiSession missing(L"ROOT\\NoSuchNamespaceEpx");
  EXPECT_FALSE(
      missing.Query("SELECT * FROM Foo", {}, 30000, nullptr, &rows, &error));
  EXPECT_NE(error.find("ConnectServer(ROOT\\NoSuchNamespaceEpx)"),
            std::string::npos)
      << error;
  EXPECT_STREQ(WbemCodeName(0x80041017u), "WBEM_E_INVALID_QUERY");
  std::printf("WMI error as named: %s\n", error.c_str());
}

TEST(WrappersTest, PortRangesAlwaysCoverFourPools) {
  WmiSession wmi(L"ROOT\\StandardCimv2");
  PortRangeReading reading;
  ReadWindowsPortRanges(&wmi, nullptr, &reading);
  const std::vector<PortRange>& ranges = reading.ranges;
  const std::string& source = reading.source;
  const std::string& error = reading.error;
  bool ok = error.empty();
  ASSERT_EQ(ranges.size(), 4u);
  for (const PortRange& r : ranges) {
    EXPECT_GT(r.size, 0u);
    EXPECT_LE(r.start + r.size - 1, 65535u);
  }
  if (ok) {
    EXPECT_TRUE(source == "wmi" || source == "netsh") << source;
  } else {
    if (source == "default") {
      EXPECT_NE(error.find("WMI"), std::string::npos) << error;
      EXPECT_EQ(ranges[0].start, 49152);
      EXPECT_EQ(ranges[0].size, 16384u);
      EXPECT_NE(error.find("49152-65535"), std::string::npos) << error;
    }
  }
  std::printf("port ranges from %s%s%s\n", source.c_str(), ok ? "" : ": ",
              ok ? "" : error.c_str());
}

TEST(WrappersTest, EventReaderCountsOrFailsWithAReason) {
  TcpipEventReader reader(3600);
  EventCounts counts;
  std::string error;
  if (reader.Read(&counts, &error)) {
    EXPECT_TRUE(counts.valid);
    EXPECT_EQ(counts.by_id.count(4227), 1u);
    EXPECT_EQ(counts.by_id.count(4231), 1u);
  } else {
    EXPECT_FALSE(counts.valid);
    EXPECT_FALSE(error.empty());
    std::printf("event log: %s\n", error.c_str());
  }
}

TEST(WrappersTest, MissingWatchedServiceIsNotRunning) {
  std::vector<ServiceInfo> services;
  std::string error;
  ASSERT_TRUE(ResolveWatchedServices({"EpxNoSuchService"}, &services, &error))
      << error;
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(services[0].name, "EpxNoSuchService");
  EXPECT_FALSE(services[0].running);
  EXPECT_TRUE(services[0].pids.empty());
}

TEST(WrappersTest, ProcessTableHasThisProcess) {
  std::map<std::int64_t, ProcessInfo> table;
  std::string error;
  EXPECT_TRUE(ReadProcessTable(&table, &error)) << error;
  auto it = table.find(GetCurrentProcessId());
  ASSERT_NE(it, table.end());
  EXPECT_EQ(it->second.name, "epx_windows_wrappers_test.exe");
}

// Run by run_wine_tests.sh while the fake WAPCSvc is running; the service
// wrote its own pid to EPX_FAKE_SERVICE_PIDFILE.
TEST(WrappersTest, FakeWapcsvcResolvesToItsPid) {
  const char* pid_file = std::getenv("EPX_FAKE_SERVICE_PIDFILE");
  if (pid_file == nullptr) GTEST_SKIP() << "no fake service running";
  std::ifstream in(pid_file);
  std::int64_t pid = 0;
  ASSERT_TRUE(in >> pid) << pid_file;

  std::vector<ServiceInfo> services;
  std::string error;
  ASSERT_TRUE(ResolveWatchedServices({"WAPCSvc", "wapcsvc"}, &services, &error))
      << error;
  ASSERT_EQ(services.size(), 2u);
  for (const ServiceInfo& s : services) {
    EXPECT_TRUE(s.running) << s.name;
    EXPECT_EQ(s.pids, (std::vector<std::int64_t>{pid})) << s.name;
  }
  std::map<std::int64_t, ProcessInfo> table;
  EXPECT_TRUE(ReadProcessTable(&table, &error)) << error;
  ASSERT_EQ(table.count(pid), 1u);
  EXPECT_EQ(table.at(pid).name, "fake_wapcsvc.exe");
  EXPECT_EQ(table.at(pid).services, (std::vector<std::string>{"WAPCSvc"}));
  ProcessDetailReader details;
  EXPECT_TRUE(details.Read(&table, &error)) << error;
  EXPECT_TRUE(EndsWith(table.at(pid).executable, "\\fake_wapcsvc.exe"))
      << table.at(pid).executable;
  EXPECT_GT(table.at(pid).handles, 0);
}

TEST(WrappersTest, ProcessDetailsCountHandlesAndNameTheExecutable) {
  std::map<std::int64_t, ProcessInfo> table;
  std::string error;
  ReadProcessTable(&table, &error);
  const auto self = static_cast<std::int64_t>(GetCurrentProcessId());
  ASSERT_EQ(table.count(self), 1u);
  std::vector<HANDLE> events;
  for (int i = 0; i < 1500; ++i)
    events.push_back(CreateEventW(nullptr, TRUE, FALSE, nullptr));
  ProcessDetailReader details;
  error.clear();
  bool ok = details.Read(&table, &error);
  for (HANDLE e : events) CloseHandle(e);
  ASSERT_TRUE(ok) << error;
  // Windows counts the handles; Wine reports the size of the process's
  // handle table (a power of two). Both are at least the 1500 just opened.
  EXPECT_GE(table.at(self).handles, 1500);
  EXPECT_LT(table.at(self).handles, 1 << 16);
  EXPECT_TRUE(
      EndsWith(table.at(self).executable, "\\epx_windows_wrappers_test.exe"))
      << table.at(self).executable;
  std::size_t with_handles = 0;
  for (const auto& [pid, info] : table) with_handles += info.handles >= 0;
  EXPECT_GT(with_handles, 1u);
}

TEST(WrappersTest, HostSourceRunsEveryWindowsCollector) {
  SourceOptions options;
  options.socket_source = "iphlpapi";
  options.watched_services = {"WAPCSvc"};
  std::string error;
  ASSERT_TRUE(CheckHostSource(options, &error)) << error;
  options.socket_source = "netlink";
  EXPECT_FALSE(CheckHostSource(options, &error));
  options.socket_source = "iphlpapi";
  auto source = MakeHostSource(options);
  Snapshot s = source->Collect();
  // The ranges are read on a thread of their own; a collection does not
  // wait for the first reading.
  for (int i = 0; i < 120 && s.ranges.empty(); ++i) {
    Sleep(500);
    s = source->Collect();
  }
  std::vector<std::string> names;
  for (const CollectorStatus& c : s.collectors) names.push_back(c.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"sockets", "port_range", "processes",
                                      "events", "tcp_stats"}));
  EXPECT_EQ(s.tcp_rule, ExhaustionRule::kHostWide);
  EXPECT_EQ(s.ranges.size(), 4u);
  ASSERT_EQ(s.services.size(), 1u);
  EXPECT_EQ(s.services[0].name, "WAPCSvc");
  EXPECT_FALSE(s.sockets.empty());
}

TEST(PlatformTest, SleepsWithoutStopAndKnowsTheHostName) {
  PrepareStopSignals();
  EXPECT_FALSE(SleepUnlessStopped(0.05));
  EXPECT_FALSE(HostName().empty());
  std::vector<std::string> args = {"service", "--web.listen-address=:1"};
  EXPECT_TRUE(TakeServiceCommand(&args));
  EXPECT_EQ(args, (std::vector<std::string>{"--web.listen-address=:1"}));
  EXPECT_FALSE(TakeServiceCommand(&args));
}

}  // namespace
}  // namespace epx
