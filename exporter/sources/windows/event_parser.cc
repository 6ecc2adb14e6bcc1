#include "sources/windows/event_parser.h"

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

std::string TcpipEventQuery(std::uint64_t lookback_ms,
                            std::uint64_t after_record_id) {
  std::string q = "*[System[Provider[@Name='Tcpip'] and (EventID=" +
                  std::to_string(kTcpipEventTimeWaitReuse) + " or EventID=" +
                  std::to_string(kTcpipEventPortAllocationFailed) + ")";
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
      event.event_id != kTcpipEventPortAllocationFailed) {
    return;
  }
  if (event.record_id != 0 && event.record_id <= last_record_id_) return;
  if (event.record_id > last_record_id_) last_record_id_ = event.record_id;
  if (event.event_id == kTcpipEventTimeWaitReuse) {
    ++time_wait_reuse_;
  } else {
    ++allocation_failed_;
  }
}

EventCounts TcpipEventTally::Counts() const {
  EventCounts c;
  c.valid = true;
  c.by_id[kTcpipEventTimeWaitReuse] = time_wait_reuse_;
  c.by_id[kTcpipEventPortAllocationFailed] = allocation_failed_;
  return c;
}

}  // namespace epx
