// SPDX-License-Identifier: Apache-2.0
#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "selftest/self_test.h"

namespace epx {
namespace {

bool SameName(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string UtcTime(double seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
#ifdef _WIN32
  gmtime_s(&tm, &t);
#else
  gmtime_r(&t, &tm);
#endif
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::uint64_t ActiveOpens(const Snapshot& snapshot, bool* valid) {
  std::uint64_t sum = 0;
  *valid = false;
  for (const TcpCounters& c : snapshot.tcp_counters) {
    if (!c.valid) continue;
    *valid = true;
    sum += c.active_opens;
  }
  return sum;
}

void SumConnectEvents(const ConnectEvents& events, std::int64_t pid,
                      std::uint64_t* failures, std::uint64_t* connects) {
  *failures = *connects = 0;
  for (const ConnectEventProcess& p : events.processes) {
    if (p.pid != pid) continue;
    *failures += p.connect_failures;
    *connects += p.connects;
  }
}

}  // namespace

SelfTestCheck CheckOwnProcess(const SelfTestActivity& activity,
                              const Snapshot& snapshot,
                              const std::string& procfs_hint) {
  SelfTestCheck check;
  check.name = "processes";
  check.metrics =
      "ephemeral_port_process_in_use, ephemeral_port_process_info, "
      "ephemeral_port_process_handles";
  std::size_t opened = activity.sockets.size();
  check.expected = "pid " + std::to_string(activity.pid) + " named '" +
                   activity.process_name + "' with its " +
                   std::to_string(opened) + " sockets and at least " +
                   std::to_string(opened) + " handles";
  const CollectorStatus* collector = FindCollector(snapshot, "processes");
  if (collector == nullptr) {
    check.seen = "processes are not collected (--no-collector.processes)";
    return check;
  }
  auto it = snapshot.processes.find(activity.pid);
  if (it == snapshot.processes.end()) {
    check.seen = "pid " + std::to_string(activity.pid) +
                 " is not in the process table (" +
                 std::to_string(snapshot.processes.size()) + " processes read" +
                 (procfs_hint.empty() ? "" : " from " + procfs_hint) + ")";
    if (!collector->success)
      check.seen += "; collector error: " + collector->error;
    check.outcome = CheckOutcome::kFail;
    return check;
  }
  const ProcessInfo& info = it->second;
  std::size_t owned = 0;
  for (const SocketRecord& r : snapshot.sockets) {
    if (r.pid != activity.pid) continue;
    for (const ExpectedSocket& e : activity.sockets) {
      if (r.protocol == e.protocol && r.family == e.family &&
          r.local_port == e.local_port && r.remote_port == e.remote_port) {
        ++owned;
        break;
      }
    }
  }
  std::size_t visible = opened;
  if (!snapshot.bound_sockets_visible) {
    for (const ExpectedSocket& e : activity.sockets) {
      if (e.protocol == Protocol::kTcp && e.state == SocketState::kBound)
        --visible;
    }
  }
  check.seen = "name '" + info.name + "', " + std::to_string(owned) +
               " sockets, " +
               (info.handles < 0 ? std::string("handles unknown")
                                 : std::to_string(info.handles) + " handles");
  std::vector<std::string> problems;
  if (!SameName(info.name, activity.process_name)) problems.push_back("name");
  if (owned != visible)
    problems.push_back(std::to_string(owned) + " of " +
                       std::to_string(visible) + " sockets attributed");
  if (info.handles < static_cast<std::int64_t>(opened))
    problems.push_back("handle count below the sockets opened");
  for (const std::string& p : problems) check.seen += "; wrong: " + p;
  check.outcome = problems.empty() ? CheckOutcome::kPass : CheckOutcome::kFail;
  return check;
}

SelfTestCheck CheckWatchedServices(const std::vector<std::string>& watched,
                                   const Snapshot& snapshot) {
  SelfTestCheck check;
  check.name = "services";
  check.metrics = "ephemeral_port_service_in_use, ephemeral_port_service_up";
  check.expected =
      "every watched service resolves to its processes or is reported "
      "stopped";
  if (watched.empty()) {
    check.seen = "no watched services configured";
    return check;
  }
  if (FindCollector(snapshot, "processes") == nullptr) {
    check.seen = "processes are not collected (--no-collector.processes)";
    return check;
  }
  bool ok = true;
  std::string seen;
  for (const std::string& name : watched) {
    const ServiceInfo* found = nullptr;
    for (const ServiceInfo& s : snapshot.services) {
      if (SameName(s.name, name)) found = &s;
    }
    std::string text = name + ": ";
    if (found == nullptr) {
      text += "not resolved";
      ok = false;
    } else if (!found->running) {
      text += "stopped";
    } else if (found->pids.empty()) {
      text += "running, no process";
      ok = false;
    } else {
      text += "running, pid";
      for (std::int64_t pid : found->pids) {
        auto it = snapshot.processes.find(pid);
        text += " " + std::to_string(pid);
        if (it == snapshot.processes.end()) {
          text += " (not in the process table)";
          ok = false;
        } else {
          text += " (" + it->second.name + ")";
        }
      }
    }
    seen += (seen.empty() ? "" : "; ") + text;
  }
  check.seen = seen;
  check.outcome = ok ? CheckOutcome::kPass : CheckOutcome::kFail;
  return check;
}

SelfTestCheck CheckTcpCounters(const SelfTestActivity& activity,
                               const Snapshot& before, const Snapshot& after) {
  SelfTestCheck check;
  check.name = "tcp_stats";
  check.metrics =
      "ephemeral_port_tcp_active_opens_total, "
      "ephemeral_port_tcp_attempt_fails_total";
  check.expected =
      "TCP active opens rise by at least " + std::to_string(activity.connects);
  if (FindCollector(after, "tcp_stats") == nullptr) {
    check.seen = "TCP counters are not collected (--no-collector.tcp_stats)";
    return check;
  }
  bool valid_before = false, valid_after = false;
  std::uint64_t a = ActiveOpens(before, &valid_before);
  std::uint64_t b = ActiveOpens(after, &valid_after);
  if (!valid_before || !valid_after) {
    const CollectorStatus* c =
        FindCollector(valid_before ? after : before, "tcp_stats");
    check.seen = "counters not read: " + (c ? c->error : std::string("?"));
    check.outcome = CheckOutcome::kFail;
    return check;
  }
  std::uint64_t rise = b >= a ? b - a : 0;
  check.seen = "rose by " + std::to_string(rise) + " (" + std::to_string(a) +
               " -> " + std::to_string(b) + ")";
  check.outcome =
      rise >= activity.connects ? CheckOutcome::kPass : CheckOutcome::kFail;
  return check;
}

SelfTestCheck CheckEventLog(const Snapshot& snapshot,
                            std::uint64_t lookback_seconds) {
  SelfTestCheck check;
  check.name = "events";
  check.metrics =
      "ephemeral_port_windows_events_total, "
      "ephemeral_port_windows_event_last_timestamp_seconds";
  check.expected =
      "the System log answers the query for Tcpip events 4227, 4231 and "
      "4266 of the last " +
      std::to_string(lookback_seconds) + " s";
  const CollectorStatus* collector = FindCollector(snapshot, "events");
  if (collector == nullptr) {
    check.seen = "no event collector on this OS";
    return check;
  }
  if (!collector->success || !snapshot.events.valid) {
    check.seen = "query failed: " + collector->error;
    check.outcome = CheckOutcome::kFail;
    return check;
  }
  std::uint64_t total = 0;
  double newest = 0;
  int newest_id = 0;
  std::string counts;
  for (const auto& [id, count] : snapshot.events.by_id) {
    total += count;
    counts += (counts.empty() ? "" : ", ") + std::to_string(id) + ": " +
              std::to_string(count);
  }
  for (const auto& [id, seconds] : snapshot.events.newest_seconds) {
    if (seconds > newest) {
      newest = seconds;
      newest_id = id;
    }
  }
  check.seen =
      "answered: " + std::to_string(total) + " counted since the first read";
  if (!counts.empty()) check.seen += " (" + counts + ")";
  check.seen += newest > 0 ? "; newest " + std::to_string(newest_id) + " at " +
                                 UtcTime(newest)
                           : "; none in the look-back";
  check.outcome = CheckOutcome::kPass;
  return check;
}

SelfTestCheck CheckConnectEventCounts(std::int64_t pid,
                                      std::uint64_t failures_made,
                                      std::uint64_t connects_made,
                                      const ConnectEvents& before,
                                      const ConnectEvents& after) {
  SelfTestCheck check;
  check.name = "connect_events";
  check.metrics =
      "ephemeral_port_connect_failures_total, "
      "ephemeral_port_process_connect_failures_total, "
      "ephemeral_port_process_connects_total";
  check.expected = std::to_string(failures_made) + " failed and " +
                   std::to_string(connects_made) +
                   " successful connects counted on pid " + std::to_string(pid);
  std::uint64_t f0, c0, f1, c1;
  SumConnectEvents(before, pid, &f0, &c0);
  SumConnectEvents(after, pid, &f1, &c1);
  std::uint64_t failures = f1 - f0, connects = c1 - c0;
  check.seen = std::to_string(failures) + " failed and " +
               std::to_string(connects) + " successful counted";
  check.outcome = failures == failures_made && connects == connects_made
                      ? CheckOutcome::kPass
                      : CheckOutcome::kFail;
  return check;
}

}  // namespace epx
