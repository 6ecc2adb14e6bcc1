// SPDX-License-Identifier: Apache-2.0
#include "http/incident_history_pages.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

#include "http/html.h"
#include "http/page_templates.h"

namespace epx {

namespace {

using nlohmann::json;

constexpr const char* kPrefix = "/incidents/";

std::string UtcTime(double unix_seconds) {
  return IncidentTimeText(unix_seconds);
}

std::string Percent(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", ratio * 100);
  return text;
}

std::string Page(const std::string& title, const std::string& body) {
  TemplateData page;
  page.set("title", title);
  page.set("body", body);
  return RenderTemplate(kHistoryPageTemplate, page);
}

std::string Closed(const IncidentSummary& s) {
  return s.closed_seconds > 0 ? UtcTime(s.closed_seconds) : "open";
}

std::string Peak(const IncidentSummary& s) {
  return s.peak_headline + " " + Percent(s.peak_ratio);
}

std::string TopProcess(const IncidentSummary& s) {
  return s.top_process.empty() ? ""
                               : s.top_process + " (pid " +
                                     std::to_string(s.top_process_pid) + ")";
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

// The columns an administrator reads first in each table of an incident,
// in this order; the file's other keys follow alphabetically.
std::vector<const char*> LeadingColumns(const std::string& anchor) {
  if (anchor == "headlines")
    return {"protocol", "ratio", "worst_in_use", "capacity", "rule"};
  if (anchor == "processes")
    return {"pid",     "name",     "tcp_in_use", "udp_in_use",
            "handles", "services", "user"};
  if (anchor == "destinations" || anchor == "failing-destinations")
    return {"protocol", "address", "port", "in_use", "failures", "ratio"};
  if (anchor == "local")
    return {"address", "protocol", "in_use", "capacity", "ratio"};
  if (anchor == "failing-processes") return {"pid", "name", "connect_failures"};
  if (anchor == "states") return {"protocol", "family", "state", "sockets"};
  return {};
}

// A table of an array of flat objects, one column per key of the first
// row; anchor names it in the page.
TemplateData Table(const std::string& anchor, const std::string& title,
                   const json& rows) {
  TemplateData section;
  section.set("anchor", anchor);
  section.set("title", title);
  bool has_rows = rows.is_array() && !rows.empty() && rows[0].is_object();
  section.set("has_rows", has_rows);
  if (!has_rows) return section;
  std::vector<std::string> header;
  for (const char* key : LeadingColumns(anchor))
    if (rows[0].contains(key)) header.emplace_back(key);
  for (const auto& [key, value] : rows[0].items())
    if (std::find(header.begin(), header.end(), key) == header.end())
      header.push_back(key);
  std::vector<bool> numeric(header.size());
  for (std::size_t i = 0; i < header.size(); ++i)
    numeric[i] = rows[0][header[i]].is_number();
  HtmlTable table(header, numeric);
  for (const json& row : rows) {
    std::vector<std::string> cells;
    cells.reserve(header.size());
    for (const std::string& key : header)
      cells.push_back(row.is_object() && row.contains(key) ? Cell(row[key])
                                                           : "");
    table.Add(cells);
  }
  section.set("table", table.Render(anchor));
  return section;
}

std::string ListHtml(const std::vector<IncidentSummary>& list) {
  HtmlTable table({"incident", "opened", "closed", "trigger", "peak", "peak at",
                   "top process"},
                  {false, false, false, false, true, false, false});
  TemplateData links = TemplateList();
  for (const IncidentSummary& s : list) {
    std::vector<std::pair<std::string, std::string>> attributes = {
        {"data-id", s.id}};
    if (s.closed_seconds <= 0) attributes.emplace_back("class", "open");
    table.Add({s.id, UtcTime(s.opened_seconds), Closed(s), s.trigger, Peak(s),
               UtcTime(s.peak_seconds), TopProcess(s)},
              attributes);
    links.push_back(TemplateData("id", s.id));
  }
  TemplateData body;
  body.set("has_incidents", !list.empty());
  body.set("table", table.Render("incidents"));
  body.set("incidents", links);
  return Page("Incidents", RenderTemplate(kIncidentListTemplate, body));
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
  double closed = doc.value("closed", 0.0);
  TemplateData page;
  page.set("id", id);
  page.set("opened", UtcTime(doc.value("opened", 0.0)));
  page.set("closed", closed > 0
                         ? UtcTime(closed) +
                               (doc.contains("closed_by")
                                    ? " (" + doc.value("closed_by", "") + ")"
                                    : std::string())
                         : std::string("still open"));
  page.set("trigger", doc.value("trigger", ""));
  page.set("peak", peak.value("headline", "") + " " +
                       Percent(peak.value("ratio", 0.0)) + " at " +
                       UtcTime(peak.value("time", 0.0)));
  page.set("failures", std::to_string(doc.value("failures", 0)));
  TemplateData tables = TemplateList();
  auto add = [&](const char* anchor, const char* title, const json& from,
                 const char* key) {
    tables.push_back(Table(anchor, title, from.value(key, json::array())));
  };
  add("headlines", "Headlines", worst, "headlines");
  add("processes", "Processes", worst, "processes");
  add("destinations", "Destinations", worst, "destinations");
  add("local", "Local addresses", worst, "local_addresses");
  add("states", "Sockets by state", worst, "states");
  add("unattributed", "Not attributed", worst, "unattributed");
  add("pools", "Pools", worst, "pools");
  const json& events = worst.value("connect_events", json());
  if (events.is_object()) {
    add("failing-processes", "Connect failures by process", events,
        "processes");
    add("failing-destinations", "Connect failures by destination", events,
        "destinations");
  }
  add("collectors", "Collectors", worst, "collectors");
  page.set("tables", tables);
  return Page("Incident " + id, RenderTemplate(kIncidentDetailTemplate, page));
}

}  // namespace

std::string RecentIncidentsHtml(IncidentStore* store, std::size_t shown) {
  std::vector<IncidentSummary> list = store->List();
  TemplateData rows = TemplateList();
  for (std::size_t i = 0; i < list.size() && i < shown; ++i) {
    const IncidentSummary& s = list[i];
    TemplateData row;
    row.set("id", s.id);
    row.set("open", s.closed_seconds <= 0);
    row.set("opened", UtcTime(s.opened_seconds));
    row.set("closed", Closed(s));
    row.set("peak", Peak(s));
    row.set("top_process", TopProcess(s));
    rows.push_back(row);
  }
  TemplateData section;
  section.set("has_incidents", !list.empty());
  section.set("incidents", rows);
  section.set("shown", std::to_string(std::min(shown, list.size())));
  section.set("total", std::to_string(list.size()));
  section.set("has_error", !store->Writable());
  section.set("error", "the last write to " + store->Directory() +
                           " failed, so an incident may be missing");
  return RenderTemplate(kRecentIncidentsTemplate, section);
}

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
