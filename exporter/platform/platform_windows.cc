// SPDX-License-Identifier: Apache-2.0
// clang-format off
#include <winsock2.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <shlobj.h>
// clang-format on

#include <fcntl.h>
#include <io.h>

#include <atomic>
#include <cstdio>
#include <cwchar>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

#include "platform/data_folder_acl.h"
#include "platform/platform.h"
#include "platform/service_policy.h"

namespace epx {
namespace {

constexpr wchar_t kServiceName[] = L"ephemeral_port_exporter";
// While starting or stopping, the checkpoint rises only at milestones
// (ReportStartProgress, the stop request); the hint covers the longest gap
// between two. The watchdog checks the limits every tick.
constexpr DWORD kTickMs = 1000;
constexpr DWORD kStartWaitHintMs = 30000;
constexpr DWORD kStopWaitHintMs = 15000;
// A start that does not reach the listening server, or a stop that does not
// finish, within these limits ends the process with STOPPED reported.
constexpr ULONGLONG kStartLimitMs = 120000;
constexpr ULONGLONG kStopLimitMs = 15000;
// Service-specific exit codes (2: a start error): 3 the start limit passed,
// 4 the data folder is refused.
constexpr DWORD kExitStartTimeout = 3;
constexpr DWORD kExitDataFolderRefused = 4;
// exporter.log is renamed to exporter.log.1 when it would pass this size; a
// failed open or rename is retried at most this often.
constexpr std::uint64_t kLogMaxBytes = 10 * 1024 * 1024;
constexpr ULONGLONG kLogRetryMs = 60000;

// Manual-reset event set by Ctrl+C/Ctrl+Break/close or a service stop.
HANDLE g_stop = nullptr;
bool g_as_service = false;
SERVICE_STATUS_HANDLE g_status_handle = nullptr;
const std::function<int()>* g_body = nullptr;
int g_exit_code = 0;

// The status last reported, shared by the SCM handler, the body and the
// watchdog thread.
std::mutex g_status_mutex;
SERVICE_STATUS g_status{};
ULONGLONG g_pending_since = 0;
PendingProgress g_progress;
// Failed opens and renames of exporter.log (ServiceLogFailures).
std::atomic<std::uint64_t> g_log_failures{0};
// The data folder, once prepared; false when this start's error was not
// logged (a repeat, ShouldLogStartError).
std::wstring g_data_dir;
bool g_start_error_logged = true;

HANDLE StopEvent() {
  if (g_stop == nullptr) g_stop = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  return g_stop;
}

BOOL WINAPI OnConsoleControl(DWORD type) {
  if (!ConsoleControlStopsProcess(type, g_as_service)) return FALSE;
  SetEvent(StopEvent());
  return TRUE;
}

bool IsPending(DWORD state) {
  return state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
}

// Caller holds g_status_mutex.
void ReportLocked(DWORD state, DWORD exit_code) {
  if (state != g_status.dwCurrentState) {
    g_pending_since = GetTickCount64();
    if (IsPending(state))
      g_progress.Begin();
    else
      g_progress.End();
  }
  g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  g_status.dwCurrentState = state;
  g_status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                               : 0;
  g_status.dwWin32ExitCode =
      exit_code != 0 ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
  g_status.dwServiceSpecificExitCode = exit_code;
  g_status.dwWaitHint = state == SERVICE_START_PENDING  ? kStartWaitHintMs
                        : state == SERVICE_STOP_PENDING ? kStopWaitHintMs
                                                        : 0;
  g_status.dwCheckPoint = g_progress.checkpoint();
  if (g_status_handle != nullptr) SetServiceStatus(g_status_handle, &g_status);
}

void ReportServiceState(DWORD state, DWORD exit_code) {
  std::lock_guard<std::mutex> lock(g_status_mutex);
  ReportLocked(state, exit_code);
}

// --- service log: stderr -> pipe -> this thread -> exporter.log ------------
// One writer, so rotation needs no locking. (Repeated collector errors are
// already limited where they are logged: sources/collector_runner.h.)
struct LogWriter {
  std::wstring path;
  HANDLE file = INVALID_HANDLE_VALUE;
  HANDLE pipe_read = nullptr;
  HANDLE thread = nullptr;
  std::uint64_t size = 0;
  ULONGLONG tried_at = 0;          // last open attempt
  ULONGLONG rotate_failed_at = 0;  // last failed rename, 0 if none
};
LogWriter g_log;

void OpenLogFile() {
  g_log.file =
      CreateFileW(g_log.path.c_str(), FILE_APPEND_DATA,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                  nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  g_log.tried_at = GetTickCount64();
  if (g_log.file == INVALID_HANDLE_VALUE) ++g_log_failures;
  LARGE_INTEGER size{};
  g_log.size =
      g_log.file != INVALID_HANDLE_VALUE && GetFileSizeEx(g_log.file, &size)
          ? static_cast<std::uint64_t>(size.QuadPart)
          : 0;
}

void WriteLogLine(const std::string& line) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "ts=%Y-%m-%dT%H:%M:%SZ ",
                std::gmtime(&now));
  std::string text = stamp + line + "\r\n";
  ULONGLONG now_ms = GetTickCount64();
  // A log that could not be opened is tried again once a minute, a rename
  // that failed (a reader without FILE_SHARE_DELETE) too; meanwhile lines go
  // on to the open file. Each failure counts in
  // ephemeral_port_service_log_failures_total.
  if (g_log.file == INVALID_HANDLE_VALUE &&
      now_ms - g_log.tried_at >= kLogRetryMs)
    OpenLogFile();
  if (g_log.file != INVALID_HANDLE_VALUE && g_log.size > 0 &&
      g_log.size + text.size() > kLogMaxBytes &&
      (g_log.rotate_failed_at == 0 ||
       now_ms - g_log.rotate_failed_at >= kLogRetryMs)) {
    CloseHandle(g_log.file);
    if (MoveFileExW(g_log.path.c_str(), (g_log.path + L".1").c_str(),
                    MOVEFILE_REPLACE_EXISTING)) {
      g_log.rotate_failed_at = 0;
    } else {
      g_log.rotate_failed_at = now_ms;
      ++g_log_failures;
    }
    OpenLogFile();
  }
  if (g_log.file == INVALID_HANDLE_VALUE) return;
  DWORD written = 0;
  WriteFile(g_log.file, text.data(), static_cast<DWORD>(text.size()), &written,
            nullptr);
  g_log.size += written;
}

DWORD WINAPI LogThread(void*) {
  std::string pending;
  char buf[4096];
  DWORD n = 0;
  while (ReadFile(g_log.pipe_read, buf, sizeof buf, &n, nullptr) && n > 0) {
    pending.append(buf, n);
    std::size_t eol;
    while ((eol = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, eol);
      pending.erase(0, eol + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      WriteLogLine(line);
    }
  }
  if (!pending.empty()) WriteLogLine(pending);
  return 0;
}

// %ProgramData% as the shell knows it (a service's environment may lack the
// variable, as Wine's does), else the variable; empty if neither answers.
std::wstring ProgramDataFolder() {
  std::wstring out;
  PWSTR known = nullptr;
  if (SUCCEEDED(SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &known)))
    out = known;
  CoTaskMemFree(known);
  if (!out.empty()) return out;
  wchar_t dir[MAX_PATH];
  DWORD n = GetEnvironmentVariableW(L"ProgramData", dir, MAX_PATH);
  return n == 0 || n >= MAX_PATH - 64 ? std::wstring() : std::wstring(dir);
}

// The SID of this process's account ("S-1-5-18" for LocalSystem, the
// service SID for a virtual account); empty if unknown.
std::string ProcessAccountSid() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return "";
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::string out;
  std::string buf(size, '\0');
  LPSTR text = nullptr;
  if (size > 0 && GetTokenInformation(token, TokenUser, &buf[0], size, &size) &&
      ConvertSidToStringSidA(reinterpret_cast<TOKEN_USER*>(&buf[0])->User.Sid,
                             &text)) {
    out = text;
    LocalFree(text);
  }
  CloseHandle(token);
  return out;
}

