#include "http/landing_page.h"

#include <sstream>

namespace epx {
namespace {

std::string EscapeHtml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

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
      << "\nlimits:\n  top_processes: " << c.limits.top_processes
      << "\n  top_destinations: " << c.limits.top_destinations
      << "\n  top_local_addresses: " << c.limits.top_local_addresses
      << "\n  scrape_wait_seconds: " << c.scrape_wait_seconds
      << "\nwatched_services: [";
  for (std::size_t i = 0; i < c.source.watched_services.size(); ++i) {
    out << (i ? ", " : "") << c.source.watched_services[i];
  }
  out << "]\n";
  return out.str();
}

std::string LandingPageHtml(const Config& config, const BuildInfo& build) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
      << "<title>Ephemeral port exporter</title></head><body>\n"
      << "<h1>Ephemeral port exporter</h1>\n<p>Version "
      << EscapeHtml(build.version) << " (" << EscapeHtml(build.os)
      << ", source " << EscapeHtml(build.source) << ")</p>\n"
      << "<p><a href=\"" << EscapeHtml(config.telemetry_path)
      << "\">Metrics</a> &middot; <a href=\"/-/healthy\">Health</a></p>\n"
      << "<h2>Active configuration</h2>\n<pre>"
      << EscapeHtml(DescribeConfig(config)) << "</pre>\n</body></html>\n";
  return out.str();
}

}  // namespace epx
