// SPDX-License-Identifier: Apache-2.0
#include "metrics/namespace_families.h"

#include <string>
#include <utility>

namespace epx {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

MetricFamily GaugeFamily(const char* name, const char* help) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = prometheus::MetricType::Gauge;
  return f;
}

MetricFamily CounterFamily(const char* name, const char* help) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = prometheus::MetricType::Counter;
  return f;
}

void Add(MetricFamily* f, std::vector<ClientMetric::Label> labels,
         double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f->type == prometheus::MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f->metric.push_back(std::move(m));
}

}  // namespace

std::vector<MetricFamily> NamespaceFamilies(const NamespaceReport& report) {
  std::vector<MetricFamily> out;
  if (!report.valid) return out;
  MetricFamily ratio = GaugeFamily(
      "ephemeral_port_namespace_exhaustion_ratio",
      "Headline of one network namespace (top N by headline): how close a "
      "new connect() inside it is to failing for lack of a local port.");
  MetricFamily bind_ratio = GaugeFamily(
      "ephemeral_port_namespace_bind_exhaustion_ratio",
      "TCP headline of one network namespace for clients that bind(addr, 0) "
      "before connect().");
  MetricFamily in_use = GaugeFamily(
      "ephemeral_port_namespace_in_use",
      "Ports of one network namespace unavailable to a new connect() toward "
      "its worst destination (TCP) or in use (UDP).");
  MetricFamily capacity =
      GaugeFamily("ephemeral_port_namespace_capacity",
                  "Ports one network namespace's own range can hand out.");
  MetricFamily info = GaugeFamily(
      "ephemeral_port_namespace_info",
      "Constant 1 naming a reported network namespace: a process inside it "
      "and the pod UID and container id its cgroup shows (empty if none).");
  for (const NamespaceUsage& ns : report.top) {
    std::string netns = std::to_string(ns.id.inode);
    for (const ExhaustionSummary& e : ns.exhaustion) {
      std::vector<ClientMetric::Label> labels{
          {"netns", netns}, {"protocol", ProtocolName(e.protocol)}};
      Add(&ratio, labels, e.ratio);
      Add(&in_use, labels, e.worst_in_use);
      Add(&capacity, labels, e.capacity);
      if (e.linux_rules) Add(&bind_ratio, labels, e.bind_ratio);
    }
    Add(&info,
        {{"container_id", ns.id.container_id},
         {"netns", netns},
         {"pod_uid", ns.id.pod_uid},
         {"process", ns.id.process}},
        1);
  }
  MetricFamily scanned = GaugeFamily(
      "ephemeral_port_namespaces_scanned",
      "Network namespaces other than the exporter's own read in full "
      "in this scrape.");
  Add(&scanned, {}, report.scanned);
  MetricFamily failed = GaugeFamily(
      "ephemeral_port_namespaces_failed",
      "Network namespaces found but not entered or not read in this scrape "
      "(no CAP_SYS_ADMIN, errors); those that vanished are not counted.");
  Add(&failed, {}, report.failed);
  for (MetricFamily* f :
       {&ratio, &bind_ratio, &in_use, &capacity, &info, &scanned, &failed}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
  return out;
}

std::vector<MetricFamily> NamespaceConnectFamilies(const ConnectEvents& e) {
  std::vector<MetricFamily> out;
  if (!e.valid || !e.namespaces_counted) return out;
  MetricFamily failures = CounterFamily(
      "ephemeral_port_namespace_connect_failures_total",
      "connect() calls in one network namespace that failed with "
      "EADDRNOTAVAIL (no local port left) since the exporter started (top N "
      "namespaces by failures; Linux BPF).");
  MetricFamily connects = CounterFamily(
      "ephemeral_port_namespace_connects_total",
      "Outbound TCP connects in one network namespace that got a local port "
      "since the exporter started (Linux BPF).");
  MetricFamily zero = CounterFamily(
      "ephemeral_port_namespace_port_allocation_failures_total",
      "bind() or listen() to port 0 (call=bind) and UDP sends or connects "
      "without bind() (call=autobind) in one network namespace that found "
      "no free port (Linux BPF).");
  MetricFamily process = CounterFamily(
      "ephemeral_port_namespace_process_connect_failures_total",
      "connect() EADDRNOTAVAIL failures plus port-0 bind/autobind failures "
      "of a process in one network namespace (top N across the reported "
      "namespaces; pid as the node's initial PID namespace numbers it; Linux "
      "BPF).");
  MetricFamily destination = CounterFamily(
      "ephemeral_port_namespace_destination_connect_failures_total",
      "connect() EADDRNOTAVAIL failures, and UDP sends or connects that "
      "found no port to autobind, in one network namespace toward a "
      "destination (top N across the reported namespaces; Linux BPF).");
  for (const NamespaceConnectEvents& ns : e.namespaces) {
    std::string netns = std::to_string(ns.netns);
    const ConnectEvents& n = ns.events;
    for (int i : {0, 1}) {
      std::vector<ClientMetric::Label> labels{
          {"family", i == 0 ? "ipv4" : "ipv6"},
          {"netns", netns},
          {"protocol", "tcp"}};
      Add(&failures, labels, static_cast<double>(n.tcp_connect_failures[i]));
      Add(&connects, labels, static_cast<double>(n.tcp_connects[i]));
    }
    Add(&zero, {{"call", "bind"}, {"netns", netns}, {"protocol", "tcp"}},
        static_cast<double>(n.bind_failures[0]));
    Add(&zero, {{"call", "bind"}, {"netns", netns}, {"protocol", "udp"}},
        static_cast<double>(n.bind_failures[1]));
    Add(&zero, {{"call", "autobind"}, {"netns", netns}, {"protocol", "udp"}},
        static_cast<double>(n.udp_autobind_failures));
    for (const ConnectEventProcess& p : n.processes) {
      Add(&process,
          {{"netns", netns},
           {"pid", std::to_string(p.pid)},
           {"process", p.name}},
          static_cast<double>(p.connect_failures + p.port_zero_failures));
    }
    for (const ConnectEventDestination& d : n.destinations) {
      Add(&destination,
          {{"netns", netns},
           {"protocol", ProtocolName(d.protocol)},
           {"remote_address", d.address.ToString()},
           {"remote_port", std::to_string(d.port)}},
          static_cast<double>(d.failures));
    }
  }
  MetricFamily dropped = CounterFamily(
      "ephemeral_port_namespace_connect_events_dropped_total",
      "Events of other network namespaces not counted (map=namespaces: the "
      "namespace table, 1,024 entries, was full) or counted in the "
      "namespace's totals but not per process or destination (that table, "
      "4,096 entries, was full).");
  Add(&dropped, {{"map", "namespaces"}},
      static_cast<double>(e.namespaces_dropped));
  Add(&dropped, {{"map", "processes"}},
      static_cast<double>(e.namespace_processes_dropped));
  Add(&dropped, {{"map", "destinations"}},
      static_cast<double>(e.namespace_destinations_dropped));
  for (MetricFamily* f :
       {&failures, &connects, &zero, &process, &destination, &dropped}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace epx