// The service SID (NT SERVICE\\ephemeral_port_exporter, defined for the
// service whatever account it runs as); empty if it does not resolve.
std::string ServiceSid() {
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD sid_size = sizeof sid;
  wchar_t domain[256];
  DWORD domain_size = 256;
  SID_NAME_USE use;
  std::wstring name = std::wstring(L"NT SERVICE\\") + kServiceName;
  LPSTR text = nullptr;
  if (!LookupAccountNameW(nullptr, name.c_str(), sid, &sid_size, domain,
                          &domain_size, &use) ||
      !ConvertSidToStringSidA(sid, &text))
    return "";
  std::string out = text;
  LocalFree(text);
  return out;
}

// Creates the data folder with the protected DACL, or checks the one there:
// a folder others may write gets that DACL where this account may set it
// (*note says what was done); one owned by someone else, or a reparse
// point, is refused (*refusal says why).
bool PrepareDataFolder(const std::wstring& path, std::string* note,
                       std::string* refusal) {
  std::vector<std::string> sids = {ProcessAccountSid(), ServiceSid()};
  PSECURITY_DESCRIPTOR wanted = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(
          ProtectedDataFolderDacl(sids).c_str(), SDDL_REVISION_1, &wanted,
          nullptr)) {
    *refusal = "cannot build its DACL: error " + std::to_string(GetLastError());
    return false;
  }
  SECURITY_ATTRIBUTES attributes{sizeof attributes, wanted, FALSE};
  bool ok = true;
  if (!CreateDirectoryW(path.c_str(), &attributes)) {
    DWORD attrs = GetFileAttributesW(path.c_str());
    PSECURITY_DESCRIPTOR current = nullptr;
    LPSTR text = nullptr;
    if (attrs == INVALID_FILE_ATTRIBUTES) {
      *refusal = "cannot create it: error " + std::to_string(GetLastError());
    } else if ((attrs & FILE_ATTRIBUTE_DIRECTORY) == 0) {
      *refusal = "it is a file, not a folder";
    } else if ((attrs & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
      *refusal = "it is a reparse point (junction or link)";
    } else if (GetNamedSecurityInfoW(
                   path.c_str(), SE_FILE_OBJECT,
                   OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                   nullptr, nullptr, nullptr, nullptr,
                   &current) != ERROR_SUCCESS ||
               !ConvertSecurityDescriptorToStringSecurityDescriptorA(
                   current, SDDL_REVISION_1,
                   OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                   &text, nullptr)) {
      *refusal = "cannot read its security descriptor";
    } else {
      DataFolderCheck check = CheckDataFolderSddl(text, sids);
      if (check.verdict == DataFolderVerdict::kRefuse) {
        *refusal = check.reason;
      } else if (check.verdict == DataFolderVerdict::kRepair) {
        BOOL present = FALSE, defaulted = FALSE;
        PACL dacl = nullptr;
        GetSecurityDescriptorDacl(wanted, &present, &dacl, &defaulted);
        DWORD err = SetNamedSecurityInfoW(
            const_cast<wchar_t*>(path.c_str()), SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            nullptr, nullptr, dacl, nullptr);
        // Without WRITE_DAC (a virtual account in a folder SYSTEM made)
        // the folder is used as it is: its owner is trusted, and an
        // administrator can run the installer's icacls (logged).
        *note = err == ERROR_SUCCESS
                    ? check.reason + "; protected DACL set"
                    : check.reason + "; setting the protected DACL failed " +
                          "with error " + std::to_string(err) +
                          " (run install.ps1's icacls as an administrator)";
      }
    }
    ok = refusal->empty();
    if (text != nullptr) LocalFree(text);
    if (current != nullptr) LocalFree(current);
  }
  LocalFree(wanted);
  return ok;
}

