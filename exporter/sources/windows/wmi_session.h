// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace epx {

/// One instance returned by a WMI query: its numeric properties (any
/// integer VARIANT that fits 32 bits) and string properties; NULL or
/// missing properties are absent.
struct WmiRow {
  std::map<std::string, std::uint32_t> numbers;
  std::map<std::string, std::string> strings;
};

/// A connection to one WMI namespace, owned by a COM (MTA) thread of its
/// own that is set up once: CoInitializeSecurity before any other COM use,
/// ConnectServer with WBEM_FLAG_CONNECT_USE_MAX_WAIT, a reconnect after a
/// failed call. Callers wait at most their timeout; a call that WMI does
/// not answer in time is abandoned to the thread, and further calls fail at
/// once until it returns. Thread-safe.
class WmiSession {
 public:
  /// `wmi_namespace` such as L"ROOT\\StandardCimv2"; the thread starts at
  /// the first query.
  explicit WmiSession(std::wstring wmi_namespace);
  /// Asks the thread to end; does not wait for a call WMI still holds.
  ~WmiSession();
  WmiSession(const WmiSession&) = delete;
  WmiSession& operator=(const WmiSession&) = delete;

  /// Runs a WQL query and reads `properties` of every instance. False with
  /// *error (the WMI error named) when it fails, takes longer than
  /// `timeout_ms`, or `cancel` becomes true while waiting.
  bool Query(const std::string& wql, const std::vector<std::string>& properties,
             unsigned timeout_ms, const std::atomic<bool>* cancel,
             std::vector<WmiRow>* rows, std::string* error);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

/// Name of a WBEM_E_* / WBEM_S_* code (wbemcli.h) such as
/// "WBEM_E_INVALID_QUERY", or "" for other codes; pure.
const char* WbemCodeName(std::uint32_t hresult);

}  // namespace epx
