// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/iphlpapi.h"

// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>
// clang-format on

#include <cstdint>

#include "sources/windows/win_util.h"
#include "sources/windows/iphlpapi_table_parser.h"

namespace epx {
namespace {

constexpr int kMaxAttempts = 8;

struct TableSpec {
  const char* name;
  bool tcp;
  ULONG family;
  IphlpapiTableKind kind;
};

DWORD Fill(const TableSpec& spec, void* buffer, DWORD* size) {
  if (spec.tcp) {
    return GetExtendedTcpTable(buffer, size, FALSE, spec.family,
                               TCP_TABLE_OWNER_PID_ALL, 0);
  }
  return GetExtendedUdpTable(buffer, size, FALSE, spec.family,
                             UDP_TABLE_OWNER_PID, 0);
}

// Size call, then fill calls with a growing buffer until the table fits.
bool ReadTable(const TableSpec& spec, std::vector<SocketRecord>* out,
               std::string* error) {
  DWORD size = 0;
  DWORD rc = Fill(spec, nullptr, &size);
  if (rc != ERROR_INSUFFICIENT_BUFFER && rc != NO_ERROR) {
    *error = std::string(spec.name) + ": " + WindowsErrorText(rc);
    return false;
  }
  // DWORD-aligned storage for the table.
  std::vector<std::uint32_t> buffer;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    // Headroom for sockets opened between the calls.
    DWORD want = size + size / 8 + 1024;
    buffer.assign(want / 4 + 1, 0);
    size = static_cast<DWORD>(buffer.size() * 4);
    rc = Fill(spec, buffer.data(), &size);
    if (rc == ERROR_INSUFFICIENT_BUFFER) continue;
    if (rc != NO_ERROR) {
      *error = std::string(spec.name) + ": " + WindowsErrorText(rc);
      return false;
    }
    IphlpapiParseResult parsed;
    std::string parse_error;
    if (!ParseIphlpapiTable(
            reinterpret_cast<const std::uint8_t*>(buffer.data()),
            buffer.size() * 4, spec.kind, &parsed, &parse_error)) {
      *error = std::string(spec.name) + ": " + parse_error;
      return false;
    }
    out->insert(out->end(), parsed.sockets.begin(), parsed.sockets.end());
    if (parsed.bad_rows > 0) {
      *error = std::string(spec.name) + ": " + std::to_string(parsed.bad_rows) +
               " rows with an unknown state skipped";
      return false;
    }
    return true;
  }
  *error = std::string(spec.name) + ": table still growing after " +
           std::to_string(kMaxAttempts) + " attempts";
  return false;
}

// ULONG InternalGetBoundTcp(6)EndpointTable(PVOID* table, PVOID heap,
// ULONG heap_flags): allocates a MIB_TCP(6)TABLE2 from `heap`.
using BoundTableFn = ULONG(WINAPI*)(PVOID*, PVOID, ULONG);

// The real major version and build from ntdll!RtlGetVersion (GetVersionEx
// lies to unmanifested programs); zeros when unknown.
OSVERSIONINFOW WindowsVersion() {
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  OSVERSIONINFOW info{};
  info.dwOSVersionInfoSize = sizeof info;
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return info;
  auto fn = reinterpret_cast<RtlGetVersionFn>(
      reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion")));
  if (fn == nullptr || fn(&info) != 0) {
    info.dwMajorVersion = 0;
    info.dwBuildNumber = 0;
  }
  return info;
}

}  // namespace

bool ReadIphlpapiSockets(std::vector<SocketRecord>* out, std::string* error) {
  static const TableSpec kTables[] = {
      {"GetExtendedTcpTable(AF_INET)", true, AF_INET,
       IphlpapiTableKind::kTcp4OwnerPid},
      {"GetExtendedTcpTable(AF_INET6)", true, AF_INET6,
       IphlpapiTableKind::kTcp6OwnerPid},
      {"GetExtendedUdpTable(AF_INET)", false, AF_INET,
       IphlpapiTableKind::kUdp4OwnerPid},
      {"GetExtendedUdpTable(AF_INET6)", false, AF_INET6,
       IphlpapiTableKind::kUdp6OwnerPid},
  };
  bool ok = true;
  for (const TableSpec& spec : kTables) {
    std::string e;
    if (!ReadTable(spec, out, &e)) {
      if (!error->empty()) *error += "; ";
      *error += e;
      ok = false;
    }
  }
  return ok;
}

BoundEndpoints ReadBoundTcpSockets(std::vector<SocketRecord>* out,
                                   std::string* error) {
  OSVERSIONINFOW version = WindowsVersion();
  if (!BoundTablesSupported(version.dwMajorVersion, version.dwBuildNumber))
    return BoundEndpoints::kUnavailable;
  HMODULE module = GetModuleHandleW(L"iphlpapi.dll");
  if (module == nullptr) module = LoadLibraryW(L"iphlpapi.dll");
  if (module == nullptr) return BoundEndpoints::kUnavailable;
  struct Export {
    const char* name;
    IphlpapiTableKind kind;
  };
  static const Export kExports[] = {
      {"InternalGetBoundTcpEndpointTable", IphlpapiTableKind::kTcp4Bound},
      {"InternalGetBoundTcp6EndpointTable", IphlpapiTableKind::kTcp6Bound},
  };
  HANDLE heap = GetProcessHeap();
  bool any = false;
  for (const Export& e : kExports) {
    auto fn = reinterpret_cast<BoundTableFn>(
        reinterpret_cast<void*>(GetProcAddress(module, e.name)));
    if (fn == nullptr) continue;
    any = true;
    PVOID table = nullptr;
    ULONG rc = fn(&table, heap, 0);
    if (rc != NO_ERROR || table == nullptr) {
      *error = std::string(e.name) + ": " + WindowsErrorText(rc);
      return BoundEndpoints::kFailed;
    }
    SIZE_T size = HeapSize(heap, 0, table);
    IphlpapiParseResult parsed;
    std::string parse_error;
    bool ok = size != static_cast<SIZE_T>(-1) &&
              ParseIphlpapiTable(static_cast<const std::uint8_t*>(table), size,
                                 e.kind, &parsed, &parse_error);
    HeapFree(heap, 0, table);
    if (!ok) {
      *error = std::string(e.name) + ": " + parse_error;
      return BoundEndpoints::kFailed;
    }
    out->insert(out->end(), parsed.sockets.begin(), parsed.sockets.end());
    if (parsed.bad_rows > 0) {
      *error = std::string(e.name) + ": " + std::to_string(parsed.bad_rows) +
               " rows with an unknown state skipped";
      return BoundEndpoints::kFailed;
    }
  }
  return any ? BoundEndpoints::kRead : BoundEndpoints::kUnavailable;
}

bool ReadTcpStatistics(std::vector<TcpCounters>* out, std::string* error) {
  std::string errors;
  bool any = false;
  for (ULONG family : {AF_INET, AF_INET6}) {
    MIB_TCPSTATS stats{};
    DWORD rc = GetTcpStatisticsEx(&stats, family);
    if (rc != NO_ERROR) {
      if (!errors.empty()) errors += "; ";
      errors += std::string("GetTcpStatisticsEx(") +
                (family == AF_INET ? "AF_INET" : "AF_INET6") +
                "): " + WindowsErrorText(rc);
      continue;
    }
    TcpCounters c;
    c.valid = true;
    c.family = family == AF_INET ? "ipv4" : "ipv6";
    c.active_opens = stats.dwActiveOpens;
    c.passive_opens = stats.dwPassiveOpens;
    c.attempt_fails = stats.dwAttemptFails;
    c.estab_resets = stats.dwEstabResets;
    out->push_back(c);
    any = true;
  }
  if (!any) {
    *error = errors;
    return false;
  }
  return true;
}

}  // namespace epx
