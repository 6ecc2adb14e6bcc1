// SPDX-License-Identifier: Apache-2.0
#include "http/incident_history_pages.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

#include "http/html.h"

namespace epx {

namespace {

using nlohmann::json;

constexpr const char* kPrefix = "/incidents/";

std::string UtcTime(double unix_seconds) {
  if (unix_seconds <= 0) return "";
  std::string id = IncidentId(unix_seconds);
  return id.substr(0, 4) + "-" + id.substr(4, 2) + "-" + id.substr(6, 2) + " " +
         id.substr(9, 2) + ":" + id.substr(11, 2) + ":" + id.substr(13, 2) +
         " UTC";
}

std::string Percent(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", ratio * 100);
  return text;
}

std::string Page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>" +
         EscapeHtml(title) +
         "</title><style>body{font-family:sans-serif;margin:1em 2em}"
         "table{border-collapse:collapse;margin-bottom:1em}"
         "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
         "td.n{text-align:right}</style></head><body>\n" +
         body + "</body></html>\n";
}

std::string Cell(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  if (value.is_array()) {
    std::string out;
    for (const json& item : value) {
      if (!out.empty()) out += ", ";
      if (item.is_object()) {
        std::string part;
        for (const auto& [key, field] : item.items())
          part += (part.empty() ? "" : " ") + Cell(field);
        out += part;
      } else {
        out += Cell(item);
      }
    }
    return out;
  }
  return value.dump();
}

// A table of an array of flat objects, one column per key of the first row.
std::string Table(const std::string& title, const json& rows) {
  std::ostringstream out;
  out << "<h2>" << EscapeHtml(title) << "</h2>\n";
  if (!rows.is_array() || rows.empty() || !rows[0].is_object()) {
    out << "<p>none recorded</p>\n";
    return out.str();
  }
  std::vector<std::string> header;
  std::vector<bool> numeric;
  for (const auto& [key, value] : rows[0].items()) {
    header.push_back(key);
    numeric.push_back(value.is_number());
  }
  HtmlTable table(header, numeric);
  for (const json& row : rows) {
    std::vector<std::string> cells;
    cells.reserve(header.size());
    for (const std::string& key : header)
      cells.push_back(row.is_object() && row.contains(key) ? Cell(row[key])
                                                           : "");
    table.Add(cells);
  }
  out << table.Render();
  return out.str();
}

std::string ListHtml(const std::vector<IncidentSummary>& list) {
  HtmlTable table({"incident", "opened", "closed", "trigger", "peak", "peak at",
                   "top process"},
                  {false, false, false, false, true, false, false});
  for (const IncidentSummary& s : list) {
    table.Add(
        {s.id, UtcTime(s.opened_seconds),
         s.closed_seconds > 0 ? UtcTime(s.closed_seconds) : "open", s.trigger,
         s.peak_headline + " " + Percent(s.peak_ratio), UtcTime(s.peak_seconds),
         s.top_process.empty() ? ""
                               : s.top_process + " (pid " +
                                     std::to_string(s.top_process_pid) + ")"},
        {{"data-id", s.id}});
  }
  std::string links;
  for (const IncidentSummary& s : list)
    links += "<li><a href=\"/incidents/" + s.id + "\">" + s.id + "</a></li>\n";
  return Page(
      "Incidents",
      "<h1>Incidents</h1>\n<p>The worst moment of each incident "
      "this host recorded, newest first (<a "
      "href=\"/incidents.json\">JSON</a>).</p>\n" +
          (list.empty() ? std::string("<p>none recorded</p>\n")
                        : table.Render() + "<ul>\n" + links + "</ul>\n"));
}

std::string ListJson(const std::vector<IncidentSummary>& list) {
  json out = json::array();
  for (const IncidentSummary& s : list)
    out.push_back({{"id", s.id},
                   {"opened", s.opened_seconds},
                   {"closed", s.closed_seconds},
                   {"trigger", s.trigger},
                   {"peak_headline", s.peak_headline},
                   {"peak_ratio", s.peak_ratio},
                   {"peak_time", s.peak_seconds},
                   {"top_process", s.top_process},
                   {"top_process_pid", s.top_process_pid}});
  return out.dump(1) + "\n";
}

std::string IncidentHtml(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "";
  const json& worst = doc.value("worst", json::object());
  const json& peak = doc.value("peak", json::object());
  std::string id = doc.value("id", "");
  std::ostringstream out;
  out << "<h1>Incident " << EscapeHtml(id) << "</h1>\n<dl>"
      << "<dt>opened</dt><dd id=\"opened\">"
      << UtcTime(doc.value("opened", 0.0)) << "</dd><dt>closed</dt><dd>"
      << (doc.value("closed", 0.0) > 0
              ? UtcTime(doc.value("closed", 0.0)) +
                    (doc.contains("closed_by")
                         ? " (" + EscapeHtml(doc.value("closed_by", "")) + ")"
                         : std::string())
              : std::string("still open"))
      << "</dd><dt>trigger</dt><dd>" << EscapeHtml(doc.value("trigger", ""))
      << "</dd><dt>worst moment</dt><dd id=\"peak\">"
      << EscapeHtml(peak.value("headline", "")) << " "
      << Percent(peak.value("ratio", 0.0)) << " at "
      << UtcTime(peak.value("time", 0.0))
      << "</dd><dt>connect failures while open</dt><dd>"
      << doc.value("failures", 0) << "</dd></dl>\n<p><a href=\"/incidents/"
      << EscapeHtml(id) << ".json\">JSON</a> · <a href=\"/incidents\">all "
      << "incidents</a> · <a href=\"/runbook\">runbook</a></p>\n";
  out << Table("Headlines", worst.value("headlines", json::array()))
      << Table("Processes", worst.value("processes", json::array()))
      << Table("Destinations", worst.value("destinations", json::array()))
      << Table("Local addresses", worst.value("local_addresses", json::array()))
      << Table("Sockets by state", worst.value("states", json::array()))
      << Table("Not attributed", worst.value("unattributed", json::array()))
      << Table("Pools", worst.value("pools", json::array()));
  const json& events = worst.value("connect_events", json());
  if (events.is_object()) {
    out << Table("Connect failures by process",
                 events.value("processes", json::array()))
        << Table("Connect failures by destination",
                 events.value("destinations", json::array()));
  }
  out << Table("Collectors", worst.value("collectors", json::array()));
  return Page("Incident " + id, out.str());
}

}  // namespace

bool ServeIncidentHistory(IncidentStore* store, const std::string& path,
                          std::string* body, std::string* content_type) {
  if (path == "/incidents" || path == "/incidents.json") {
    std::vector<IncidentSummary> list = store->List();
    bool as_json = path == "/incidents.json";
    *body = as_json ? ListJson(list) : ListHtml(list);
    *content_type = as_json ? "application/json" : "text/html; charset=utf-8";
    return true;
  }
  if (path.rfind(kPrefix, 0) != 0) return false;
  std::string id = path.substr(std::string(kPrefix).size());
  bool as_json = id.size() > 5 && id.substr(id.size() - 5) == ".json";
  if (as_json) id.resize(id.size() - 5);
  std::string text;
  if (!store->Read(id, &text)) return false;
  if (as_json) {
    *body = text;
    *content_type = "application/json";
    return true;
  }
  *body = IncidentHtml(text);
  *content_type = "text/html; charset=utf-8";
  return !body->empty();
}

}  // namespace epx
