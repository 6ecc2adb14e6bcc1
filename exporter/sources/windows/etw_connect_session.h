// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "model/snapshot.h"
#include "sources/windows/etw_connect_tally.h"

namespace epx {

/// A real-time ETW session that delivers only the connect events the
/// collector counts (Microsoft-Windows-Kernel-Network 12/28, connects that
/// got a port; Microsoft-Windows-TCPIP 1050, connects that found none:
/// event-id filters in EnableTraceEx2), decodes them on its own
/// ProcessTrace thread and counts them in memory; reading takes counts
/// only. Thread-safe.
class EtwConnectSession {
 public:
  /// `name`: the session's name; one of that name left by a crashed
  /// process is stopped and replaced on Start().
  explicit EtwConnectSession(std::wstring name);
  /// Stops the session and joins its thread.
  ~EtwConnectSession();
  EtwConnectSession(const EtwConnectSession&) = delete;
  EtwConnectSession& operator=(const EtwConnectSession&) = delete;

  /// Starts the session once; false with *error naming what is missing
  /// (the privilege: Administrators or Performance Log Users; ETW itself).
  /// A failure is kept for Read() and not retried.
  bool Start(std::string* error);
  /// Counts since Start(), with the events ETW lost (EventsLost and
  /// real-time buffers lost); false with the start error.
  bool Read(ConnectEvents* out, std::string* error);
  /// Events delivered so far that were decoded (tests poll on it).
  std::uint64_t DecodedEvents();

  struct State;

 private:
  void Stop();

  std::wstring name_;
  std::mutex start_mutex_;
  bool tried_ = false;
  std::string start_error_;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace epx