// A line in the Application event log (source ephemeral_port_exporter), for
// what cannot go to exporter.log.
void ReportToEventLog(const std::string& message) {
  HANDLE source = RegisterEventSourceW(nullptr, kServiceName);
  if (source == nullptr) return;
  const char* strings[] = {message.c_str()};
  ReportEventA(source, EVENTLOG_ERROR_TYPE, 0, 1, nullptr, 1, 0, strings,
               nullptr);
  DeregisterEventSource(source);
}

// Services have no console: stderr goes, through a pipe and LogThread, to
// %ProgramData%\ephemeral_port_exporter\exporter.log. False (with
// *refusal) when the data folder is refused; *note tells a DACL repair.
bool StartServiceLog(std::string* note, std::string* refusal) {
  std::wstring dir = ProgramDataFolder();
  if (dir.empty()) return true;
  std::wstring path = dir + L"\\ephemeral_port_exporter";
  if (!PrepareDataFolder(path, note, refusal)) return false;
  g_data_dir = path;
  g_log.path = path + L"\\exporter.log";
  OpenLogFile();
  HANDLE pipe_write = nullptr;
  if (!CreatePipe(&g_log.pipe_read, &pipe_write, nullptr, 0)) return true;
  int fd = _open_osfhandle(reinterpret_cast<intptr_t>(pipe_write), _O_BINARY);
  if (fd < 0) return true;
  // A service has no console, so the CRT left stderr without a descriptor
  // (-2). Windows' CRT rebinds it with freopen; Wine's msvcrt refuses
  // freopen on such a stream, so there the descriptor is set directly.
  if (_wfreopen(L"NUL", L"w", stderr) != nullptr) {
    if (_dup2(fd, _fileno(stderr)) != 0) return true;
  } else {
    if (_dup2(fd, 2) != 0) return true;
#if !defined(_UCRT)
    stderr->_file = 2;
#endif
  }
  _close(fd);
  SetStdHandle(STD_ERROR_HANDLE,
               reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stderr))));
  std::setvbuf(stderr, nullptr, _IONBF, 0);
  g_log.thread = CreateThread(nullptr, 0, &LogThread, nullptr, 0, nullptr);
  return true;
}

