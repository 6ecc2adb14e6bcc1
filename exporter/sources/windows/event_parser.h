#pragma once

#include <cstdint>
#include <string>

#include "model/snapshot.h"

namespace epx {

/// Tcpip event ids that mean the ephemeral port pool ran dry: 4227 (a
/// TIME_WAIT port could not be reused) and 4231 (a request to allocate a port
/// from the global TCP port space failed).
constexpr int kTcpipEventTimeWaitReuse = 4227;
constexpr int kTcpipEventPortAllocationFailed = 4231;

/// The fields of one System log event that the exporter needs.
struct LoggedEvent {
  std::string provider;
  int event_id = 0;
  std::uint64_t record_id = 0;
  /// TimeCreated/@SystemTime as written, e.g. "2024-03-11T09:14:22.12Z".
  std::string system_time;
};

/// Pure: reads an event rendered as XML (EvtRender with EvtRenderEventXml,
/// converted to UTF-8). False with *error if Provider/@Name, EventID or
/// EventRecordID is missing or malformed.
bool ParseEventXml(const std::string& xml, LoggedEvent* out,
                   std::string* error);

/// Pure: the XPath query for the System log selecting Tcpip events 4227 and
/// 4231 newer than `lookback_ms` milliseconds (0: no time limit) and with a
/// record id above `after_record_id` (0: no limit).
std::string TcpipEventQuery(std::uint64_t lookback_ms,
                            std::uint64_t after_record_id);

/// Running counts of Tcpip port-exhaustion events; each record is counted
/// once however often the log is read. Not thread-safe.
class TcpipEventTally {
 public:
  /// Counts the event if it is a Tcpip 4227/4231 not seen before.
  void Add(const LoggedEvent& event);
  /// Highest record id counted so far (0 before any).
  std::uint64_t last_record_id() const { return last_record_id_; }
  /// Counts by id; both ids are always present; valid is true.
  EventCounts Counts() const;

 private:
  std::uint64_t last_record_id_ = 0;
  std::uint64_t time_wait_reuse_ = 0;
  std::uint64_t allocation_failed_ = 0;
};

}  // namespace epx
