// clang-format off
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <cstdio>
#include <cwchar>

#include "platform/platform.h"

namespace epx {
namespace {

constexpr wchar_t kServiceName[] = L"ephemeral_port_exporter";

// Manual-reset event set by Ctrl+C/Ctrl+Break/close or a service stop.
HANDLE g_stop = nullptr;
bool g_as_service = false;
SERVICE_STATUS_HANDLE g_status_handle = nullptr;
SERVICE_STATUS g_status{};
const std::function<int()>* g_body = nullptr;
int g_exit_code = 0;

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

void ReportServiceState(DWORD state, DWORD exit_code, DWORD wait_hint_ms) {
  static DWORD checkpoint = 1;
  g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  g_status.dwCurrentState = state;
  g_status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                               : 0;
  if (exit_code != 0) {
    g_status.dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR;
    g_status.dwServiceSpecificExitCode = exit_code;
  } else {
    g_status.dwWin32ExitCode = NO_ERROR;
    g_status.dwServiceSpecificExitCode = 0;
  }
  g_status.dwWaitHint = wait_hint_ms;
  g_status.dwCheckPoint =
      (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : checkpoint++;
  if (g_status_handle != nullptr) SetServiceStatus(g_status_handle, &g_status);
}

DWORD WINAPI OnServiceControl(DWORD control, DWORD, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      ReportServiceState(SERVICE_STOP_PENDING, 0, 10000);
      SetEvent(StopEvent());
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

// Services have no console: send the log to a file under ProgramData.
void RedirectStderrToLogFile() {
  wchar_t dir[MAX_PATH];
  DWORD n = GetEnvironmentVariableW(L"ProgramData", dir, MAX_PATH);
  if (n == 0 || n >= MAX_PATH - 64) return;
  std::wstring path = std::wstring(dir) + L"\\ephemeral_port_exporter";
  CreateDirectoryW(path.c_str(), nullptr);
  path += L"\\exporter.log";
  if (_wfreopen(path.c_str(), L"a", stderr) != nullptr)
    std::setvbuf(stderr, nullptr, _IONBF, 0);
}

void WINAPI ServiceMain(DWORD, LPWSTR*) {
  RedirectStderrToLogFile();
  g_status_handle =
      RegisterServiceCtrlHandlerExW(kServiceName, &OnServiceControl, nullptr);
  if (g_status_handle == nullptr) {
    g_exit_code = 1;
    return;
  }
  ReportServiceState(SERVICE_START_PENDING, 0, 10000);
  // The server starts within the body; Stop is accepted from here on.
  ReportServiceState(SERVICE_RUNNING, 0, 0);
  g_exit_code = (*g_body)();
  ReportServiceState(SERVICE_STOPPED, static_cast<DWORD>(g_exit_code), 0);
}

}  // namespace

void PrepareStopSignals() {
  StopEvent();
  SetConsoleCtrlHandler(&OnConsoleControl, TRUE);
}

void WaitForStopSignal() { WaitForSingleObject(StopEvent(), INFINITE); }

bool SleepUnlessStopped(double seconds) {
  double ms = seconds * 1000.0;
  DWORD timeout = ms >= 4294967294.0 ? INFINITE - 1 : static_cast<DWORD>(ms);
  return WaitForSingleObject(StopEvent(), timeout) == WAIT_OBJECT_0;
}

void ShareAllocatorArena() {}

void ReturnFreedMemory() {}

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