// Closes stderr so LogThread drains the pipe and ends (bounded wait).
void StopServiceLog() {
  if (g_log.thread == nullptr) return;
  std::fflush(stderr);
  _close(_fileno(stderr));
  WaitForSingleObject(g_log.thread, 2000);
}

DWORD WINAPI LogGivingUp(void* what) {
  std::fprintf(stderr, "level=error msg=\"%s; ending the process\"\n",
               static_cast<const char*>(what));
  StopServiceLog();
  return 0;
}

// Ends the process now, STOPPED reported: a start or stop past its limit.
// STOPPED first, and the log line on a thread given one second: a stuck
// writer of the log (what may have made the stop late) cannot hold it.
void GiveUp(const char* what, DWORD exit_code) {
  ReportLocked(SERVICE_STOPPED, exit_code);
  HANDLE log = CreateThread(nullptr, 0, &LogGivingUp, const_cast<char*>(what),
                            0, nullptr);
  if (log != nullptr) WaitForSingleObject(log, 1000);
  TerminateProcess(GetCurrentProcess(), exit_code == 0 ? 1 : exit_code);
}

// While START_PENDING or STOP_PENDING: the limits above (it reports no
// progress of its own). Ends when `done` is set.
DWORD WINAPI WatchdogThread(void* done) {
  while (WaitForSingleObject(done, kTickMs) == WAIT_TIMEOUT) {
    std::lock_guard<std::mutex> lock(g_status_mutex);
    DWORD state = g_status.dwCurrentState;
    ULONGLONG elapsed = GetTickCount64() - g_pending_since;
    if (state == SERVICE_START_PENDING && elapsed > kStartLimitMs)
      GiveUp("start did not reach a listening server in time",
             kExitStartTimeout);
    if (state == SERVICE_STOP_PENDING && elapsed > kStopLimitMs)
      GiveUp("stop did not finish in time", 0);
  }
  return 0;
}

DWORD WINAPI OnServiceControl(DWORD control, DWORD, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      ReportServiceState(SERVICE_STOP_PENDING, 0);
      SetEvent(StopEvent());
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI ServiceMain(DWORD, LPWSTR*) {
  g_status_handle =
      RegisterServiceCtrlHandlerExW(kServiceName, &OnServiceControl, nullptr);
  if (g_status_handle == nullptr) {
    g_exit_code = 1;
    return;
  }
  // START_PENDING until the body calls ReportServing() (its server
  // listens); Stop is accepted from then on.
  ReportServiceState(SERVICE_START_PENDING, 0);
  std::string note, refusal;
  if (!StartServiceLog(&note, &refusal)) {
    ReportToEventLog(
        "ephemeral_port_exporter: the data folder "
        "%ProgramData%\\ephemeral_port_exporter is refused: " +
        refusal);
    g_exit_code = static_cast<int>(kExitDataFolderRefused);
    ReportServiceState(SERVICE_STOPPED, kExitDataFolderRefused);
    return;
  }
  if (!note.empty())
    std::fprintf(stderr,
                 "level=warn msg=\"data folder writable by others "
                 "(protected DACL: SYSTEM, Administrators full; the service "
                 "account Modify)\" detail=\"%s\"\n",
                 note.c_str());
  HANDLE done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  HANDLE watchdog = CreateThread(nullptr, 0, &WatchdogThread, done, 0, nullptr);
  g_exit_code = (*g_body)();
  SetEvent(done);
  WaitForSingleObject(watchdog, INFINITE);
  if (g_exit_code != 0 && g_start_error_logged)
    std::fprintf(stderr, "level=error msg=\"service ends\" exit_code=%d\n",
                 g_exit_code);
  StopServiceLog();
  ReportServiceState(SERVICE_STOPPED, static_cast<DWORD>(g_exit_code));
}

}  // namespace

