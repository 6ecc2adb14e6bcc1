// SPDX-License-Identifier: Apache-2.0
#include "http/namespace_section.h"

#include <cstdio>

#include "analysis/port_usage.h"
#include "http/html.h"

namespace epx {
namespace {

std::string Percent(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", ratio * 100);
  return buf;
}

const char* Level(double ratio) {
  return ratio >= 0.95 ? "crit" : ratio >= 0.8 ? "warn" : "ok";
}

}  // namespace

std::string NamespaceSectionHtml(const NamespaceReport& report) {
  if (!report.valid) return "";
  std::string out =
      "<section id=\"namespaces\"><h2>Network namespaces (pods, "
      "containers)</h2>\n<p>" +
      std::to_string(report.scanned) + " read, " +
      std::to_string(report.failed) + " could not be read; the worst " +
      std::to_string(report.top.size()) +
      " by headline, each under its own range and sockets. Find the pod: "
      "runbook, <a href=\"runbook#which-pod-or-container-is-it\">Which pod "
      "or container is it?</a></p>\n";
  HtmlTable table({"netns", "Pod UID", "Container", "Process", "Protocol",
                   "Unavailable", "Usable", "Headline", "Bind headline"},
                  {true, false, false, false, false, true, true, true, true});
  for (const NamespaceUsage& ns : report.top) {
    std::string netns = std::to_string(ns.id.inode);
    for (const ExhaustionSummary& e : ns.exhaustion) {
      table.Add({netns, ns.id.pod_uid, ns.id.container_id, ns.id.process,
                 ProtocolName(e.protocol), std::to_string(e.worst_in_use),
                 std::to_string(e.capacity), Percent(e.ratio),
                 e.linux_rules ? Percent(e.bind_ratio) : "-"},
                {{"data-netns", netns},
                 {"data-protocol", ProtocolName(e.protocol)},
                 {"class", Level(e.ratio)}});
    }
  }
  return out + table.Render("namespaces") + "</section>\n";
}

}  // namespace epx
