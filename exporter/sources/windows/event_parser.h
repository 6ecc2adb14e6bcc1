// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "model/snapshot.h"

namespace epx {

/// Tcpip event ids that mean the ephemeral port pool ran dry: 4227 (a
/// TIME_WAIT port could not be reused), 4231 (a request to allocate a port
/// from the global TCP port space failed) and 4266 (the same for the global
/// UDP port space; seen on Server 2016, for example
/// https://dimitri.janczak.net/2017/10/24/windows-2016-remote-desktop-cannot-verify-identity/).
constexpr int kTcpipEventTimeWaitReuse = 4227;
constexpr int kTcpipEventPortAllocationFailed = 4231;
constexpr int kTcpipEventUdpPortAllocationFailed = 4266;

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

/// Pure: an event's TimeCreated/@SystemTime (ISO 8601 in UTC, "Z", with or
/// without fractional seconds) as Unix seconds; false if malformed.
bool ParseSystemTime(const std::string& text, double* unix_seconds);

/// Pure: the XPath query for the System log selecting Tcpip events 4227,
/// 4231 and 4266 newer than `lookback_ms` milliseconds (0: no time limit)
/// and with a record id above `after_record_id` (0: no limit).
std::string TcpipEventQuery(std::uint64_t lookback_ms,
                            std::uint64_t after_record_id);

/// Running counts of Tcpip port-exhaustion events logged since the first
/// read of the log, and the newest event time of each id; each record is
/// counted once however often the log is read. The first read (the
/// look-back at start) sets the newest times and record id only: those
/// events were counted by the process before a restart, and counting them
/// again would show a restart as a burst of events. Not thread-safe.
class TcpipEventTally {
 public:
  /// Takes the event if it is a Tcpip 4227/4231/4266 not seen before:
  /// its time always, its count only after EndFirstRead().
  void Add(const LoggedEvent& event);
  /// The first read of the log completed; from now on events are counted.
  void EndFirstRead() { counting_ = true; }
  /// Highest record id counted so far (0 before any).
  std::uint64_t last_record_id() const { return last_record_id_; }
  /// Forgets the record ids seen (the log was cleared and numbers restart);
  /// counts and newest timestamps are kept.
  void ForgetRecordIds() { last_record_id_ = 0; }
  /// Counts and newest timestamps by id; every id is always present.
  EventCounts Counts() const;

 private:
  bool counting_ = false;
  std::uint64_t last_record_id_ = 0;
  std::map<int, std::uint64_t> counts_;
  std::map<int, double> newest_;
};

/// Pure: where the next incremental read of the System log starts. The log
/// is described by its oldest record number and record count
/// (EvtGetLogInfo); every read asks only for records after the newest one
/// the previous read saw (before any read completed: after the last record
/// taken), so a read costs what was written since. A log whose newest record
/// number went below that was cleared. Not thread-safe.
class EventLogCursor {
 public:
  /// Record id after which to read now (0: the whole look-back window),
  /// given the highest record id counted so far (`last_counted`, which a
  /// first read that failed part-way leaves above 0); *cleared is true when
  /// the log was cleared since the previous read.
  std::uint64_t Begin(std::uint64_t oldest_record, std::uint64_t record_count,
                      std::uint64_t last_counted, bool* cleared);
  /// Records that the read begun last saw the log up to `newest_record`.
  void Commit(std::uint64_t newest_record);

 private:
  bool started_ = false;
  std::uint64_t newest_ = 0;
  std::uint64_t pending_ = 0;
};

}  // namespace epx
