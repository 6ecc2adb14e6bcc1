// SPDX-License-Identifier: Apache-2.0
// clang-format off
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <fcntl.h>
#include <io.h>

#include <cstdio>
#include <cwchar>
#include <ctime>
#include <mutex>
#include <string>

#include "platform/platform.h"

namespace epx {
namespace {

constexpr wchar_t kServiceName[] = L"ephemeral_port_exporter";
// While starting or stopping, a checkpoint every tick; the hint covers two.
constexpr DWORD kTickMs = 1000;
constexpr DWORD kWaitHintMs = 3 * kTickMs;
// A start that does not reach the listening server, or a stop that does not
// finish, within these limits ends the process with STOPPED reported.
constexpr ULONGLONG kStartLimitMs = 120000;
constexpr ULONGLONG kStopLimitMs = 15000;
// Service-specific exit code when the start limit passes (2: a start error).
constexpr DWORD kExitStartTimeout = 3;
// exporter.log is renamed to exporter.log.1 when it would pass this size.
constexpr std::uint64_t kLogMaxBytes = 10 * 1024 * 1024;

// Manual-reset event set by Ctrl+C/Ctrl+Break/close or a service stop.
HANDLE g_stop = nullptr;
bool g_as_service = false;
SERVICE_STATUS_HANDLE g_status_handle = nullptr;
const std::function<int()>* g_body = nullptr;
int g_exit_code = 0;

// The status last reported, shared by the SCM handler, the body and the
// ticker thread.
std::mutex g_status_mutex;
SERVICE_STATUS g_status{};
ULONGLONG g_pending_since = 0;

HANDLE StopEvent() {
  if (g_stop == nullptr) g_stop = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  return g_stop;
}

BOOL WINAPI OnConsoleControl(DWORD type) {
  // A service gets CTRL_LOGOFF_EVENT whenever a user logs off: not a stop.
  if (type == CTRL_LOGOFF_EVENT && g_as_service) return FALSE;
  SetEvent(StopEvent());
  return TRUE;
}

bool IsPending(DWORD state) {
  return state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
}

// Caller holds g_status_mutex.
void ReportLocked(DWORD state, DWORD exit_code) {
  if (state != g_status.dwCurrentState) g_pending_since = GetTickCount64();
  g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  g_status.dwCurrentState = state;
  g_status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                               : 0;
  g_status.dwWin32ExitCode =
      exit_code != 0 ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
  g_status.dwServiceSpecificExitCode = exit_code;
  g_status.dwWaitHint = IsPending(state) ? kWaitHintMs : 0;
  g_status.dwCheckPoint = IsPending(state) ? g_status.dwCheckPoint + 1 : 0;
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
};
LogWriter g_log;

void OpenLogFile() {
  g_log.file =
      CreateFileW(g_log.path.c_str(), FILE_APPEND_DATA,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                  nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
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
  if (g_log.size > 0 && g_log.size + text.size() > kLogMaxBytes) {
    CloseHandle(g_log.file);
    MoveFileExW(g_log.path.c_str(), (g_log.path + L".1").c_str(),
                MOVEFILE_REPLACE_EXISTING);
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

// Services have no console: stderr goes, through a pipe and LogThread, to
// %ProgramData%\ephemeral_port_exporter\exporter.log.
void StartServiceLog() {
  wchar_t dir[MAX_PATH];
  DWORD n = GetEnvironmentVariableW(L"ProgramData", dir, MAX_PATH);
  if (n == 0 || n >= MAX_PATH - 64) return;
  std::wstring path = std::wstring(dir) + L"\\ephemeral_port_exporter";
  CreateDirectoryW(path.c_str(), nullptr);
  g_log.path = path + L"\\exporter.log";
  OpenLogFile();
  HANDLE pipe_write = nullptr;
  if (!CreatePipe(&g_log.pipe_read, &pipe_write, nullptr, 0)) return;
  int fd = _open_osfhandle(reinterpret_cast<intptr_t>(pipe_write), _O_BINARY);
  if (fd < 0) return;
  // A service has no console, so the CRT left stderr without a descriptor
  // (-2). Windows' CRT rebinds it with freopen; Wine's msvcrt refuses
  // freopen on such a stream, so there the descriptor is set directly.
  if (_wfreopen(L"NUL", L"w", stderr) != nullptr) {
    if (_dup2(fd, _fileno(stderr)) != 0) return;
  } else {
    if (_dup2(fd, 2) != 0) return;
#if !defined(_UCRT)
    stderr->_file = 2;
#endif
  }
  _close(fd);
  SetStdHandle(STD_ERROR_HANDLE,
               reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stderr))));
  std::setvbuf(stderr, nullptr, _IONBF, 0);
  g_log.thread = CreateThread(nullptr, 0, &LogThread, nullptr, 0, nullptr);
}

// Closes stderr so LogThread drains the pipe and ends (bounded wait).
void StopServiceLog() {
  if (g_log.thread == nullptr) return;
  std::fflush(stderr);
  _close(_fileno(stderr));
  WaitForSingleObject(g_log.thread, 2000);
}

// Ends the process now, STOPPED reported: a start or stop past its limit.
void GiveUp(const char* what, DWORD exit_code) {
  std::fprintf(stderr, "level=error msg=\"%s; ending the process\"\n", what);
  StopServiceLog();
  ReportLocked(SERVICE_STOPPED, exit_code);
  TerminateProcess(GetCurrentProcess(), exit_code == 0 ? 1 : exit_code);
}

// While START_PENDING or STOP_PENDING: a rising checkpoint every tick, and
// the limits above. Ends when `done` is set.
DWORD WINAPI TickerThread(void* done) {
  while (WaitForSingleObject(done, kTickMs) == WAIT_TIMEOUT) {
    std::lock_guard<std::mutex> lock(g_status_mutex);
    DWORD state = g_status.dwCurrentState;
    if (!IsPending(state)) continue;
    ULONGLONG elapsed = GetTickCount64() - g_pending_since;
    if (state == SERVICE_START_PENDING && elapsed > kStartLimitMs)
      GiveUp("start did not reach a listening server in time",
             kExitStartTimeout);
    if (state == SERVICE_STOP_PENDING && elapsed > kStopLimitMs)
      GiveUp("stop did not finish in time", 0);
    ReportLocked(state, 0);
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
  StartServiceLog();
  g_status_handle =
      RegisterServiceCtrlHandlerExW(kServiceName, &OnServiceControl, nullptr);
  if (g_status_handle == nullptr) {
    g_exit_code = 1;
    return;
  }
  // START_PENDING until the body calls ReportServing() (its server
  // listens); Stop is accepted from then on.
  ReportServiceState(SERVICE_START_PENDING, 0);
  HANDLE done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  HANDLE ticker = CreateThread(nullptr, 0, &TickerThread, done, 0, nullptr);
  g_exit_code = (*g_body)();
  SetEvent(done);
  WaitForSingleObject(ticker, INFINITE);
  if (g_exit_code != 0)
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
  std::lock_guard<std::mutex> lock(g_status_mutex);
  if (g_status.dwCurrentState == SERVICE_START_PENDING)
    ReportLocked(SERVICE_RUNNING, 0);
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
