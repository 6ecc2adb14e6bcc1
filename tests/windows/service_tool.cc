// Minimal service control for the Wine test (sc.exe-like, but with waits):
//   service_tool create NAME "BINARY ARGS..."
//   service_tool start NAME      waits up to 20 s for RUNNING, prints the pid
//   service_tool stop NAME       waits up to 20 s for STOPPED
//   service_tool delete NAME
// Exit status 0 on success, 1 with a message on failure.
#include <windows.h>

#include <cstdio>
#include <cstring>

namespace {

int Fail(const char* what) {
  std::fprintf(stderr, "service_tool: %s failed: error %lu\n", what,
               static_cast<unsigned long>(GetLastError()));
  return 1;
}

bool WaitFor(SC_HANDLE service, DWORD state, SERVICE_STATUS_PROCESS* status) {
  for (int i = 0; i < 200; ++i) {
    DWORD needed = 0;
    if (!QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO,
                              reinterpret_cast<LPBYTE>(status), sizeof *status,
                              &needed)) {
      return false;
    }
    if (status->dwCurrentState == state) return true;
    Sleep(100);
  }
  SetLastError(ERROR_TIMEOUT);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: service_tool create|start|stop|delete NAME [BINPATH]\n");
    return 2;
  }
  const char* verb = argv[1];
  const char* name = argv[2];
  SC_HANDLE scm = OpenSCManagerA(nullptr, nullptr, SC_MANAGER_ALL_ACCESS);
  if (scm == nullptr) return Fail("OpenSCManager");
  if (std::strcmp(verb, "create") == 0) {
    if (argc < 4) return 2;
    SC_HANDLE s = CreateServiceA(
        scm, name, name, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
        SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, argv[3], nullptr, nullptr,
        nullptr, nullptr, nullptr);
    if (s == nullptr) return Fail("CreateService");
    CloseServiceHandle(s);
    return 0;
  }
  // Wine's service manager may not show a just-created service at once.
  SC_HANDLE s = nullptr;
  const int attempts = std::strcmp(verb, "start") == 0 ? 50 : 1;
  for (int i = 0; i < attempts && s == nullptr; ++i) {
    s = OpenServiceA(scm, name, SERVICE_ALL_ACCESS);
    if (s == nullptr && GetLastError() != ERROR_SERVICE_DOES_NOT_EXIST) break;
    if (s == nullptr && i + 1 < attempts) Sleep(100);
  }
  if (s == nullptr) return Fail("OpenService");
  SERVICE_STATUS_PROCESS status{};
  if (std::strcmp(verb, "start") == 0) {
    if (!StartServiceA(s, 0, nullptr)) return Fail("StartService");
    if (!WaitFor(s, SERVICE_RUNNING, &status)) return Fail("wait for RUNNING");
    std::printf("%lu\n", static_cast<unsigned long>(status.dwProcessId));
    return 0;
  }
  if (std::strcmp(verb, "stop") == 0) {
    SERVICE_STATUS plain{};
    if (!ControlService(s, SERVICE_CONTROL_STOP, &plain))
      return Fail("ControlService(STOP)");
    if (!WaitFor(s, SERVICE_STOPPED, &status)) return Fail("wait for STOPPED");
    return 0;
  }
  if (std::strcmp(verb, "delete") == 0) {
    if (!DeleteService(s)) return Fail("DeleteService");
    return 0;
  }
  std::fprintf(stderr, "service_tool: unknown verb %s\n", verb);
  return 2;
}
