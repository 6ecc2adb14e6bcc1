// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "selftest/self_test.h"

namespace epx {
namespace {

constexpr std::size_t kListedAtMost = 4;

std::string Describe(const ExpectedSocket& s) {
  std::string address = s.local_address.ToString();
  if (s.family == Family::kIpv6) address = "[" + address + "]";
  std::string text = std::string(ProtocolName(s.protocol)) + " " + address +
                     ":" + std::to_string(s.local_port);
  if (s.remote_port != 0) text += "->" + std::to_string(s.remote_port);
  return text + " " + SocketStateName(s.state);
}

bool Matches(const ExpectedSocket& e, const SocketRecord& r) {
  return r.protocol == e.protocol && r.family == e.family &&
         r.local_port == e.local_port && r.remote_port == e.remote_port &&
         r.local_address.Canonical() == e.local_address.Canonical();
}

/// The record of `e` in the snapshot (any state), or nullptr.
const SocketRecord* Find(const ExpectedSocket& e, const Snapshot& snapshot) {
  for (const SocketRecord& r : snapshot.sockets) {
    if (Matches(e, r) && r.state == e.state) return &r;
  }
  for (const SocketRecord& r : snapshot.sockets) {
    if (Matches(e, r)) return &r;
  }
  return nullptr;
}

/// Bound-only TCP sockets a source says it cannot list.
bool Invisible(const ExpectedSocket& e, const Snapshot& snapshot) {
  return e.protocol == Protocol::kTcp && e.state == SocketState::kBound &&
         !snapshot.bound_sockets_visible;
}

void AppendListed(const std::vector<std::string>& items, std::string* out) {
  for (std::size_t i = 0; i < items.size() && i < kListedAtMost; ++i)
    *out += (i == 0 ? "" : "; ") + items[i];
  if (items.size() > kListedAtMost)
    *out += "; and " + std::to_string(items.size() - kListedAtMost) + " more";
}

std::string CountByKind(const SelfTestActivity& activity) {
  std::size_t tcp = 0, udp = 0, v6 = 0;
  for (const ExpectedSocket& s : activity.sockets) {
    (s.protocol == Protocol::kTcp ? tcp : udp) += 1;
    if (s.family == Family::kIpv6) ++v6;
  }
  return std::to_string(activity.sockets.size()) + " sockets (" +
         std::to_string(tcp) + " TCP, " + std::to_string(udp) + " UDP, " +
         std::to_string(v6) + " IPv6) in their states";
}

}  // namespace

const CollectorStatus* FindCollector(const Snapshot& snapshot,
                                     const char* name) {
  for (const CollectorStatus& c : snapshot.collectors) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const char* CheckOutcomeName(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kPass:
      return "PASS";
    case CheckOutcome::kFail:
      return "FAIL";
    case CheckOutcome::kSkip:
      return "SKIP";
  }
  return "SKIP";
}

bool SelfTestResult::Failed() const {
  return std::any_of(checks.begin(), checks.end(), [](const SelfTestCheck& c) {
    return c.outcome == CheckOutcome::kFail;
  });
}

SelfTestCheck CheckSockets(const SelfTestActivity& activity,
                           const Snapshot& snapshot,
                           const std::string& source) {
  SelfTestCheck check;
  check.name = "sockets";
  check.metrics =
      "ephemeral_port_in_use, ephemeral_port_exhaustion_ratio, "
      "ephemeral_port_sockets";
  check.expected = CountByKind(activity) + " via " + source;
  std::vector<std::string> missing, wrong_state, invisible;
  std::size_t found = 0;
  for (const ExpectedSocket& e : activity.sockets) {
    if (Invisible(e, snapshot)) {
      invisible.push_back(Describe(e));
      continue;
    }
    const SocketRecord* r = Find(e, snapshot);
    if (r == nullptr) {
      missing.push_back(Describe(e));
    } else if (r->state != e.state) {
      wrong_state.push_back(Describe(e) + " seen " + SocketStateName(r->state));
    } else {
      ++found;
    }
  }
  check.seen = std::to_string(found) + " of " +
               std::to_string(activity.sockets.size() - invisible.size()) +
               " found";
  if (!missing.empty()) {
    check.seen += "; missing: ";
    AppendListed(missing, &check.seen);
  }
  if (!wrong_state.empty()) {
    check.seen += "; wrong state: ";
    AppendListed(wrong_state, &check.seen);
  }
  if (!invisible.empty())
    check.seen += "; " + std::to_string(invisible.size()) +
                  " bound-only TCP not listed by this source (reported as "
                  "ephemeral_port_bound_sockets_visible 0)";
  const CollectorStatus* sockets = FindCollector(snapshot, "sockets");
  if (sockets != nullptr && !sockets->success)
    check.seen += "; collector error: " + sockets->error;
  check.outcome = missing.empty() && wrong_state.empty() && found > 0
                      ? CheckOutcome::kPass
                      : CheckOutcome::kFail;
  return check;
}

SelfTestCheck CheckOwners(const SelfTestActivity& activity,
                          const Snapshot& snapshot) {
  SelfTestCheck check;
  check.name = "owners";
  check.metrics =
      "ephemeral_port_process_in_use, ephemeral_port_service_in_use, "
      "ephemeral_port_unattributed_in_use";
  check.expected = "every socket found owned by pid " +
                   std::to_string(activity.pid) + " (this process)";
  const CollectorStatus* processes = FindCollector(snapshot, "processes");
  if (processes == nullptr) {
    check.seen = "processes are not collected (--no-collector.processes)";
    return check;
  }
  std::size_t found = 0, own = 0;
  std::vector<std::string> others;
  for (const ExpectedSocket& e : activity.sockets) {
    const SocketRecord* r = Find(e, snapshot);
    if (r == nullptr) continue;
    ++found;
    auto index = static_cast<std::uint32_t>(r - snapshot.sockets.data());
    bool extra =
        std::any_of(snapshot.extra_owners.begin(), snapshot.extra_owners.end(),
                    [&](const ExtraOwner& o) {
                      return o.socket_index == index && o.pid == activity.pid;
                    });
    if (r->pid == activity.pid || extra) {
      ++own;
    } else {
      others.push_back(Describe(e) + " owner " +
                       (r->pid == kUnknownPid
                            ? std::string("unknown")
                            : "pid " + std::to_string(r->pid)));
    }
  }
  check.seen = std::to_string(own) + " of " + std::to_string(found) +
               " owned by pid " + std::to_string(activity.pid);
  if (!others.empty()) {
    check.seen += "; ";
    AppendListed(others, &check.seen);
  }
  if (!processes->success)
    check.seen += "; collector error: " + processes->error;
  check.outcome =
      found > 0 && own == found ? CheckOutcome::kPass : CheckOutcome::kFail;
  return check;
}

SelfTestCheck CompareSocketSources(const SelfTestActivity& activity,
                                   const SourceView& configured,
                                   const std::vector<SourceView>& others) {
  SelfTestCheck check;
  check.name = "sources";
  check.metrics = "every socket metric (the choice of --source)";
  check.expected =
      "every other socket source sees the self-test's sockets "
      "as " +
      configured.source + " does";
  std::vector<std::string> agree, skipped, differences;
  for (const SourceView& other : others) {
    if (!other.skip_reason.empty()) {
      skipped.push_back(other.source + " not run: " + other.skip_reason);
      continue;
    }
    std::vector<std::string> diffs;
    for (const ExpectedSocket& e : activity.sockets) {
      if (Invisible(e, configured.snapshot) || Invisible(e, other.snapshot))
        continue;
      const SocketRecord* a = Find(e, configured.snapshot);
      const SocketRecord* b = Find(e, other.snapshot);
      std::string sa = a ? SocketStateName(a->state) : "missing";
      std::string sb = b ? SocketStateName(b->state) : "missing";
      if (sa != sb)
        diffs.push_back(Describe(e) + ": " + configured.source + " " + sa +
                        ", " + other.source + " " + sb);
    }
    if (diffs.empty()) {
      agree.push_back(other.source);
    } else {
      std::string text = other.source + " differs: ";
      AppendListed(diffs, &text);
      differences.push_back(text);
    }
  }
  std::string seen;
  if (!agree.empty()) {
    seen = "agree with " + configured.source + ":";
    for (const std::string& s : agree) seen += " " + s;
  }
  for (const std::string& d : differences)
    seen += (seen.empty() ? "" : "; ") + d;
  for (const std::string& s : skipped) seen += (seen.empty() ? "" : "; ") + s;
  if (others.empty()) seen = "this OS has one socket source";
  check.seen = seen;
  check.outcome = !differences.empty() ? CheckOutcome::kFail
                  : agree.empty()      ? CheckOutcome::kSkip
                                       : CheckOutcome::kPass;
  return check;
}

SelfTestCheck CheckPortRange(const SelfTestActivity& activity,
                             const Snapshot& snapshot,
                             const std::string& second_name,
                             const std::vector<PortRange>& second,
                             const std::string& second_error) {
  SelfTestCheck check;
  check.name = "port_range";
  check.metrics =
      "ephemeral_port_range_start, ephemeral_port_range_size, "
      "ephemeral_port_capacity, ephemeral_port_exhaustion_ratio";
  std::string first_name =
      snapshot.range_source.empty() ? "the source" : snapshot.range_source;
  check.expected = "the ranges and reserved ports read (" + first_name +
                   ") equal a second reading (" + second_name +
                   "); every port the OS gave a connect lies in its range";
  std::vector<std::string> problems;
  const CollectorStatus* collector = FindCollector(snapshot, "port_range");
  if (collector != nullptr && !collector->success)
    problems.push_back(first_name + ": " + collector->error);
  std::size_t compared = 0;
  for (const PortRange& a : snapshot.ranges) {
    for (const PortRange& b : second) {
      if (a.protocol != b.protocol || a.family != b.family) continue;
      ++compared;
      std::string what =
          std::string(ProtocolName(a.protocol)) + "/" + FamilyName(a.family);
      if (a.start != b.start || a.size != b.size) {
        problems.push_back(
            what + ": " + first_name + " " + std::to_string(a.start) + "+" +
            std::to_string(a.size) + ", " + second_name + " " +
            std::to_string(b.start) + "+" + std::to_string(b.size));
      } else if (a.reserved != b.reserved) {
        problems.push_back(what + ": reserved ports differ (" +
                           std::to_string(a.ReservedInRange()) + " vs " +
                           std::to_string(b.ReservedInRange()) + ")");
      }
    }
  }
  std::size_t outbound = 0, outside = 0;
  std::vector<std::string> outside_list;
  for (const ExpectedSocket& e : activity.sockets) {
    if (!e.outbound) continue;
    ++outbound;
    const PortRange* range = nullptr;
    for (const PortRange& r : snapshot.ranges) {
      if (r.protocol == e.protocol && r.family == e.family) range = &r;
    }
    if (range == nullptr || !range->CountsPort(e.local_port)) {
      ++outside;
      outside_list.push_back(std::to_string(e.local_port));
    }
  }
  if (outside > 0) {
    std::string text = std::to_string(outside) + " of " +
                       std::to_string(outbound) +
                       " connect ports outside the range or reserved: ";
    AppendListed(outside_list, &text);
    problems.push_back(text);
  }
  std::string seen = std::to_string(compared) + " ranges compared";
  if (!second_error.empty())
    seen = second_name + " did not answer (" + second_error + ")";
  seen += "; " + std::to_string(outbound - outside) + " of " +
          std::to_string(outbound) + " connect ports in range";
  for (const std::string& p : problems) seen += "; " + p;
  check.seen = seen;
  check.outcome = !problems.empty() ? CheckOutcome::kFail : CheckOutcome::kPass;
  return check;
}

}  // namespace epx
