// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/port_range.h"

// clang-format off
#include <windows.h>
// clang-format on

#include <cstdio>
#include <mutex>
#include <utility>
#include <vector>

#include "sources/windows/win_util.h"
#include "sources/windows/port_range_parser.h"

namespace epx {
namespace {

constexpr unsigned kNetshTimeoutMs = 15000;
constexpr unsigned kWmiTimeoutMs = 20000;
constexpr std::uint16_t kWindowsDefaultStart = 49152;
constexpr std::uint32_t kWindowsDefaultCount = 16384;

WmiPortSettingInstance InstanceFromRow(const WmiRow& row) {
  WmiPortSettingInstance i;
  auto name = row.strings.find("SettingName");
  if (name != row.strings.end()) i.setting_name = name->second;
  auto number = [&](const char* key, std::uint32_t* out) {
    auto it = row.numbers.find(key);
    if (it == row.numbers.end()) return false;
    *out = it->second;
    return true;
  };
  i.has_range = number("DynamicPortRangeStartPort", &i.start) &
                number("DynamicPortRangeNumberOfPorts", &i.count);
  i.has_auto_reuse =
      number("AutoReusePortRangeStartPort", &i.auto_reuse_start) &
      number("AutoReusePortRangeNumberOfPorts", &i.auto_reuse_count);
  return i;
}

// Reads one class. TCP asks for the auto-reuse range too, and again
// without it where the class predates it (before Server 2016).
bool ReadWmiClass(WmiSession* wmi, WmiPortClass c,
                  const std::atomic<bool>* cancel,
                  std::vector<WmiPortSettingInstance>* out,
                  std::string* error) {
  std::vector<WmiRow> rows;
  bool ok = false;
  for (bool auto_reuse : {true, false}) {
    rows.clear();
    ok = wmi->Query(WmiPortSettingQuery(c, auto_reuse),
                    WmiPortSettingProperties(c, auto_reuse), kWmiTimeoutMs,
                    cancel, &rows, error);
    if (ok || c == WmiPortClass::kUdp ||
        error->find("WBEM_E_INVALID_QUERY") == std::string::npos) {
      break;
    }
  }
  if (!ok) return false;
  for (const WmiRow& row : rows) out->push_back(InstanceFromRow(row));
  return true;
}

const wchar_t* FamilyArg(Family f) {
  return f == Family::kIpv4 ? L"ipv4" : L"ipv6";
}
const wchar_t* ProtocolArg(Protocol p) {
  return p == Protocol::kTcp ? L"tcp" : L"udp";
}

bool NonBlank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") != std::string::npos;
}

void AddProblem(const std::string& problem, std::string* error) {
  if (!error->empty()) *error += "; ";
  *error += problem;
}

bool Cancelled(const std::atomic<bool>* cancel) {
  return cancel != nullptr && cancel->load();
}

// Ends a range read that was cancelled before its next step, so that no
// WMI call or netsh child is started during a stop.
bool StopIfCancelled(const std::atomic<bool>* cancel, PortRangeReading* out) {
  if (!Cancelled(cancel)) return false;
  out->error = "cancelled (stopping)";
  return true;
}

}  // namespace

