// SPDX-License-Identifier: Apache-2.0
// Decisions of the Windows service mode, kept free of Windows headers so they
// are unit-tested on every OS (tests/unit/windows/service_policy_test.cc).
#pragma once

#include <cstdint>
#include <string>

namespace epx {

/// Console control types (Console-Docs handlerroutine.md).
enum ConsoleControl : std::uint32_t {
  kCtrlC = 0,
  kCtrlBreak = 1,
  kCtrlClose = 2,
  kCtrlLogoff = 5,
  kCtrlShutdown = 6,
};

/// Whether the console handler takes `type` as a stop request and returns
/// TRUE. A service leaves logoff and shutdown to the system's modified
/// default handler (returning TRUE would let the system end the process at
/// once) and stops on SERVICE_CONTROL_SHUTDOWN instead.
bool ConsoleControlStopsProcess(std::uint32_t type, bool as_service);

/// Checkpoints of a START_PENDING or STOP_PENDING phase: a new checkpoint
/// only when the work reached a milestone ("Be sure to call SetServiceStatus
/// only if the initialization is making progress", win32
/// desktop-src/Services/service-servicemain-function.md).
class PendingProgress {
 public:
  /// A new pending phase: checkpoint 1.
  void Begin() { checkpoint_ = 1; }
  /// The work reached a milestone: the checkpoint rises by one.
  void Milestone() {
    if (checkpoint_ > 0) ++checkpoint_;
  }
  /// Not pending any more: checkpoint 0.
  void End() { checkpoint_ = 0; }
  /// The checkpoint to report now.
  std::uint32_t checkpoint() const { return checkpoint_; }

 private:
  std::uint32_t checkpoint_ = 0;
};

/// The last start error of the service, kept across restarts in the data
/// folder (start-error.txt) so a permanent one is not logged on every
/// restart.
struct StartErrorRecord {
  std::string message;
  std::uint64_t repeats = 0;  // starts that failed with it, this one included
};

/// Counts a start that failed with `message` in *record; true when it must
/// be logged: a new message, or the 10th, 100th, 1000th... time in a row.
bool NoteStartError(const std::string& message, StartErrorRecord* record);

/// The record as one line ("<repeats> <message>") and back; a line that does
/// not parse gives an empty record.
std::string FormatStartErrorRecord(const StartErrorRecord& record);
StartErrorRecord ParseStartErrorRecord(const std::string& line);

}  // namespace epx
