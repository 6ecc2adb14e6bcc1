// SPDX-License-Identifier: Apache-2.0
#include "metrics/report_families.h"

#include <string>
#include <utility>

#include "metrics/family_builder.h"
#include "metrics/namespace_families.h"

namespace epx {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = FamilyBuilder::Labels;

// Label values must be UTF-8; process names come from the OS byte for
// byte, so invalid sequences become U+FFFD.
std::string ValidUtf8(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (ok && len > 1) {
      std::uint32_t cp = c & (0xFF >> (len + 1));
      for (std::size_t k = 1; k < len; ++k)
        cp = cp << 6 | (static_cast<unsigned char>(in[i + k]) & 0x3F);
      static const std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (ok) {
      out.append(in, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

ClientMetric::Label L(std::string name, const std::string& value) {
  return ClientMetric::Label{std::move(name), ValidUtf8(value)};
}

std::string Pid(std::int64_t pid) { return std::to_string(pid); }

// A failed socket dump would make usage look lower than it is; such numbers
// are left out so that alerts see "absent", not "healthy".
bool SocketsComplete(const PortUsageReport& r) {
  for (const CollectorStatus& c : r.collectors) {
    if (c.name == "sockets" && !c.success) return false;
  }
  return true;
}

void AddPools(const PortUsageReport& r, FamilyBuilder& b) {
  const char* names[] = {"range_start", "range_size", "reserved_ports",
                         "capacity",    "in_use",     "usage_ratio"};
  const char* helps[] = {
      "First port of the dynamic (ephemeral) port range.",
      "Number of ports in the dynamic port range.",
      "Ports inside the range the OS will not hand out (reserved, excluded).",
      "Ports the OS can hand out: range size minus reserved ports.",
      "Distinct local ports in the range held by any socket of the protocol.",
      "in_use / capacity for the protocol and family."};
  MetricFamily* families[6];
  for (int i = 0; i < 6; ++i) families[i] = &b.Gauge(names[i], helps[i]);
  int shown = SocketsComplete(r) ? 6 : 4;
  for (const PoolUsage& p : r.pools) {
    Labels labels{L("protocol", ProtocolName(p.protocol)),
                  L("family", FamilyName(p.family))};
    double values[] = {
        static_cast<double>(p.range_start), static_cast<double>(p.range_size),
        static_cast<double>(p.reserved),    static_cast<double>(p.capacity),
        static_cast<double>(p.in_use),      p.usage_ratio};
    for (int i = 0; i < shown; ++i)
      FamilyBuilder::Set(*families[i], labels, values[i]);
  }
}

void AddExhaustion(const PortUsageReport& r, FamilyBuilder& b) {
  auto& ratio = b.Gauge(
      "exhaustion_ratio",
      "Headline: how close a new outbound connect() is to failing for lack "
      "of a local port, by the host OS's rule (1 = exhausted).");
  auto& worst = b.Gauge(
      "exhaustion_in_use",
      "Ports unavailable to a new connect() toward the worst destination "
      "(Linux TCP) or host-wide (Windows, UDP).");
  auto& exclusive = b.Gauge(
      "exclusive_in_use",
      "Ports in the range held for every destination: listeners, bound or "
      "unconnected sockets and ports their bind bucket still holds (Linux "
      "TCP); every port in use (host-wide rule).");
  auto& bind_ratio = b.Gauge(
      "bind_exhaustion_ratio",
      "Linux TCP headline for clients that bind(addr, 0) before connect(): "
      "ports held on the busiest local address or a wildcard / capacity (1 = "
      "bind() fails with EADDRINUSE).");
  auto& bind_in_use = b.Gauge(
      "bind_exhaustion_in_use",
      "Linux TCP: ports held on the busiest local address or on a wildcard "
      "address, unavailable to bind(addr, 0).");
  auto& recyclable =
      b.Gauge("time_wait_recyclable_sockets",
              "Linux TCP: TIME_WAIT sockets a new connect() may take over "
              "(tcp_tw_reuse), left out of the headline.");
  auto& visible = b.Gauge(
      "bound_sockets_visible",
      "Linux: 1 if bound-only TCP sockets can be seen (inet_diag on 6.8+); 0 "
      "means the headline is a lower bound.");
  if (!SocketsComplete(r)) return;
  bool linux_rules = false;
  for (const ExhaustionSummary& e : r.exhaustion) {
    Labels labels{L("protocol", ProtocolName(e.protocol))};
    FamilyBuilder::Set(ratio, labels, e.ratio);
    FamilyBuilder::Set(worst, labels, e.worst_in_use);
    FamilyBuilder::Set(exclusive, labels, e.exclusive_in_use);
    if (!e.linux_rules) continue;
    linux_rules = true;
    FamilyBuilder::Set(bind_ratio, labels, e.bind_ratio);
    FamilyBuilder::Set(bind_in_use, labels, e.bind_in_use);
    FamilyBuilder::Set(recyclable, labels,
                       static_cast<double>(e.recyclable_time_wait));
  }
  if (linux_rules)
    FamilyBuilder::Set(visible, {}, r.bound_sockets_visible ? 1 : 0);
}

void AddVrfExhaustion(const PortUsageReport& r, FamilyBuilder& b) {
  if (r.vrf_exhaustion.empty()) return;
  auto& ratio = b.Gauge(
      "vrf_exhaustion_ratio",
      "Linux with VRFs: the headline of one VRF's pool (vrf=\"default\": "
      "sockets in no VRF); the host headline is the worst of them.");
  if (!SocketsComplete(r)) return;
  for (const VrfExhaustion& v : r.vrf_exhaustion) {
    FamilyBuilder::Set(
        ratio, {L("protocol", ProtocolName(v.protocol)), L("vrf", v.vrf)},
        v.ratio);
  }
}

void AddAutoReusePools(const PortUsageReport& r, FamilyBuilder& b) {
  if (r.auto_reuse.empty()) return;
  auto& start = b.Gauge("auto_reuse_range_start",
                        "First port of the Windows TCP auto-reuse range "
                        "(connect() without bind()); absent when disabled.");
  auto& size = b.Gauge("auto_reuse_range_size",
                       "Number of ports in the Windows TCP auto-reuse range.");
  auto& in_use = b.Gauge("auto_reuse_in_use",
                         "Distinct ports of the auto-reuse range held by any "
                         "TCP socket.");
  auto& ratio = b.Gauge("auto_reuse_exhaustion_ratio",
                        "(ports held for every destination + the worst "
                        "destination's own) / capacity of the auto-reuse "
                        "range: how close a connect() without bind() is to "
                        "failing.");
  bool complete = SocketsComplete(r);
  for (const AutoReusePoolUsage& u : r.auto_reuse) {
    Labels labels{L("protocol", "tcp"), L("family", FamilyName(u.family))};
    FamilyBuilder::Set(start, labels, u.range_start);
    FamilyBuilder::Set(size, labels, u.range_size);
    if (!complete) continue;
    FamilyBuilder::Set(in_use, labels, u.in_use);
    FamilyBuilder::Set(ratio, labels, u.ratio);
  }
}

void AddStates(const PortUsageReport& r, FamilyBuilder& b) {
  auto& f = b.Gauge("sockets", "Sockets by protocol, family and state.");
  for (const StateCount& s : r.states) {
    FamilyBuilder::Set(f,
                       {L("protocol", ProtocolName(s.protocol)),
                        L("family", FamilyName(s.family)),
                        L("state", SocketStateName(s.state))},
                       static_cast<double>(s.sockets));
  }
}

void AddLocalAddresses(const PortUsageReport& r, FamilyBuilder& b) {
  auto& in_use = b.Gauge("local_address_in_use",
                         "Distinct ports in the range held on a local "
                         "address (top N addresses and watched ones).");
  auto& ratio =
      b.Gauge("local_address_usage_ratio", "local_address_in_use / capacity.");
  auto& listening = b.Gauge(
      "local_address_listening_ports",
      "Listening TCP ports (unconnected UDP ports) on a local address.");
  auto& procs = b.Gauge("local_address_processes",
                        "Distinct processes holding sockets on a local "
                        "address.");
  for (const LocalAddressUsage& a : r.local_addresses) {
    Labels labels{L("protocol", ProtocolName(a.protocol)),
                  L("local_address", a.address)};
    FamilyBuilder::Set(in_use, labels, a.in_use);
    FamilyBuilder::Set(ratio, labels, a.usage_ratio);
    FamilyBuilder::Set(listening, labels, a.listening_ports);
    if (r.processes_collected) FamilyBuilder::Set(procs, labels, a.processes);
  }
}

void AddProcesses(const PortUsageReport& r, FamilyBuilder& b) {
  auto& in_use = b.Gauge("process_in_use",
                         "Distinct ports in the range held by a process "
                         "(top N processes and watched ones).");
  auto& sockets = b.Gauge("process_sockets",
                          "Sockets of a process by protocol and state (top N "
                          "processes and watched ones).");
  auto& handles = b.Gauge("process_handles",
                          "Open handles (Windows) or file descriptors (Linux) "
                          "of a process (top N processes and watched ones).");
  auto& info = b.Gauge("process_info",
                       "Constant 1 per top N or watched process, labelled "
                       "with the services it hosts (Windows) or its systemd "
                       "unit (Linux), its executable and its user.");
  for (const ProcessUsage& p : r.processes) {
    if (p.handles >= 0) {
      FamilyBuilder::Set(handles, {L("process", p.name), L("pid", Pid(p.pid))},
                         static_cast<double>(p.handles));
    }
    std::string services;
    for (const std::string& s : p.services)
      services += (services.empty() ? "" : ",") + s;
    FamilyBuilder::Set(
        info,
        {L("process", p.name), L("pid", Pid(p.pid)), L("services", services),
         L("executable", p.executable), L("user", p.user)},
        1);
    for (Protocol proto : {Protocol::kTcp, Protocol::kUdp}) {
      FamilyBuilder::Set(in_use,
                         {L("protocol", ProtocolName(proto)),
                          L("process", p.name), L("pid", Pid(p.pid))},
                         p.in_use[proto == Protocol::kTcp ? 0 : 1]);
    }
    for (const ProcessStateCount& s : p.sockets) {
      FamilyBuilder::Set(
          sockets,
          {L("protocol", ProtocolName(s.protocol)), L("process", p.name),
           L("pid", Pid(p.pid)), L("state", SocketStateName(s.state))},
          static_cast<double>(s.sockets));
    }
  }
  auto& un_ports = b.Gauge(
      "unattributed_in_use",
      "Ports in the range held by sockets with no known owning process.");
  auto& un_sockets =
      b.Gauge("unattributed_sockets", "Sockets with no known owning process.");
  for (const UnattributedUsage& u : r.unattributed) {
    Labels labels{L("protocol", ProtocolName(u.protocol)),
                  L("reason", u.reason)};
    FamilyBuilder::Set(un_ports, labels, u.in_use);
    FamilyBuilder::Set(un_sockets, labels, static_cast<double>(u.sockets));
  }
  if (r.processes_collected) {
    FamilyBuilder::Set(
        b.Gauge("processes_scanned", "Processes whose sockets were listed."),
        {}, r.processes_seen);
    FamilyBuilder::Set(
        b.Gauge("processes_unreadable",
                "Processes whose sockets could not be listed (permission or "
                "exited); their sockets count as unattributed."),
        {}, r.processes_unreadable);
  }
}

void AddServices(const PortUsageReport& r, FamilyBuilder& b) {
  auto& in_use = b.Gauge("service_in_use",
                         "Distinct ports in the range held by a watched "
                         "service's processes (0 when idle or stopped).");
  auto& up =
      b.Gauge("service_up", "1 if the watched service has a running process.");
  auto& procs = b.Gauge("service_processes",
                        "Processes belonging to the watched service.");
  for (const ServiceUsage& s : r.services) {
    for (Protocol proto : {Protocol::kTcp, Protocol::kUdp}) {
      FamilyBuilder::Set(
          in_use, {L("protocol", ProtocolName(proto)), L("service", s.name)},
          s.in_use[proto == Protocol::kTcp ? 0 : 1]);
    }
    FamilyBuilder::Set(up, {L("service", s.name)}, s.running ? 1 : 0);
    FamilyBuilder::Set(procs, {L("service", s.name)}, s.processes);
  }
}

void AddDestinations(const PortUsageReport& r, FamilyBuilder& b) {
  auto& in_use = b.Gauge("destination_in_use",
                         "Distinct local ports in the range connected to a "
                         "remote address and port (top N destinations and "
                         "watched ones).");
  auto& ratio =
      b.Gauge("destination_usage_ratio",
              "How close connects to this destination are to failing: "
              "(ports toward it + exclusive ports) / capacity on Linux TCP, "
              "in_use / capacity elsewhere.");
  for (const DestinationUsage& d : r.destinations) {
    Labels labels{L("protocol", ProtocolName(d.protocol)),
                  L("remote_address", d.remote_address),
                  L("remote_port", std::to_string(d.remote_port))};
    FamilyBuilder::Set(in_use, labels, d.in_use);
    FamilyBuilder::Set(ratio, labels, d.usage_ratio);
  }
}

void AddCounters(const PortUsageReport& r, FamilyBuilder& b) {
  bool any_counters = false;
  for (const TcpCounters& c : r.tcp_counters) any_counters |= c.valid;
  if (any_counters) {
    auto& active = b.Counter("tcp_active_opens_total",
                             "Outbound TCP connections started since boot "
                             "(ActiveOpens); per family on Windows.");
    auto& passive = b.Counter("tcp_passive_opens_total",
                              "Inbound TCP connections accepted since boot "
                              "(PassiveOpens); per family on Windows.");
    auto& fails = b.Counter("tcp_attempt_fails_total",
                            "TCP connection attempts that failed since boot "
                            "(AttemptFails); per family on Windows.");
    for (const TcpCounters& c : r.tcp_counters) {
      if (!c.valid) continue;
      Labels labels;
      if (!c.family.empty()) labels.push_back(L("family", c.family));
      FamilyBuilder::Set(active, labels, static_cast<double>(c.active_opens));
      FamilyBuilder::Set(passive, labels, static_cast<double>(c.passive_opens));
      FamilyBuilder::Set(fails, labels, static_cast<double>(c.attempt_fails));
    }
  }
  if (!r.range_source.empty()) {
    FamilyBuilder::Set(
        b.Gauge("range_info",
                "1, labelled with where the port ranges were read: sysctl "
                "(Linux), wmi or netsh (Windows), or default when no source "
                "answered and 49152-65535 is assumed."),
        {L("source", r.range_source)}, 1);
  }
  if (r.range_read_seconds > 0) {
    FamilyBuilder::Set(
        b.Gauge("range_read_timestamp_seconds",
                "Unix time the served port ranges and exclusions were read "
                "(Windows refreshes them on a timer)."),
        {}, r.range_read_seconds);
  }
  if (r.tcp_time_wait_delay_seconds >= 0) {
    FamilyBuilder::Set(
        b.Gauge("tcp_time_wait_delay_seconds",
                "Configured TIME_WAIT duration (Windows TcpTimedWaitDelay); "
                "absent when the OS default applies."),
        {}, static_cast<double>(r.tcp_time_wait_delay_seconds));
  }
  if (r.events.valid) {
    auto& events = b.Counter(
        "windows_events_total",
        "Tcpip port-exhaustion events (4227, 4231, 4266) logged in the System "
        "log since the exporter's first read of it.");
    for (const auto& e : r.events.by_id) {
      FamilyBuilder::Set(events, {L("event_id", std::to_string(e.first))},
                         static_cast<double>(e.second));
    }
    auto& newest = b.Gauge(
        "windows_event_last_timestamp_seconds",
        "Unix time of the newest Tcpip port-exhaustion event of this id, "
        "within the look-back at start or since; 0 when none was.");
    for (const auto& e : r.events.newest_seconds) {
      FamilyBuilder::Set(newest, {L("event_id", std::to_string(e.first))},
                         e.second);
    }
  }
}

void AddConnectEvents(const PortUsageReport& r, FamilyBuilder& b) {
  const ConnectEvents& e = r.connect_events;
  if (!e.valid) return;
  auto& failures = b.Counter(
      "connect_failures_total",
      "connect() calls that failed with EADDRNOTAVAIL (no local port left) "
      "since the exporter started, counted in the kernel (Linux BPF).");
  auto& connects = b.Counter(
      "connects_total",
      "Outbound TCP connects that got a local port since the exporter "
      "started (Linux BPF); short-lived connections included.");
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    int i = f == Family::kIpv4 ? 0 : 1;
    Labels labels{L("protocol", "tcp"), L("family", FamilyName(f))};
    FamilyBuilder::Set(failures, labels,
                       static_cast<double>(e.tcp_connect_failures[i]));
    FamilyBuilder::Set(connects, labels,
                       static_cast<double>(e.tcp_connects[i]));
  }
  auto& zero = b.Counter(
      "port_allocation_failures_total",
      "bind() or listen() to port 0 (call=bind) and UDP sends or connects "
      "without bind() (call=autobind) that found no free port (Linux BPF).");
  FamilyBuilder::Set(zero, {L("protocol", "tcp"), L("call", "bind")},
                     static_cast<double>(e.bind_failures[0]));
  FamilyBuilder::Set(zero, {L("protocol", "udp"), L("call", "bind")},
                     static_cast<double>(e.bind_failures[1]));
  FamilyBuilder::Set(zero, {L("protocol", "udp"), L("call", "autobind")},
                     static_cast<double>(e.udp_autobind_failures));
  auto& process_failures = b.Counter(
      "process_connect_failures_total",
      "connect() EADDRNOTAVAIL failures plus port-0 bind/autobind failures "
      "of a process (top N by failures; Linux BPF).");
  auto& process_connects = b.Counter(
      "process_connects_total",
      "Outbound TCP connects of a process (top N by connects, and every "
      "process with failures; Linux BPF).");
  for (const ConnectEventProcess& p : e.processes) {
    Labels labels{L("process", p.name), L("pid", std::to_string(p.pid))};
    FamilyBuilder::Set(
        process_failures, labels,
        static_cast<double>(p.connect_failures + p.port_zero_failures));
    FamilyBuilder::Set(process_connects, labels,
                       static_cast<double>(p.connects));
  }
  auto& destination_failures = b.Counter(
      "destination_connect_failures_total",
      "connect() EADDRNOTAVAIL failures, and UDP sends or connects that "
      "found no port to autobind, toward a destination (top N; Linux BPF).");
  for (const ConnectEventDestination& d : e.destinations) {
    FamilyBuilder::Set(destination_failures,
                       {L("protocol", ProtocolName(d.protocol)),
                        L("remote_address", d.address.ToString()),
                        L("remote_port", std::to_string(d.port))},
                       static_cast<double>(d.failures));
  }
  auto& dropped = b.Counter(
      "connect_events_dropped_total",
      "Events counted in the totals but not per process or destination, "
      "because that kernel map was full.");
  FamilyBuilder::Set(dropped, {L("map", "processes")},
                     static_cast<double>(e.processes_dropped));
  FamilyBuilder::Set(dropped, {L("map", "destinations")},
                     static_cast<double>(e.destinations_dropped));
  if (e.losses_known) {
    auto& lost = b.Counter(
        "connect_events_lost_total",
        "Connect events Windows' ETW dropped before the exporter saw them "
        "(what=events: EventsLost; what=buffers: real-time buffers lost).");
    FamilyBuilder::Set(lost, {L("what", "events")},
                       static_cast<double>(e.events_lost));
    FamilyBuilder::Set(lost, {L("what", "buffers")},
                       static_cast<double>(e.buffers_lost));
  }
}

void AddExporterInfo(const PortUsageReport& r, const BuildInfo& build,
                     FamilyBuilder& b) {
  auto& success = b.Gauge("collector_success",
                          "1 if the collector succeeded in this scrape.");
  auto& duration = b.Gauge("collector_duration_seconds",
                           "Time the collector took in this scrape.");
  for (const CollectorStatus& c : r.collectors) {
    FamilyBuilder::Set(success, {L("collector", c.name)}, c.success ? 1 : 0);
    FamilyBuilder::Set(duration, {L("collector", c.name)}, c.duration_seconds);
  }
  FamilyBuilder::Set(
      b.Gauge("build_info",
              "Constant 1, labelled with version, git "
              "revision, build date, OS and socket source."),
      {L("version", build.version), L("revision", build.revision),
       L("build_date", build.build_date), L("os", build.os),
       L("source", build.source)},
      1);
}

}  // namespace

std::vector<MetricFamily> BuildMetricFamilies(const PortUsageReport& report,
                                              const BuildInfo& build) {
  FamilyBuilder b;
  AddPools(report, b);
  AddExhaustion(report, b);
  AddVrfExhaustion(report, b);
  AddAutoReusePools(report, b);
  AddStates(report, b);
  AddLocalAddresses(report, b);
  AddProcesses(report, b);
  AddServices(report, b);
  AddDestinations(report, b);
  AddCounters(report, b);
  AddConnectEvents(report, b);
  AddExporterInfo(report, build, b);
  std::vector<MetricFamily> out = b.TakeNonEmpty();
  for (MetricFamily& f : NamespaceFamilies(report.namespaces))
    out.push_back(std::move(f));
  for (MetricFamily& f : NamespaceConnectFamilies(report.connect_events))
    out.push_back(std::move(f));
  return out;
}

}  // namespace epx