void PrepareStopSignals() {
  StopEvent();
  SetConsoleCtrlHandler(&OnConsoleControl, TRUE);
}

void ReportServing() {
  if (!g_as_service) return;
  if (!g_data_dir.empty())
    DeleteFileW((g_data_dir + L"\\start-error.txt").c_str());
  std::lock_guard<std::mutex> lock(g_status_mutex);
  if (g_status.dwCurrentState == SERVICE_START_PENDING)
    ReportLocked(SERVICE_RUNNING, 0);
}

void ReportStartProgress() {
  if (!g_as_service) return;
  std::lock_guard<std::mutex> lock(g_status_mutex);
  if (g_status.dwCurrentState != SERVICE_START_PENDING) return;
  g_progress.Milestone();
  ReportLocked(SERVICE_START_PENDING, 0);
}

bool ShouldLogStartError(const std::string& message, std::uint64_t* repeats) {
  *repeats = 1;
  if (!g_as_service || g_data_dir.empty()) return true;
  std::wstring path = g_data_dir + L"\\start-error.txt";
  StartErrorRecord record;
  if (FILE* in = _wfopen(path.c_str(), L"rb")) {
    char line[4096];
    if (std::fgets(line, sizeof line, in) != nullptr)
      record = ParseStartErrorRecord(line);
    std::fclose(in);
  }
  g_start_error_logged = NoteStartError(message, &record);
  *repeats = record.repeats;
  if (FILE* out = _wfopen(path.c_str(), L"wb")) {
    std::fputs(FormatStartErrorRecord(record).c_str(), out);
    std::fclose(out);
  }
  return g_start_error_logged;
}

bool ServiceLogFailures(std::uint64_t* count) {
  if (!g_as_service) return false;
  *count = g_log_failures.load();
  return true;
}

void WaitForStopSignal() { WaitForSingleObject(StopEvent(), INFINITE); }

bool SleepUnlessStopped(double seconds) {
  double ms = seconds * 1000.0;
  DWORD timeout = ms >= 4294967294.0 ? INFINITE - 1 : static_cast<DWORD>(ms);
  return WaitForSingleObject(StopEvent(), timeout) == WAIT_OBJECT_0;
}

void ShareAllocatorArena() {}

void ReturnFreedMemory() {}

void ReleaseUnusedStack() {}
std::string DefaultStoragePath() {
  std::wstring dir = ProgramDataFolder();
  if (dir.empty()) dir = L"C:\\ProgramData";
  dir += L"\\ephemeral_port_exporter\\incidents";
  // The ANSI code page: std::filesystem reads narrow paths in it.
  int n =
      WideCharToMultiByte(CP_ACP, 0, dir.c_str(), static_cast<int>(dir.size()),
                          nullptr, 0, nullptr, nullptr);
  std::string out(n > 0 ? n : 0, '\0');
  if (n > 0)
    WideCharToMultiByte(CP_ACP, 0, dir.c_str(), static_cast<int>(dir.size()),
                        &out[0], n, nullptr, nullptr);
  return out;
}

std::string HostName() {
  wchar_t name[256];
  DWORD size = 256;
  if (!GetComputerNameExW(ComputerNameDnsHostname, name, &size) || size == 0)
    return "localhost";
  int n = WideCharToMultiByte(CP_UTF8, 0, name, static_cast<int>(size), nullptr,
                              0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, name, static_cast<int>(size), &out[0], n,
                      nullptr, nullptr);
  return out;
}

bool TakeServiceCommand(std::vector<std::string>* args) {
  if (args->empty() || (*args)[0] != "service") return false;
  args->erase(args->begin());
  return true;
}

int RunAsService(const std::function<int()>& body) {
  g_as_service = true;
  g_body = &body;
  wchar_t name[sizeof kServiceName / sizeof(wchar_t)];
  std::wcscpy(name, kServiceName);
  SERVICE_TABLE_ENTRYW table[] = {{name, &ServiceMain}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    DWORD err = GetLastError();
    std::fprintf(stderr,
                 "ephemeral_port_exporter: error: the 'service' command is "
                 "for the Windows service control manager; run 'serve' at a "
                 "console (StartServiceCtrlDispatcher failed with %lu)\n",
                 static_cast<unsigned long>(err));
    return 2;
  }
  return g_exit_code;
}

}  // namespace epx
