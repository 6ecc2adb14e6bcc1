// SPDX-License-Identifier: Apache-2.0
#include "http/namespace_section.h"

#include <cstdio>

#include "analysis/port_usage.h"
#include "http/html.h"
#include "http/page_templates.h"

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
  TemplateData section;
  section.set("scanned", std::to_string(report.scanned));
  section.set("failed", std::to_string(report.failed));
  section.set("shown", std::to_string(report.top.size()));
  section.set("table", table.Render("namespaces"));
  return RenderTemplate(kNamespaceSectionTemplate, section);
}

}  // namespace epx
