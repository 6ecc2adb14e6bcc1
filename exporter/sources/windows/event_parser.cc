// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/event_parser.h"

#include <algorithm>

namespace epx {
namespace {

// Text of the first <tag ...>text</tag> element, or false.
bool ElementText(const std::string& xml, const std::string& tag,
                 std::string* out) {
  std::size_t pos = 0;
  for (;;) {
    pos = xml.find("<" + tag, pos);
    if (pos == std::string::npos) return false;
    char next =
        pos + 1 + tag.size() < xml.size() ? xml[pos + 1 + tag.size()] : '\0';
    if (next == '>' || next == ' ' || next == '\t' || next == '\r' ||
        next == '\n') {
      break;
    }
    pos += 1 + tag.size();
  }
  std::size_t open_end = xml.find('>', pos);
  if (open_end == std::string::npos || xml[open_end - 1] == '/') return false;
  std::size_t close = xml.find('<', open_end + 1);
  if (close == std::string::npos) return false;
  *out = xml.substr(open_end + 1, close - open_end - 1);
  return true;
}

// Value of attribute `attr` in the first <tag ...> element, or false.
bool Attribute(const std::string& xml, const std::string& tag,
               const std::string& attr, std::string* out) {
  std::size_t pos = xml.find("<" + tag + " ");
  if (pos == std::string::npos) return false;
  std::size_t end = xml.find('>', pos);
  if (end == std::string::npos) return false;
  std::string element = xml.substr(pos, end - pos);
  std::size_t a = element.find(" " + attr + "=");
  if (a == std::string::npos) return false;
  std::size_t q = a + attr.size() + 2;
  if (q >= element.size() || (element[q] != '\'' && element[q] != '"'))
    return false;
  std::size_t close = element.find(element[q], q + 1);
  if (close == std::string::npos) return false;
  *out = element.substr(q + 1, close - q - 1);
  return true;
}

bool Unsigned(const std::string& s, std::uint64_t max, std::uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseEventXml(const std::string& xml, LoggedEvent* out,
                   std::string* error) {
  LoggedEvent e;
  if (!Attribute(xml, "Provider", "Name", &e.provider)) {
    *error = "event XML has no Provider Name";
    return false;
  }
  std::string text;
  std::uint64_t id = 0;
  if (!ElementText(xml, "EventID", &text) || !Unsigned(text, 65535, &id)) {
    *error = "event XML has no numeric EventID";
    return false;
  }
  e.event_id = static_cast<int>(id);
  if (!ElementText(xml, "EventRecordID", &text) ||
      !Unsigned(text, ~std::uint64_t{0} / 10, &e.record_id)) {
    *error = "event XML has no numeric EventRecordID";
    return false;
  }
  Attribute(xml, "TimeCreated", "SystemTime", &e.system_time);
  *out = e;
  return true;
}

bool ParseSystemTime(const std::string& text, double* unix_seconds) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':' || text.back() != 'Z') {
    return false;
  }
  auto number = [&](std::size_t at, std::size_t len, std::uint64_t max,
                    std::uint64_t* out) {
    return Unsigned(text.substr(at, len), max, out);
  };
  std::uint64_t year, month, day, hour, minute, second;
  if (!number(0, 4, 9999, &year) || !number(5, 2, 12, &month) ||
      !number(8, 2, 31, &day) || !number(11, 2, 23, &hour) ||
      !number(14, 2, 59, &minute) || !number(17, 2, 60, &second) ||
      year < 1970 || month == 0 || day == 0) {
    return false;
  }
  double fraction = 0;
  std::size_t end = text.size() - 1;
  if (end > 19) {
    if (text[19] != '.' || end == 20) return false;
    double scale = 0.1;
    for (std::size_t i = 20; i < end; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      fraction += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  // Days from 1970-01-01 to the civil date (proleptic Gregorian).
  std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  std::int64_t era = y / 400;
  std::int64_t yoe = y - era * 400;
  std::int64_t m = static_cast<std::int64_t>(month);
  std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 +
                     static_cast<std::int64_t>(day) - 1;
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days = era * 146097 + doe - 719468;
  *unix_seconds = static_cast<double>(days * 86400 +
                                      static_cast<std::int64_t>(hour) * 3600 +
                                      static_cast<std::int64_t>(minute) * 60 +
                                      static_cast<std::int64_t>(second)) +
                  fraction;
  return true;
}

std::string TcpipEventQuery(std::uint64_t lookback_ms,
                            std::uint64_t after_record_id) {
  std::string q =
      "*[System[Provider[@Name='Tcpip'] and (EventID=" +
      std::to_string(kTcpipEventTimeWaitReuse) +
      " or EventID=" + std::to_string(kTcpipEventPortAllocationFailed) +
      " or EventID=" + std::to_string(kTcpipEventUdpPortAllocationFailed) + ")";
  if (lookback_ms > 0)
    q += " and TimeCreated[timediff(@SystemTime) <= " +
         std::to_string(lookback_ms) + "]";
  if (after_record_id > 0)
    q += " and EventRecordID > " + std::to_string(after_record_id);
  return q + "]]";
}

void TcpipEventTally::Add(const LoggedEvent& event) {
  if (event.provider != "Tcpip" && event.provider != "Microsoft-Windows-Tcpip")
    return;
  if (event.event_id != kTcpipEventTimeWaitReuse &&
      event.event_id != kTcpipEventPortAllocationFailed &&
      event.event_id != kTcpipEventUdpPortAllocationFailed) {
    return;
  }
  if (event.record_id != 0 && event.record_id <= last_record_id_) return;
  if (event.record_id > last_record_id_) last_record_id_ = event.record_id;
  if (counting_) ++counts_[event.event_id];
  double seconds = 0;
  if (ParseSystemTime(event.system_time, &seconds)) {
    double& newest = newest_[event.event_id];
    if (seconds > newest) newest = seconds;
  }
}

EventCounts TcpipEventTally::Counts() const {
  EventCounts c;
  c.valid = true;
  for (int id : {kTcpipEventTimeWaitReuse, kTcpipEventPortAllocationFailed,
                 kTcpipEventUdpPortAllocationFailed}) {
    auto count = counts_.find(id);
    c.by_id[id] = count == counts_.end() ? 0 : count->second;
    auto newest = newest_.find(id);
    c.newest_seconds[id] = newest == newest_.end() ? 0 : newest->second;
  }
  return c;
}

std::uint64_t EventLogCursor::Begin(std::uint64_t oldest_record,
                                    std::uint64_t record_count,
                                    std::uint64_t last_counted, bool* cleared) {
  std::uint64_t newest =
      record_count == 0 ? 0 : oldest_record + record_count - 1;
  std::uint64_t after =
      started_ ? std::max(newest_, last_counted) : last_counted;
  *cleared = newest < after;
  pending_ = newest;
  return *cleared ? 0 : after;
}

void EventLogCursor::Commit(std::uint64_t newest_record) {
  started_ = true;
  newest_ = std::max(newest_record, pending_);
}

}  // namespace epx
