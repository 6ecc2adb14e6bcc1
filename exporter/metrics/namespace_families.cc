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

void Add(MetricFamily* f, std::vector<ClientMetric::Label> labels,
         double value) {
  ClientMetric m;
  m.label = std::move(labels);
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

}  // namespace epx