bool RunSystemProgram(const std::wstring& program,
                      const std::wstring& arguments, unsigned timeout_ms,
                      const std::atomic<bool>* cancel, std::string* output,
                      std::string* error) {
  std::string name = Utf8FromWide(program) + " " + Utf8FromWide(arguments);
  if (Cancelled(cancel)) {
    *error = name + ": cancelled (stopping)";
    return false;
  }
  wchar_t system_dir[MAX_PATH];
  UINT n = GetSystemDirectoryW(system_dir, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) {
    *error = "GetSystemDirectory: " + WindowsErrorText(GetLastError());
    return false;
  }
  std::wstring path = std::wstring(system_dir) + L"\\" + program;
  std::wstring command_line = L"\"" + path + L"\" " + arguments;

  SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE read_end = nullptr, write_end = nullptr;
  if (!CreatePipe(&read_end, &write_end, &inherit, 0)) {
    *error = name + ": CreatePipe: " + WindowsErrorText(GetLastError());
    return false;
  }
  SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
  HANDLE null_in = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ, &inherit,
                               OPEN_EXISTING, 0, nullptr);
  // Only the three std handles reach the child, not every inheritable
  // handle of the exporter (its log file among them).
  HANDLE inherited[] = {null_in, write_end};
  SIZE_T list_size = 0;
  InitializeProcThreadAttributeList(nullptr, 1, 0, &list_size);
  std::vector<unsigned char> list_storage(list_size);
  auto* attributes =
      reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(list_storage.data());
  bool have_list =
      null_in != INVALID_HANDLE_VALUE &&
      InitializeProcThreadAttributeList(attributes, 1, 0, &list_size) &&
      UpdateProcThreadAttribute(attributes, 0,
                                PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                sizeof inherited, nullptr, nullptr);
  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = null_in;
  startup.StartupInfo.hStdOutput = write_end;
  startup.StartupInfo.hStdError = write_end;
  startup.lpAttributeList = have_list ? attributes : nullptr;
  PROCESS_INFORMATION process{};
  std::wstring mutable_line = command_line;
  BOOL started = CreateProcessW(
      path.c_str(), &mutable_line[0], nullptr, nullptr, TRUE,
      CREATE_NO_WINDOW | (have_list ? EXTENDED_STARTUPINFO_PRESENT : 0),
      nullptr, system_dir, &startup.StartupInfo, &process);
  DWORD start_error = GetLastError();
  if (have_list) DeleteProcThreadAttributeList(attributes);
  CloseHandle(write_end);
  if (null_in != INVALID_HANDLE_VALUE) CloseHandle(null_in);
  if (!started) {
    CloseHandle(read_end);
    *error = name + ": " + WindowsErrorText(start_error);
    return false;
  }
  output->clear();
  ULONGLONG deadline = GetTickCount64() + timeout_ms;
  bool timed_out = false;
  bool cancelled = false;
  for (;;) {
    DWORD available = 0;
    if (!PeekNamedPipe(read_end, nullptr, 0, nullptr, &available, nullptr))
      break;  // broken pipe: the child closed its output
    if (available > 0) {
      char chunk[4096];
      DWORD got = 0;
      if (!ReadFile(read_end, chunk, sizeof chunk, &got, nullptr) || got == 0)
        break;
      output->append(chunk, got);
      if (output->size() > (1u << 20)) break;
      continue;
    }
    cancelled = Cancelled(cancel);
    if (cancelled || GetTickCount64() >= deadline) {
      timed_out = true;
      break;
    }
    if (WaitForSingleObject(process.hProcess, 20) == WAIT_OBJECT_0) {
      // Drain what is left after exit.
      DWORD left = 0;
      if (PeekNamedPipe(read_end, nullptr, 0, nullptr, &left, nullptr) &&
          left > 0)
        continue;
      break;
    }
  }
  CloseHandle(read_end);
  DWORD wait = WaitForSingleObject(
      process.hProcess,
      timed_out
          ? 0
          : static_cast<DWORD>(
                deadline > GetTickCount64() ? deadline - GetTickCount64() : 0));
  DWORD exit_code = 0;
  bool ok = true;
  if (timed_out || wait != WAIT_OBJECT_0) {
    TerminateProcess(process.hProcess, 1);
    WaitForSingleObject(process.hProcess, 2000);
    *error = name + (cancelled ? std::string(": cancelled (stopping)")
                               : ": no answer within " +
                                     std::to_string(timeout_ms) + " ms");
    ok = false;
  } else if (GetExitCodeProcess(process.hProcess, &exit_code) &&
             exit_code != 0) {
    *error = name + ": exit status " + std::to_string(exit_code);
    ok = false;
  }
  CloseHandle(process.hThread);
  CloseHandle(process.hProcess);
  return ok;
}

