// SPDX-License-Identifier: Apache-2.0
#include "sources/self_test_host.h"

#include <windows.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "selftest/loopback_activity.h"
#include "sources/windows/etw_connect_session.h"
#include "sources/windows/iphlpapi.h"
#include "sources/windows/port_range.h"
#include "sources/windows/port_range_parser.h"
#include "sources/windows/win_util.h"

namespace epx {
namespace {

constexpr unsigned kNetshTimeoutMs = 15000;

/// One netsh.exe answer for a protocol and family: its dynamic range and
/// excluded ports.
bool ReadNetshRange(Protocol protocol, Family family, PortRange* out,
                    std::string* error) {
  const std::atomic<bool> never(false);
  std::wstring scope =
      std::wstring(L"int ") + (family == Family::kIpv4 ? L"ipv4" : L"ipv6");
  std::wstring name = protocol == Protocol::kTcp ? L"tcp" : L"udp";
  std::string text, e;
  DynamicPortSetting setting;
  std::wstring args = scope + L" show dynamicport " + name;
  if (!RunSystemProgram(L"netsh.exe", args, kNetshTimeoutMs, &never, &text,
                        &e) ||
      !ParseNetshDynamicPortRange(text, &setting, &e)) {
    *error = "netsh " + Utf8FromWide(args) + ": " + e;
    return false;
  }
  out->protocol = protocol;
  out->family = family;
  out->start = setting.start;
  out->size = setting.count;
  args = scope + L" show excludedportrange protocol=" + name;
  if (!RunSystemProgram(L"netsh.exe", args, kNetshTimeoutMs, &never, &text,
                        &e) ||
      !ParseNetshExcludedPortRanges(text, &out->reserved, &e)) {
    *error = "netsh " + Utf8FromWide(args) + ": " + e;
    return false;
  }
  return true;
}

}  // namespace

std::string OwnProcessNameHere() {
  wchar_t path[MAX_PATH];
  DWORD n = GetModuleFileNameW(nullptr, path, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) return "";
  std::wstring full(path, n);
  std::size_t slash = full.find_last_of(L"\\/");
  return Utf8FromWide(slash == std::wstring::npos ? full
                                                  : full.substr(slash + 1));
}

std::vector<SourceView> CollectOtherSocketSources(
    const SourceOptions& /*options*/, const std::string& /*in_use*/,
    const SocketFilter& /*keep*/, std::size_t /*text_max_sockets*/) {
  return {};
}

bool ReadTcpCountersHere(const SourceOptions& /*options*/,
                         std::vector<TcpCounters>* out, std::string* error) {
  return ReadTcpStatistics(out, error);
}

bool ReadRangesSecondWay(const SourceOptions& /*options*/,
                         const std::string& first_source,
                         std::vector<PortRange>* ranges, std::string* name,
                         std::string* error) {
  *name = "netsh";
  if (first_source != "wmi") {
    *error = first_source == "netsh"
                 ? "WMI did not answer the source, which read netsh; no "
                   "second way is left"
                 : "neither WMI nor netsh answered the source";
    return false;
  }
  for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      PortRange r;
      if (!ReadNetshRange(p, f, &r, error)) return false;
      ranges->push_back(std::move(r));
    }
  }
  return true;
}

SelfTestCheck CheckConnectEventsHere(const SourceOptions& options) {
  SelfTestCheck check;
  check.name = "connect_events";
  check.metrics =
      "ephemeral_port_connects_total, ephemeral_port_process_connects_total";
  check.expected =
      "the connects of this pid counted by an ETW session of its own";
  if (!options.collect_connect_events) {
    check.seen = "collector off (--collector.connect_events)";
    return check;
  }
  check.outcome = CheckOutcome::kFail;
  EtwConnectSession session(L"ephemeral_port_exporter self-test");
  std::string error;
  if (!session.Start(&error)) {
    check.seen = "the ETW session did not start: " + error;
    return check;
  }
  // A real-time session delivers at its buffers' flush (1 s): give the
  // consumer a moment to attach before making the connects it must see.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto pid = static_cast<std::int64_t>(GetCurrentProcessId());
  std::uint64_t counted = 0, made = 0;
  {
    LoopbackActivity activity(2);
    made = activity.activity().connects;
  }
  check.expected = std::to_string(made) + " connects of pid " +
                   std::to_string(pid) +
                   " counted by an ETW session of its own within 5 s";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    ConnectEvents events;
    if (!session.Read(&events, &error)) {
      check.seen = "reading the session: " + error;
      return check;
    }
    counted = 0;
    for (const ConnectEventProcess& p : events.processes) {
      if (p.pid == pid) counted += p.connects;
    }
    if (counted >= made || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  check.seen = std::to_string(counted) + " counted (" +
               std::to_string(session.DecodedEvents()) +
               " events decoded in all)";
  if (counted == made) check.outcome = CheckOutcome::kPass;
  return check;
}

}  // namespace epx
