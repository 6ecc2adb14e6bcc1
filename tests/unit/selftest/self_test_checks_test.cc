// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metrics/self_test_families.h"
#include "selftest/self_test.h"

namespace epx {
namespace {

constexpr std::int64_t kPid = 4242;

ExpectedSocket Tcp(std::uint16_t local, std::uint16_t remote, SocketState state,
                   bool outbound = false) {
  ExpectedSocket s;
  s.local_address = IpAddress::V4(127, 0, 0, 1);
  s.local_port = local;
  s.remote_port = remote;
  s.state = state;
  s.outbound = outbound;
  return s;
}

SocketRecord Record(const ExpectedSocket& e, std::int64_t pid) {
  SocketRecord r;
  r.protocol = e.protocol;
  r.family = e.family;
  r.state = e.state;
  r.local_address = e.local_address;
  r.local_port = e.local_port;
  r.remote_address = e.local_address;
  r.remote_port = e.remote_port;
  r.pid = pid;
  return r;
}

SelfTestActivity Activity() {
  SelfTestActivity a;
  a.pid = kPid;
  a.process_name = "ephemeral_port_exporter";
  a.sockets = {Tcp(40000, 0, SocketState::kListen),
               Tcp(45001, 40000, SocketState::kEstablished, true),
               Tcp(40000, 45001, SocketState::kEstablished),
               Tcp(45002, 0, SocketState::kBound)};
  a.connects = 1;
  return a;
}

/// A snapshot that shows every socket of `activity` owned by `pid`.
Snapshot Seen(const SelfTestActivity& activity, std::int64_t pid) {
  Snapshot s;
  for (const ExpectedSocket& e : activity.sockets)
    s.sockets.push_back(Record(e, pid));
  CollectorStatus ok;
  ok.success = true;
  for (const char* name : {"sockets", "processes", "port_range", "tcp_stats"}) {
    ok.name = name;
    s.collectors.push_back(ok);
  }
  PortRange r;
  r.start = 32768;
  r.size = 28232;
  s.ranges.push_back(r);
  s.range_source = "sysctl";
  ProcessInfo info;
  info.pid = pid;
  info.name = "ephemeral_port_exporter";
  info.handles = 30;
  s.processes[pid] = info;
  return s;
}

TEST(SelfTestChecksTest, SocketsPassWhenEveryOpenedSocketIsSeen) {
  SelfTestActivity a = Activity();
  SelfTestCheck c = CheckSockets(a, Seen(a, kPid), "netlink");
  EXPECT_EQ(c.outcome, CheckOutcome::kPass) << c.seen;
  EXPECT_EQ(c.seen, "4 of 4 found");
}

TEST(SelfTestChecksTest, SocketsNameTheMissingAndTheWrongState) {
  SelfTestActivity a = Activity();
  Snapshot s = Seen(a, kPid);
  s.sockets.erase(s.sockets.begin());
  s.sockets[0].state = SocketState::kSynSent;
  SelfTestCheck c = CheckSockets(a, s, "netlink");
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_NE(c.seen.find("missing: tcp 127.0.0.1:40000 listen"),
            std::string::npos)
      << c.seen;
  EXPECT_NE(c.seen.find("127.0.0.1:45001->40000 established seen syn_sent"),
            std::string::npos)
      << c.seen;
}

TEST(SelfTestChecksTest, BoundSocketsASourceCannotListAreNotMissing) {
  SelfTestActivity a = Activity();
  Snapshot s = Seen(a, kPid);
  s.sockets.pop_back();
  s.bound_sockets_visible = false;
  SelfTestCheck c = CheckSockets(a, s, "procfs");
  EXPECT_EQ(c.outcome, CheckOutcome::kPass) << c.seen;
  EXPECT_NE(c.seen.find("1 bound-only TCP not listed"), std::string::npos);
}

TEST(SelfTestChecksTest, OwnersFailWhenTheOsReportsPidZero) {
  SelfTestActivity a = Activity();
  SelfTestCheck c = CheckOwners(a, Seen(a, 0));
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_NE(c.seen.find("0 of 4 owned by pid 4242"), std::string::npos)
      << c.seen;
  EXPECT_NE(c.seen.find("owner pid 0"), std::string::npos) << c.seen;
  EXPECT_EQ(CheckOwners(a, Seen(a, kPid)).outcome, CheckOutcome::kPass);
}

TEST(SelfTestChecksTest, SourcesNameEachDisagreementAndEachSkip) {
  SelfTestActivity a = Activity();
  SourceView configured{"bpf", "", Seen(a, kPid)};
  SourceView netlink{"netlink", "", Seen(a, kPid)};
  SourceView procfs{"procfs", "", Seen(a, kPid)};
  procfs.snapshot.sockets.erase(procfs.snapshot.sockets.begin() + 1);
  SourceView skipped{"other", "needs CAP_BPF", Snapshot{}};
  SelfTestCheck c =
      CompareSocketSources(a, configured, {netlink, procfs, skipped});
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_NE(c.seen.find("agree with bpf: netlink"), std::string::npos)
      << c.seen;
  EXPECT_NE(c.seen.find("procfs differs: tcp 127.0.0.1:45001->40000 "
                        "established: bpf established, procfs missing"),
            std::string::npos)
      << c.seen;
  EXPECT_NE(c.seen.find("other not run: needs CAP_BPF"), std::string::npos);
  EXPECT_EQ(CompareSocketSources(a, configured, {skipped}).outcome,
            CheckOutcome::kSkip);
}

TEST(SelfTestChecksTest, PortRangeComparesBothReadingsAndTheOsChoice) {
  SelfTestActivity a = Activity();
  Snapshot s = Seen(a, kPid);
  EXPECT_EQ(CheckPortRange(a, s, "netsh", s.ranges, "").outcome,
            CheckOutcome::kPass);
  std::vector<PortRange> other = s.ranges;
  other[0].start = 49152;
  SelfTestCheck c = CheckPortRange(a, s, "netsh", other, "");
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_NE(c.seen.find("tcp/ipv4: sysctl 32768+28232, netsh 49152+28232"),
            std::string::npos)
      << c.seen;
  s.ranges[0].reserved = {{45000, 45010}};
  c = CheckPortRange(a, s, "netsh", {}, "no answer");
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_NE(c.seen.find("1 of 1 connect ports outside the range or reserved: "
                        "45001"),
            std::string::npos)
      << c.seen;
}

TEST(SelfTestChecksTest, ProcessesFailWhenTheOwnPidIsNotInTheTable) {
  SelfTestActivity a = Activity();
  Snapshot s = Seen(a, kPid);
  EXPECT_EQ(CheckOwnProcess(a, s, "/proc").outcome, CheckOutcome::kPass);
  s.processes.clear();
  s.collectors[1].success = false;
  s.collectors[1].error = "/fake/proc: no process directories";
  SelfTestCheck c = CheckOwnProcess(a, s, "/fake/proc");
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_NE(c.seen.find("pid 4242 is not in the process table (0 processes "
                        "read from /fake/proc)"),
            std::string::npos)
      << c.seen;
  EXPECT_NE(c.seen.find("no process directories"), std::string::npos);
}

TEST(SelfTestChecksTest, ProcessesFailOnTooFewHandles) {
  SelfTestActivity a = Activity();
  Snapshot s = Seen(a, kPid);
  s.processes[kPid].handles = 3;
  SelfTestCheck c = CheckOwnProcess(a, s, "");
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_NE(c.seen.find("handle count below"), std::string::npos) << c.seen;
}

TEST(SelfTestChecksTest, WatchedServicesResolveOrAreReportedStopped) {
  Snapshot s = Seen(Activity(), kPid);
  EXPECT_EQ(CheckWatchedServices({}, s).outcome, CheckOutcome::kSkip);
  s.services = {{"WAPCSvc", true, {kPid}}, {"RemoteAccess", false, {}}};
  SelfTestCheck c = CheckWatchedServices({"WAPCSvc", "RemoteAccess"}, s);
  EXPECT_EQ(c.outcome, CheckOutcome::kPass) << c.seen;
  EXPECT_EQ(c.seen,
            "WAPCSvc: running, pid 4242 (ephemeral_port_exporter); "
            "RemoteAccess: stopped");
  EXPECT_EQ(CheckWatchedServices({"Absent"}, s).outcome, CheckOutcome::kFail);
}

TEST(SelfTestChecksTest, TcpCountersMustRiseByTheConnectsMade) {
  SelfTestActivity a = Activity();
  a.connects = 8;
  Snapshot before = Seen(a, kPid), after = before;
  before.tcp_counters = {{true, "", 100, 0, 0, 0}};
  after.tcp_counters = {{true, "", 107, 0, 0, 0}};
  EXPECT_EQ(CheckTcpCounters(a, before, after).outcome, CheckOutcome::kFail);
  after.tcp_counters = {{true, "", 108, 0, 0, 0}};
  EXPECT_EQ(CheckTcpCounters(a, before, after).outcome, CheckOutcome::kPass);
}

TEST(SelfTestChecksTest, EventLogNamesTheErrorOfAnAccountThatCannotRead) {
  Snapshot s;
  EXPECT_EQ(CheckEventLog(s, 86400).seen, "no event collector on this OS");
  CollectorStatus events;
  events.name = "events";
  events.error = "EvtQuery: error 5 (access denied)";
  s.collectors.push_back(events);
  SelfTestCheck c = CheckEventLog(s, 86400);
  EXPECT_EQ(c.outcome, CheckOutcome::kFail);
  EXPECT_EQ(c.seen, "query failed: EvtQuery: error 5 (access denied)");
  s.collectors[0].success = true;
  s.events.valid = true;
  s.events.by_id = {{4227, 2}, {4231, 0}};
  s.events.newest_seconds = {{4227, 1764979200}};
  c = CheckEventLog(s, 86400);
  EXPECT_EQ(c.outcome, CheckOutcome::kPass);
  EXPECT_EQ(c.seen,
            "answered: 2 counted since the first read (4227: 2, 4231: 0); "
            "newest 4227 at "
            "2025-12-06T00:00:00Z");
}

TEST(SelfTestChecksTest, ConnectEventsMustCountExactlyOnTheOwnPid) {
  ConnectEvents before, after;
  ConnectEventProcess own;
  own.pid = kPid;
  own.connects = 2;
  own.connect_failures = 3;
  ConnectEventProcess other = own;
  other.pid = 1;
  after.processes = {own, other};
  EXPECT_EQ(CheckConnectEventCounts(kPid, 3, 2, before, after).outcome,
            CheckOutcome::kPass);
  EXPECT_EQ(CheckConnectEventCounts(kPid, 4, 2, before, after).outcome,
            CheckOutcome::kFail);
}

TEST(SelfTestChecksTest, ExitCodeAndMetricsFollowTheOutcomes) {
  SelfTestResult r;
  r.finished_seconds = 1700000000;
  r.checks = {{"sockets", CheckOutcome::kPass, "", "", ""},
              {"services", CheckOutcome::kSkip, "", "", ""}};
  EXPECT_EQ(SelfTestExitCode(r), 0);
  r.checks.push_back({"owners", CheckOutcome::kFail, "", "", ""});
  EXPECT_EQ(SelfTestExitCode(r), 1);
  EXPECT_NE(FormatSelfTest(r).find("selftest: FAILED: 1 passed, 1 failed, 1 "
                                   "skipped"),
            std::string::npos);
  auto families = SelfTestFamilies(r);
  ASSERT_EQ(families.size(), 2u);
  ASSERT_EQ(families[0].metric.size(), 2u);
  EXPECT_EQ(families[0].metric[0].label[0].value, "sockets");
  EXPECT_EQ(families[0].metric[0].gauge.value, 1);
  EXPECT_EQ(families[0].metric[1].label[0].value, "owners");
  EXPECT_EQ(families[0].metric[1].gauge.value, 0);
  EXPECT_EQ(families[1].metric[0].gauge.value, 1700000000);
}

}  // namespace
}  // namespace epx
