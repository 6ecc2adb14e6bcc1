// SPDX-License-Identifier: Apache-2.0
#include "http/landing_page.h"

#include <sstream>

#include "http/html.h"
#include "http/page_templates.h"

namespace epx {

std::string DescribeConfig(const Config& c) {
  std::ostringstream out;
  out << "web:\n  listen_address: [";
  for (std::size_t i = 0; i < c.listen_addresses.size(); ++i) {
    out << (i ? ", " : "") << '"' << c.listen_addresses[i] << '"';
  }
  out << "]\n  telemetry_path: " << c.telemetry_path
      << "\n  max_connections: " << c.max_connections
      << "\n  read_timeout_seconds: " << c.read_timeout_seconds
      << "\nsource:\n  sockets: " << c.source.socket_source
      << "\n  procfs_root: " << c.source.procfs_root
      << "\ncollectors:\n  processes: "
      << (c.source.collect_processes ? "true" : "false")
      << "\n  tcp_stats: " << (c.source.collect_tcp_stats ? "true" : "false")
      << "\n  connect_events: "
      << (c.source.collect_connect_events ? "true" : "false")
      << "\n  events_lookback_seconds: " << c.source.event_lookback_seconds
      << "\nlimits:\n  top_processes: " << c.limits.top_processes
      << "\n  top_destinations: " << c.limits.top_destinations
      << "\n  top_local_addresses: " << c.limits.top_local_addresses
      << "\n  scrape_wait_seconds: " << c.scrape_wait_seconds
      << "\nwatched_services: [";
  for (std::size_t i = 0; i < c.source.watched_services.size(); ++i) {
    out << (i ? ", " : "") << c.source.watched_services[i];
  }
  const WatchList& w = c.limits.watch;
  out << "]\nwatch:\n  destinations: [";
  for (std::size_t i = 0; i < w.destinations.size(); ++i)
    out << (i ? ", " : "") << '\'' << w.destinations[i].ToString() << '\'';
  out << "]\n  processes: [";
  for (std::size_t i = 0; i < w.processes.size(); ++i)
    out << (i ? ", " : "") << '\'' << w.processes[i].glob << '\'';
  out << "]\n  local_addresses: [";
  for (std::size_t i = 0; i < w.local_addresses.size(); ++i)
    out << (i ? ", " : "") << '\'' << w.local_addresses[i].ToString() << '\'';
  out << "]\n";
  return out.str();
}

std::string AboutSectionHtml(const Config& config, const BuildInfo& build) {
  TemplateData about;
  about.set("version", build.version);
  about.set("has_revision", !build.revision.empty());
  about.set("revision", build.revision);
  about.set("has_date", !build.build_date.empty());
  about.set("date", build.build_date);
  about.set("os", build.os);
  about.set("source", build.source);
  about.set("metrics_path", config.telemetry_path);
  about.set("config", DescribeConfig(config));
  return RenderTemplate(kAboutSectionTemplate, about);
}

}  // namespace epx
