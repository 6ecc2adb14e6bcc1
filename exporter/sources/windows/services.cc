// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/services.h"

// clang-format off
#include <windows.h>
#include <tlhelp32.h>
// clang-format on

#include <cstdint>

#include "sources/windows/win_util.h"
#include "sources/windows/service_list_parser.h"

namespace epx {
namespace {

class ScHandle {
 public:
  explicit ScHandle(SC_HANDLE h) : h_(h) {}
  ~ScHandle() {
    if (h_ != nullptr) CloseServiceHandle(h_);
  }
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  SC_HANDLE get() const { return h_; }

 private:
  SC_HANDLE h_;
};

bool ReadProcesses(std::vector<ProcessEntry>* out, std::string* error) {
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE) {
    *error = "CreateToolhelp32Snapshot: " + WindowsErrorText(GetLastError());
    return false;
  }
  PROCESSENTRY32W entry{};
  entry.dwSize = sizeof entry;
  for (BOOL more = Process32FirstW(snap, &entry); more;
       more = Process32NextW(snap, &entry)) {
    ProcessEntry p;
    p.pid = entry.th32ProcessID;
    p.image_name = Utf8FromWide(entry.szExeFile);
    out->push_back(p);
  }
  CloseHandle(snap);
  return true;
}

bool ReadServices(std::vector<ServiceStatusEntry>* out, std::string* error) {
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ENUMERATE_SERVICE));
  if (scm.get() == nullptr) {
    *error = "OpenSCManager: " + WindowsErrorText(GetLastError());
    return false;
  }
  std::vector<std::uint8_t> buffer(64 * 1024);
  DWORD resume = 0;
  for (int round = 0; round < 64; ++round) {
    DWORD needed = 0, count = 0;
    BOOL ok = EnumServicesStatusExW(
        scm.get(), SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_ACTIVE,
        buffer.data(), static_cast<DWORD>(buffer.size()), &needed, &count,
        &resume, nullptr);
    DWORD err = ok ? ERROR_SUCCESS : GetLastError();
    if (!ok && err != ERROR_MORE_DATA) {
      *error = "EnumServicesStatusEx: " + WindowsErrorText(err);
      return false;
    }
    const auto* rows =
        reinterpret_cast<const ENUM_SERVICE_STATUS_PROCESSW*>(buffer.data());
    for (DWORD i = 0; i < count; ++i) {
      ServiceStatusEntry s;
      s.name = Utf8FromWide(rows[i].lpServiceName);
      s.current_state = rows[i].ServiceStatusProcess.dwCurrentState;
      s.pid = rows[i].ServiceStatusProcess.dwProcessId;
      out->push_back(s);
    }
    if (ok) return true;
    if (needed > buffer.size()) buffer.resize(needed);
  }
  *error = "EnumServicesStatusEx: list did not settle";
  return false;
}

}  // namespace

bool ReadProcessTable(std::map<std::int64_t, ProcessInfo>* out,
                      std::string* error) {
  std::vector<ProcessEntry> processes;
  if (!ReadProcesses(&processes, error)) return false;
  std::vector<ServiceStatusEntry> services;
  bool ok = ReadServices(&services, error);
  *out = BuildProcessTable(processes, services);
  return ok;
}

bool ResolveWatchedServices(const std::vector<std::string>& names,
                            std::vector<ServiceInfo>* out, std::string* error) {
  out->clear();
  if (names.empty()) return true;
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (scm.get() == nullptr) {
    *error = "OpenSCManager: " + WindowsErrorText(GetLastError());
    for (const std::string& name : names)
      out->push_back(WatchedServiceFromStatus(name, nullptr));
    return false;
  }
  bool ok = true;
  for (const std::string& name : names) {
    ScHandle service(OpenServiceW(scm.get(), WideFromUtf8(name).c_str(),
                                  SERVICE_QUERY_STATUS));
    if (service.get() == nullptr) {
      DWORD err = GetLastError();
      if (err != ERROR_SERVICE_DOES_NOT_EXIST) {
        if (!error->empty()) *error += "; ";
        *error += "OpenService(" + name + "): " + WindowsErrorText(err);
        ok = false;
      }
      out->push_back(WatchedServiceFromStatus(name, nullptr));
      continue;
    }
    SERVICE_STATUS_PROCESS status{};
    DWORD needed = 0;
    if (!QueryServiceStatusEx(service.get(), SC_STATUS_PROCESS_INFO,
                              reinterpret_cast<LPBYTE>(&status), sizeof status,
                              &needed)) {
      if (!error->empty()) *error += "; ";
      *error += "QueryServiceStatusEx(" + name +
                "): " + WindowsErrorText(GetLastError());
      ok = false;
      out->push_back(WatchedServiceFromStatus(name, nullptr));
      continue;
    }
    ServiceStatusEntry entry;
    entry.name = name;
    entry.current_state = status.dwCurrentState;
    entry.pid = status.dwProcessId;
    out->push_back(WatchedServiceFromStatus(name, &entry));
  }
  return ok;
}

}  // namespace epx
