// SPDX-License-Identifier: Apache-2.0
#include "platform/service_policy.h"

namespace epx {

bool ConsoleControlStopsProcess(std::uint32_t type, bool as_service) {
  if (as_service && (type == kCtrlLogoff || type == kCtrlShutdown))
    return false;
  return true;
}

bool NoteStartError(const std::string& message, StartErrorRecord* record) {
  if (record->message != message) {
    record->message = message;
    record->repeats = 1;
    return true;
  }
  std::uint64_t n = ++record->repeats;
  while (n % 10 == 0) n /= 10;
  return n == 1;
}

std::string FormatStartErrorRecord(const StartErrorRecord& record) {
  return std::to_string(record.repeats) + " " + record.message;
}

StartErrorRecord ParseStartErrorRecord(const std::string& line) {
  StartErrorRecord record;
  std::size_t space = line.find(' ');
  if (space == 0 || space == std::string::npos) return record;
  for (std::size_t i = 0; i < space; ++i)
    if (line[i] < '0' || line[i] > '9') return record;
  record.repeats = std::stoull(line.substr(0, space));
  record.message = line.substr(space + 1);
  while (!record.message.empty() &&
         (record.message.back() == '\n' || record.message.back() == '\r'))
    record.message.pop_back();
  return record;
}

}  // namespace epx
