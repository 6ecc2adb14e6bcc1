// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/snapshot.h"

namespace epx {

/// Outcome of one self-test check.
enum class CheckOutcome : std::uint8_t { kPass, kFail, kSkip };

/// "PASS", "FAIL" or "SKIP".
const char* CheckOutcomeName(CheckOutcome outcome);

/// One data path checked: what the self-test expected, what it saw, and the
/// metrics whose truth depends on it.
struct SelfTestCheck {
  std::string name;
  CheckOutcome outcome = CheckOutcome::kSkip;
  std::string expected;
  std::string seen;
  std::string metrics;
};

/// Every check of one self-test run.
struct SelfTestResult {
  std::vector<SelfTestCheck> checks;
  /// Unix time the run ended.
  double finished_seconds = 0;
  double duration_seconds = 0;
  /// True when any check failed.
  bool Failed() const;
};

/// A socket the self-test opened, as the OS must report it.
struct ExpectedSocket {
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  SocketState state = SocketState::kEstablished;
  IpAddress local_address;
  std::uint16_t local_port = 0;
  /// 0 for listeners, bound and unconnected sockets.
  std::uint16_t remote_port = 0;
  /// True for the client end of a connection (its port came from the
  /// dynamic range).
  bool outbound = false;
};

/// What the self-test made on this host, while it is held open.
struct SelfTestActivity {
  std::int64_t pid = 0;
  /// The name the OS shows for this process (Linux comm or argv[0]
  /// basename, Windows image file name).
  std::string process_name;
  std::vector<ExpectedSocket> sockets;
  /// Outbound TCP connects made.
  std::uint32_t connects = 0;
  /// What could not be opened (e.g. no IPv6 loopback), one line each.
  std::vector<std::string> notes;
};

/// The sockets of one socket source, or why it could not run.
struct SourceView {
  std::string source;
  /// Empty when the source ran.
  std::string skip_reason;
  Snapshot snapshot;
};

/// Pure: the status of collector `name` in the snapshot; nullptr when it
/// did not run.
const CollectorStatus* FindCollector(const Snapshot& snapshot,
                                     const char* name);

/// Pure: every opened socket is in the snapshot with its protocol, family,
/// local address and port, remote port and state ("sockets").
SelfTestCheck CheckSockets(const SelfTestActivity& activity,
                           const Snapshot& snapshot, const std::string& source);

/// Pure: every opened socket found is owned by the self-test's pid
/// ("owners"); SKIP when processes are not collected.
SelfTestCheck CheckOwners(const SelfTestActivity& activity,
                          const Snapshot& snapshot);

/// Pure: the other socket sources see the opened sockets as the configured
/// one does, each difference named ("sources"); a source that could not run
/// is named with its reason, and SKIP when none other ran.
SelfTestCheck CompareSocketSources(const SelfTestActivity& activity,
                                   const SourceView& configured,
                                   const std::vector<SourceView>& others);

/// Pure: the configured source's ranges equal a second source's (start,
/// size and reserved ports of each protocol and family present in both),
/// and every outbound port the OS gave lies in its range, not reserved
/// ("port_range"). `second_error` non-empty: the second source did not
/// answer (SKIP unless the first failed too).
SelfTestCheck CheckPortRange(const SelfTestActivity& activity,
                             const Snapshot& snapshot,
                             const std::string& second_name,
                             const std::vector<PortRange>& second,
                             const std::string& second_error);

/// Pure: the self-test's process is in the process table with its name,
/// the sockets it opened and a handle/descriptor count at least that large
/// ("processes").
SelfTestCheck CheckOwnProcess(const SelfTestActivity& activity,
                              const Snapshot& snapshot,
                              const std::string& procfs_hint);

/// Pure: every watched service resolved to running processes that are in
/// the process table, or is reported stopped ("services"); SKIP without
/// watched services.
SelfTestCheck CheckWatchedServices(const std::vector<std::string>& watched,
                                   const Snapshot& snapshot);

/// Pure: the TCP active-open counter rose by at least the connects made
/// ("tcp_stats").
SelfTestCheck CheckTcpCounters(const SelfTestActivity& activity,
                               const Snapshot& before, const Snapshot& after);

/// Pure (Windows): the System log answered the exporter's query for Tcpip
/// events 4227/4231/4266 ("events"): count and newest record, or the error.
SelfTestCheck CheckEventLog(const Snapshot& snapshot,
                            std::uint64_t lookback_seconds);

/// Pure: the connect-event counts of `pid` rose by exactly the failures and
/// connects made ("connect_events").
SelfTestCheck CheckConnectEventCounts(std::int64_t pid,
                                      std::uint64_t failures_made,
                                      std::uint64_t connects_made,
                                      const ConnectEvents& before,
                                      const ConnectEvents& after);

/// Pure: the result as a table, one row per check (name, outcome,
/// expected, seen, metrics), and a last line with the verdict.
std::string FormatSelfTest(const SelfTestResult& result);

/// Pure: one logfmt line per check, for the service log.
std::string SelfTestLogLines(const SelfTestResult& result);

/// Pure: 0 when no check failed, 1 otherwise.
int SelfTestExitCode(const SelfTestResult& result);

}  // namespace epx
