// SPDX-License-Identifier: Apache-2.0
#include "incidents/incident_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace epx {

namespace {

using nlohmann::json;

json Headlines(const PortUsageReport& r) {
  json out = json::array();
  for (const ExhaustionSummary& e : r.exhaustion) {
    json row = {
        {"protocol", ProtocolName(e.protocol)},
        {"rule", e.rule == ExhaustionRule::kPerDestination ? "per_destination"
                                                           : "host_wide"},
        {"capacity", e.capacity},
        {"exclusive_in_use", e.exclusive_in_use},
        {"worst_in_use", e.worst_in_use},
        {"ratio", e.ratio}};
    if (e.linux_rules) {
      row["bind_in_use"] = e.bind_in_use;
      row["bind_ratio"] = e.bind_ratio;
      row["recyclable_time_wait"] = e.recyclable_time_wait;
    }
    out.push_back(row);
  }
  return out;
}

json Pools(const PortUsageReport& r) {
  json out = json::array();
  for (const PoolUsage& p : r.pools)
    out.push_back({{"protocol", ProtocolName(p.protocol)},
                   {"family", FamilyName(p.family)},
                   {"range_start", p.range_start},
                   {"range_size", p.range_size},
                   {"reserved", p.reserved},
                   {"capacity", p.capacity},
                   {"in_use", p.in_use},
                   {"ratio", p.usage_ratio}});
  return out;
}

json States(const PortUsageReport& r) {
  json out = json::array();
  for (const StateCount& s : r.states)
    out.push_back({{"protocol", ProtocolName(s.protocol)},
                   {"family", FamilyName(s.family)},
                   {"state", SocketStateName(s.state)},
                   {"sockets", s.sockets}});
  return out;
}

json Processes(const PortUsageReport& r, std::size_t top) {
  json out = json::array();
  for (std::size_t i = 0; i < r.processes.size() && i < top; ++i) {
    const ProcessUsage& p = r.processes[i];
    json sockets = json::array();
    for (const ProcessStateCount& s : p.sockets)
      sockets.push_back({{"protocol", ProtocolName(s.protocol)},
                         {"state", SocketStateName(s.state)},
                         {"sockets", s.sockets}});
    out.push_back({{"pid", p.pid},
                   {"name", p.name},
                   {"services", p.services},
                   {"user", p.user},
                   {"executable", p.executable},
                   {"handles", p.handles},
                   {"tcp_in_use", p.in_use[0]},
                   {"udp_in_use", p.in_use[1]},
                   {"sockets", sockets}});
  }
  return out;
}

json Destinations(const PortUsageReport& r, std::size_t top) {
  json out = json::array();
  for (std::size_t i = 0; i < r.destinations.size() && i < top; ++i) {
    const DestinationUsage& d = r.destinations[i];
    out.push_back({{"protocol", ProtocolName(d.protocol)},
                   {"address", d.remote_address},
                   {"port", d.remote_port},
                   {"in_use", d.in_use},
                   {"ratio", d.usage_ratio}});
  }
  return out;
}

json LocalAddresses(const PortUsageReport& r, std::size_t top) {
  json out = json::array();
  for (std::size_t i = 0; i < r.local_addresses.size() && i < top; ++i) {
    const LocalAddressUsage& a = r.local_addresses[i];
    out.push_back({{"protocol", ProtocolName(a.protocol)},
                   {"address", a.address},
                   {"in_use", a.in_use},
                   {"capacity", a.capacity},
                   {"ratio", a.usage_ratio},
                   {"listening_ports", a.listening_ports},
                   {"processes", a.processes}});
  }
  return out;
}

json ConnectEventsJson(const ConnectEvents& c, std::size_t top) {
  if (!c.valid) return nullptr;
  json processes = json::array();
  for (std::size_t i = 0; i < c.processes.size() && i < top; ++i)
    processes.push_back(
        {{"pid", c.processes[i].pid},
         {"name", c.processes[i].name},
         {"connect_failures", c.processes[i].connect_failures},
         {"connects", c.processes[i].connects},
         {"port_zero_failures", c.processes[i].port_zero_failures}});
  json destinations = json::array();
  for (std::size_t i = 0; i < c.destinations.size() && i < top; ++i)
    destinations.push_back(
        {{"protocol", ProtocolName(c.destinations[i].protocol)},
         {"address", c.destinations[i].address.ToString()},
         {"port", c.destinations[i].port},
         {"failures", c.destinations[i].failures}});
  return {{"tcp_connect_failures",
           c.tcp_connect_failures[0] + c.tcp_connect_failures[1]},
          {"bind_failures", c.bind_failures[0] + c.bind_failures[1]},
          {"udp_autobind_failures", c.udp_autobind_failures},
          {"processes", processes},
          {"destinations", destinations}};
}

json Worst(const PortUsageReport& r, std::size_t top) {
  json unattributed = json::array();
  for (const UnattributedUsage& u : r.unattributed)
    unattributed.push_back({{"protocol", ProtocolName(u.protocol)},
                            {"reason", u.reason},
                            {"in_use", u.in_use},
                            {"sockets", u.sockets}});
  json collectors = json::array();
  for (const CollectorStatus& c : r.collectors)
    collectors.push_back({{"name", c.name},
                          {"success", c.success},
                          {"duration_seconds", c.duration_seconds},
                          {"error", c.error}});
  json events = nullptr;
  if (r.events.valid) {
    events = json::object();
    for (const auto& [id, count] : r.events.by_id) {
      auto newest = r.events.newest_seconds.find(id);
      events[std::to_string(id)] = {
          {"count", count},
          {"newest",
           newest == r.events.newest_seconds.end() ? 0.0 : newest->second}};
    }
  }
  return {{"headlines", Headlines(r)},
          {"pools", Pools(r)},
          {"states", States(r)},
          {"processes_collected", r.processes_collected},
          {"processes", Processes(r, top)},
          {"destinations", Destinations(r, top)},
          {"local_addresses", LocalAddresses(r, top)},
          {"unattributed", unattributed},
          {"connect_events", ConnectEventsJson(r.connect_events, top)},
          {"tcpip_events", events},
          {"collectors", collectors}};
}

json IncidentObject(const Incident& incident, std::size_t top) {
  return {{"format", kIncidentFormat},
          {"id", incident.id},
          {"opened", incident.opened_seconds},
          {"closed", incident.closed_seconds},
          {"updated", incident.updated_seconds},
          {"trigger", incident.trigger},
          {"peak",
           {{"headline", incident.peak_headline},
            {"ratio", incident.peak_ratio},
            {"time", incident.peak_seconds}}},
          {"failures", incident.failures},
          {"tcpip_events", incident.events},
          {"worst", Worst(incident.worst, top)}};
}

}  // namespace

