// SPDX-License-Identifier: Apache-2.0
// clang-format off
#include <winsock2.h>
#include <windows.h>
#include <shlobj.h>
// clang-format on

#include <fcntl.h>
#include <io.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cwchar>
#include <ctime>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

#include "platform/data_folder_windows.h"
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
// 4 the data folder is refused, 5 a crash or std::terminate.
constexpr DWORD kExitStartTimeout = 3;
constexpr DWORD kExitDataFolderRefused = 4;
constexpr DWORD kExitAbnormalEnd = 5;
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

// The service's status. g_status_mutex guards these fields only and is
// never held while calling the SCM: the control handler runs on the
// dispatcher thread, which holds the dispatcher's own lock, and
// SetServiceStatus(STOPPED) takes that lock too.
std::mutex g_status_mutex;
SERVICE_STATUS g_status{};
ULONGLONG g_pending_since = 0;
PendingProgress g_progress;
// Serializes SetServiceStatus calls; each sends the status current when it
// runs, so the SCM sees the last change last. Never taken by the handler.
std::timed_mutex g_report_mutex;
// Set to have the watchdog thread send the status (the handler's changes).
HANDLE g_report_wanted = nullptr;
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

// Caller holds g_status_mutex. STOPPED is final: later changes are ignored.
void SetStateLocked(DWORD state, DWORD exit_code) {
  if (g_status.dwCurrentState == SERVICE_STOPPED) return;
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
}

SERVICE_STATUS CurrentStatus() {
  std::lock_guard<std::mutex> lock(g_status_mutex);
  return g_status;
}

// Sends the current status to the SCM, after any send in progress.
void SendStatus() {
  std::lock_guard<std::timed_mutex> order(g_report_mutex);
  SERVICE_STATUS status = CurrentStatus();
  if (g_status_handle != nullptr) SetServiceStatus(g_status_handle, &status);
}

void ReportServiceState(DWORD state, DWORD exit_code) {
  {
    std::lock_guard<std::mutex> lock(g_status_mutex);
    SetStateLocked(state, exit_code);
  }
  SendStatus();
}

// Reports STOPPED with exit_code now, from any thread and whatever the
// others are doing: after a send in progress if one ends within a second,
// else at once (STOPPED is final, so it cannot be overtaken by an older one).
// The SCM must hear STOPPED before the process ends: Wine's only marks a
// service whose process is gone stopped if it was RUNNING, so a process that
// ends STOP_PENDING would stay STOP_PENDING there.
void ReportStoppedNow(DWORD exit_code) {
  {
    std::lock_guard<std::mutex> lock(g_status_mutex);
    SetStateLocked(SERVICE_STOPPED, exit_code);
  }
  SERVICE_STATUS status = CurrentStatus();
  if (g_status_handle == nullptr) return;
  if (g_report_mutex.try_lock_for(std::chrono::seconds(1))) {
    SetServiceStatus(g_status_handle, &status);
    g_report_mutex.unlock();
  } else {
    SetServiceStatus(g_status_handle, &status);
  }
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
  ReportStoppedNow(exit_code);
  HANDLE log = CreateThread(nullptr, 0, &LogGivingUp, const_cast<char*>(what),
                            0, nullptr);
  if (log != nullptr) WaitForSingleObject(log, 1000);
  TerminateProcess(GetCurrentProcess(), exit_code == 0 ? 1 : exit_code);
}

// While the body runs: sends the status the control handler changed, and
// past the start or stop limit gives up (it reports no progress of its
// own). Ends when `done` is set.
DWORD WINAPI WatchdogThread(void* done) {
  HANDLE events[] = {static_cast<HANDLE>(done), g_report_wanted};
  for (;;) {
    DWORD woke = WaitForMultipleObjects(2, events, FALSE, kTickMs);
    if (woke == WAIT_OBJECT_0 || woke == WAIT_FAILED) return 0;
    if (woke == WAIT_OBJECT_0 + 1) SendStatus();
    DWORD state;
    ULONGLONG elapsed;
    {
      std::lock_guard<std::mutex> lock(g_status_mutex);
      state = g_status.dwCurrentState;
      elapsed = GetTickCount64() - g_pending_since;
    }
    if (state == SERVICE_START_PENDING && elapsed > kStartLimitMs)
      GiveUp("start did not reach a listening server in time",
             kExitStartTimeout);
    if (state == SERVICE_STOP_PENDING && elapsed > kStopLimitMs)
      GiveUp("stop did not finish in time", 0);
  }
}

// A crash or std::terminate in service mode: STOPPED with this code before
// the process ends (then the system's usual handling).
LONG WINAPI OnUnhandledException(EXCEPTION_POINTERS*) {
  ReportStoppedNow(kExitAbnormalEnd);
  return EXCEPTION_CONTINUE_SEARCH;
}

void OnTerminate() {
  ReportStoppedNow(kExitAbnormalEnd);
  std::abort();
}

DWORD WINAPI OnServiceControl(DWORD control, DWORD, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN: {
      // Runs on the dispatcher thread: waits for nothing, the watchdog
      // thread sends STOP_PENDING.
      std::lock_guard<std::mutex> lock(g_status_mutex);
      if (g_status.dwCurrentState == SERVICE_RUNNING)
        SetStateLocked(SERVICE_STOP_PENDING, 0);
      SetEvent(StopEvent());
      SetEvent(g_report_wanted);
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI ServiceMain(DWORD, LPWSTR*) {
  g_report_wanted = CreateEventW(nullptr, FALSE, FALSE, nullptr);
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
  SetUnhandledExceptionFilter(&OnUnhandledException);
  std::set_terminate(&OnTerminate);
  HANDLE done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  HANDLE watchdog = CreateThread(nullptr, 0, &WatchdogThread, done, 0, nullptr);
  g_exit_code = (*g_body)();
  SetEvent(done);
  WaitForSingleObject(watchdog, INFINITE);
  if (g_exit_code != 0 && g_start_error_logged)
    std::fprintf(stderr, "level=error msg=\"service ends\" exit_code=%d\n",
                 g_exit_code);
  StopServiceLog();
  ReportStoppedNow(static_cast<DWORD>(g_exit_code));
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
  {
    std::lock_guard<std::mutex> lock(g_status_mutex);
    if (g_status.dwCurrentState != SERVICE_START_PENDING) return;
    SetStateLocked(SERVICE_RUNNING, 0);
  }
  SendStatus();
}

void ReportStartProgress() {
  if (!g_as_service) return;
  {
    std::lock_guard<std::mutex> lock(g_status_mutex);
    if (g_status.dwCurrentState != SERVICE_START_PENDING) return;
    g_progress.Milestone();
    SetStateLocked(SERVICE_START_PENDING, 0);
  }
  SendStatus();
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

void TuneAllocator() {}

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
  // The dispatcher returns once STOPPED was reported; should it return
  // otherwise, STOPPED before the process ends.
  if (g_status_handle != nullptr &&
      CurrentStatus().dwCurrentState != SERVICE_STOPPED)
    ReportStoppedNow(kExitAbnormalEnd);
  return g_exit_code;
}

}  // namespace epx
