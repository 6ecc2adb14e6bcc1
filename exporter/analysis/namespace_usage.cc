// SPDX-License-Identifier: Apache-2.0
#include "analysis/namespace_usage.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "analysis/port_usage.h"

namespace epx {

std::vector<std::size_t> TopByHeadline(const std::vector<double>& headlines,
                                       const std::vector<std::uint64_t>& inodes,
                                       std::size_t n) {
  std::vector<std::size_t> order(headlines.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (headlines[a] != headlines[b]) return headlines[a] > headlines[b];
    return inodes[a] < inodes[b];
  });
  order.resize(std::min(n, order.size()));
  return order;
}

NamespaceReport AnalyzeNamespaces(const NamespaceScan& scan,
                                  const AnalysisOptions& options) {
  NamespaceReport report;
  report.valid = scan.valid;
  report.found = scan.found;
  report.failed = static_cast<std::uint32_t>(scan.failed_inodes.size());
  report.scanned = static_cast<std::uint32_t>(scan.namespaces.size());
  if (!scan.valid) return report;
  std::vector<NamespaceUsage> all;
  std::vector<double> headlines;
  std::vector<std::uint64_t> inodes;
  for (const NamespaceSnapshot& ns : scan.namespaces) {
    Snapshot snapshot;
    snapshot.sockets = ns.sockets;
    snapshot.ranges = ns.ranges;
    snapshot.tcp_rule = ExhaustionRule::kPerDestination;
    snapshot.udp_rule = ExhaustionRule::kHostWide;
    snapshot.owners_from_inodes = true;
    snapshot.time_wait_reuse = ns.time_wait_reuse;
    snapshot.l3mdev = ns.l3mdev;
    snapshot.bound_sockets_visible = ns.bound_sockets_visible;
    PortUsageReport analysed = AnalyzePortUsage(snapshot, options);
    NamespaceUsage usage;
    usage.id = ns.id;
    usage.exhaustion = std::move(analysed.exhaustion);
    for (const ExhaustionSummary& e : usage.exhaustion)
      usage.headline = std::max(usage.headline, e.ratio);
    headlines.push_back(usage.headline);
    inodes.push_back(usage.id.inode);
    all.push_back(std::move(usage));
  }
  for (std::size_t i : TopByHeadline(headlines, inodes, options.top_namespaces))
    report.top.push_back(std::move(all[i]));
  return report;
}

}  // namespace epx