std::string IncidentToJson(const Incident& incident, std::size_t max_bytes) {
  std::size_t top = std::max(
      {incident.worst.processes.size(), incident.worst.destinations.size(),
       incident.worst.local_addresses.size(),
       incident.worst.connect_events.processes.size(),
       incident.worst.connect_events.destinations.size(), std::size_t{1}});
  for (;;) {
    std::string text = IncidentObject(incident, top)
                           .dump(1, ' ', false, json::error_handler_t::replace);
    if (text.size() <= max_bytes) return text;
    if (top == 0) return "";
    top /= 2;
  }
}

bool ParseIncidentSummary(const std::string& text, IncidentSummary* out,
                          std::string* error) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    *error = "not JSON";
    return false;
  }
  if (!doc.is_object() || doc.value("format", "") != kIncidentFormat) {
    *error =
        std::string("not an incident (format is not ") + kIncidentFormat + ")";
    return false;
  }
  try {
    IncidentSummary s;
    s.id = doc.at("id").get<std::string>();
    s.opened_seconds = doc.at("opened").get<double>();
    s.closed_seconds = doc.at("closed").get<double>();
    s.trigger = doc.at("trigger").get<std::string>();
    const json& peak = doc.at("peak");
    s.peak_headline = peak.at("headline").get<std::string>();
    s.peak_ratio = peak.at("ratio").get<double>();
    s.peak_seconds = peak.at("time").get<double>();
    const json& processes = doc.at("worst").at("processes");
    if (!processes.empty()) {
      s.top_process = processes.at(0).at("name").get<std::string>();
      s.top_process_pid = processes.at(0).at("pid").get<std::int64_t>();
    }
    *out = s;
    return true;
  } catch (const json::exception& e) {
    *error =
        std::string("incident field missing or of the wrong type: ") + e.what();
    return false;
  }
}

bool MarkIncidentInterrupted(const std::string& text, std::string* out) {
  IncidentSummary summary;
  std::string error;
  if (!ParseIncidentSummary(text, &summary, &error) ||
      summary.closed_seconds > 0)
    return false;
  json doc = json::parse(text, nullptr, false);
  doc["closed"] = doc.value("updated", summary.opened_seconds);
  doc["closed_by"] = "exporter stopped";
  *out = doc.dump(1, ' ', false, json::error_handler_t::replace);
  return true;
}

}  // namespace epx