void ReadWindowsPortRanges(WmiSession* wmi, const std::atomic<bool>* cancel,
                           PortRangeReading* out) {
  DynamicPortSetting settings[2][2];  // [protocol][family]
  bool known[2] = {false, false};
  std::string wmi_errors;
  for (WmiPortClass c : {WmiPortClass::kTcp, WmiPortClass::kUdp}) {
    if (StopIfCancelled(cancel, out)) return;
    int p = c == WmiPortClass::kTcp ? 0 : 1;
    std::vector<WmiPortSettingInstance> instances;
    std::string e;
    DynamicPortSetting s;
    if (!ReadWmiClass(wmi, c, cancel, &instances, &e) ||
        !ChooseWmiDynamicPortRange(instances, &s, &e)) {
      AddProblem(std::string(WmiPortClassName(c)) + ": " + e, &wmi_errors);
      continue;
    }
    settings[p][0] = settings[p][1] = s;
    known[p] = true;
    DynamicPortSetting reuse;
    if (c == WmiPortClass::kTcp && ChooseWmiAutoReuseRange(instances, &reuse)) {
      for (Family f : {Family::kIpv4, Family::kIpv6}) {
        PortRange r;
        r.protocol = Protocol::kTcp;
        r.family = f;
        r.start = reuse.start;
        r.size = reuse.count;
        out->auto_reuse.push_back(r);
      }
    }
  }
  bool from_netsh = false;
  std::string netsh_errors;
  for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
    int pi = p == Protocol::kTcp ? 0 : 1;
    if (known[pi]) continue;
    bool all = true;
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      if (StopIfCancelled(cancel, out)) return;
      std::wstring args = std::wstring(L"int ") + FamilyArg(f) +
                          L" show dynamicport " + ProtocolArg(p);
      std::string text, e;
      DynamicPortSetting s;
      if (!RunSystemProgram(L"netsh.exe", args, kNetshTimeoutMs, cancel, &text,
                            &e) ||
          !ParseNetshDynamicPortRange(text, &s, &e)) {
        AddProblem("netsh " + Utf8FromWide(args) + ": " + e, &netsh_errors);
        all = false;
        break;
      }
      settings[pi][f == Family::kIpv4 ? 0 : 1] = s;
    }
    known[pi] = all;
    from_netsh |= all;
  }
  if (!known[0] || !known[1]) {
    if (!wmi_errors.empty()) AddProblem("WMI: " + wmi_errors, &out->error);
    if (!netsh_errors.empty()) AddProblem(netsh_errors, &out->error);
    AddProblem("assuming the Windows default range 49152-65535", &out->error);
    for (int p = 0; p < 2; ++p) {
      if (known[p]) continue;
      settings[p][0] =
          settings[p][1] = {kWindowsDefaultStart, kWindowsDefaultCount};
    }
  } else if (!wmi_errors.empty()) {
    static std::once_flag logged;
    std::call_once(logged, [&] {
      std::fprintf(stderr,
                   "level=debug collector=port_range msg=\"WMI could not "
                   "give the range, netsh did\" error=\"%s\"\n",
                   wmi_errors.c_str());
    });
  }
  out->source = !known[0] || !known[1] ? "default"
                : from_netsh           ? "netsh"
                                       : "wmi";
  bool exclusions_known = true;
  for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      if (StopIfCancelled(cancel, out)) return;
      PortRange r;
      r.protocol = p;
      r.family = f;
      const DynamicPortSetting& s =
          settings[p == Protocol::kTcp ? 0 : 1][f == Family::kIpv4 ? 0 : 1];
      r.start = s.start;
      r.size = s.count;
      std::wstring args = std::wstring(L"int ") + FamilyArg(f) +
                          L" show excludedportrange protocol=" + ProtocolArg(p);
      std::string text, e;
      if (!exclusions_known ||
          !RunSystemProgram(L"netsh.exe", args, kNetshTimeoutMs, cancel, &text,
                            &e) ||
          (!NonBlank(text) && (e = "printed nothing", true)) ||
          !ParseNetshExcludedPortRanges(text, &r.reserved, &e)) {
        r.reserved.clear();
        if (exclusions_known)
          AddProblem(
              "excluded ports unknown: netsh " + Utf8FromWide(args) + ": " + e,
              &out->error);
        exclusions_known = false;
      }
      if (p == Protocol::kTcp) {
        for (PortRange& reuse : out->auto_reuse) {
          if (reuse.family == f) reuse.reserved = r.reserved;
        }
      }
      out->ranges.push_back(std::move(r));
    }
  }
}

bool ReadTcpTimedWaitDelay(std::uint32_t* seconds) {
  DWORD value = 0;
  DWORD size = sizeof value;
  LSTATUS rc = RegGetValueW(
      HKEY_LOCAL_MACHINE,
      L"SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
      L"TcpTimedWaitDelay", RRF_RT_REG_DWORD, nullptr, &value, &size);
  if (rc != ERROR_SUCCESS) return false;
  *seconds = value;
  return true;
}

}  // namespace epx
