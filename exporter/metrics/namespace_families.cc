// SPDX-License-Identifier: Apache-2.0
#include "metrics/namespace_families.h"

#include <string>
#include <utility>

#include "metrics/family_builder.h"

namespace epx {
namespace {

using prometheus::MetricFamily;
using Labels = FamilyBuilder::Labels;

}  // namespace

std::vector<MetricFamily> NamespaceFamilies(const NamespaceReport& report) {
  if (!report.valid) return {};
  FamilyBuilder b;
  MetricFamily& ratio = b.Gauge(
      "namespace_exhaustion_ratio",
      "Headline of one network namespace (top N by headline): how close a "
      "new connect() inside it is to failing for lack of a local port.");
  MetricFamily& bind_ratio = b.Gauge(
      "namespace_bind_exhaustion_ratio",
      "TCP headline of one network namespace for clients that bind(addr, 0) "
      "before connect().");
  MetricFamily& in_use = b.Gauge(
      "namespace_in_use",
      "Ports of one network namespace unavailable to a new connect() toward "
      "its worst destination (TCP) or in use (UDP).");
  MetricFamily& capacity =
      b.Gauge("namespace_capacity",
              "Ports one network namespace's own range can hand out.");
  MetricFamily& info = b.Gauge(
      "namespace_info",
      "Constant 1 naming a reported network namespace: a process inside it "
      "and the pod UID and container id its cgroup shows (empty if none).");
  for (const NamespaceUsage& ns : report.top) {
    std::string netns = std::to_string(ns.id.inode);
    for (const ExhaustionSummary& e : ns.exhaustion) {
      Labels labels{{"netns", netns}, {"protocol", ProtocolName(e.protocol)}};
      FamilyBuilder::Set(ratio, labels, e.ratio);
      FamilyBuilder::Set(in_use, labels, e.worst_in_use);
      FamilyBuilder::Set(capacity, labels, e.capacity);
      if (e.linux_rules) FamilyBuilder::Set(bind_ratio, labels, e.bind_ratio);
    }
    FamilyBuilder::Set(info,
                       {{"container_id", ns.id.container_id},
                        {"netns", netns},
                        {"pod_uid", ns.id.pod_uid},
                        {"process", ns.id.process}},
                       1);
  }
  MetricFamily& scanned =
      b.Gauge("namespaces_scanned",
              "Network namespaces other than the exporter's own read in full "
              "in this scrape.");
  FamilyBuilder::Set(scanned, {}, report.scanned);
  MetricFamily& failed = b.Gauge(
      "namespaces_failed",
      "Network namespaces found but not entered or not read in this scrape "
      "(no CAP_SYS_ADMIN, errors); those that vanished are not counted.");
  FamilyBuilder::Set(failed, {}, report.failed);
  return b.TakeNonEmpty();
}

std::vector<MetricFamily> NamespaceConnectFamilies(const ConnectEvents& e) {
  if (!e.valid || !e.namespaces_counted) return {};
  FamilyBuilder b;
  MetricFamily& failures = b.Counter(
      "namespace_connect_failures_total",
      "connect() calls in one network namespace that failed with "
      "EADDRNOTAVAIL (no local port left) since the exporter started (top N "
      "namespaces by failures; Linux BPF).");
  MetricFamily& connects = b.Counter(
      "namespace_connects_total",
      "Outbound TCP connects in one network namespace that got a local port "
      "since the exporter started (Linux BPF).");
  MetricFamily& zero = b.Counter(
      "namespace_port_allocation_failures_total",
      "bind() or listen() to port 0 (call=bind) and UDP sends or connects "
      "without bind() (call=autobind) in one network namespace that found "
      "no free port (Linux BPF).");
  MetricFamily& process = b.Counter(
      "namespace_process_connect_failures_total",
      "connect() EADDRNOTAVAIL failures plus port-0 bind/autobind failures "
      "of a process in one network namespace (top N across the reported "
      "namespaces; pid as the node's initial PID namespace numbers it; Linux "
      "BPF).");
  MetricFamily& destination = b.Counter(
      "namespace_destination_connect_failures_total",
      "connect() EADDRNOTAVAIL failures, and UDP sends or connects that "
      "found no port to autobind, in one network namespace toward a "
      "destination (top N across the reported namespaces; Linux BPF).");
  for (const NamespaceConnectEvents& ns : e.namespaces) {
    std::string netns = std::to_string(ns.netns);
    const ConnectEvents& n = ns.events;
    for (int i : {0, 1}) {
      Labels labels{{"family", i == 0 ? "ipv4" : "ipv6"},
                    {"netns", netns},
                    {"protocol", "tcp"}};
      FamilyBuilder::Set(failures, labels,
                         static_cast<double>(n.tcp_connect_failures[i]));
      FamilyBuilder::Set(connects, labels,
                         static_cast<double>(n.tcp_connects[i]));
    }
    FamilyBuilder::Set(
        zero, {{"call", "bind"}, {"netns", netns}, {"protocol", "tcp"}},
        static_cast<double>(n.bind_failures[0]));
    FamilyBuilder::Set(
        zero, {{"call", "bind"}, {"netns", netns}, {"protocol", "udp"}},
        static_cast<double>(n.bind_failures[1]));
    FamilyBuilder::Set(
        zero, {{"call", "autobind"}, {"netns", netns}, {"protocol", "udp"}},
        static_cast<double>(n.udp_autobind_failures));
    for (const ConnectEventProcess& p : n.processes) {
      FamilyBuilder::Set(
          process,
          {{"netns", netns},
           {"pid", std::to_string(p.pid)},
           {"process", p.name}},
          static_cast<double>(p.connect_failures + p.port_zero_failures));
    }
    for (const ConnectEventDestination& d : n.destinations) {
      FamilyBuilder::Set(destination,
                         {{"netns", netns},
                          {"protocol", ProtocolName(d.protocol)},
                          {"remote_address", d.address.ToString()},
                          {"remote_port", std::to_string(d.port)}},
                         static_cast<double>(d.failures));
    }
  }
  MetricFamily& dropped = b.Counter(
      "namespace_connect_events_dropped_total",
      "Events of other network namespaces not counted (map=namespaces: the "
      "namespace table, 1,024 entries, was full) or counted in the "
      "namespace's totals but not per process or destination (that table, "
      "4,096 entries, was full).");
  FamilyBuilder::Set(dropped, {{"map", "namespaces"}},
                     static_cast<double>(e.namespaces_dropped));
  FamilyBuilder::Set(dropped, {{"map", "processes"}},
                     static_cast<double>(e.namespace_processes_dropped));
  FamilyBuilder::Set(dropped, {{"map", "destinations"}},
                     static_cast<double>(e.namespace_destinations_dropped));
  return b.TakeNonEmpty();
}

}  // namespace epx
