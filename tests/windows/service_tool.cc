// SPDX-License-Identifier: Apache-2.0
// Minimal service control for the Wine test (sc.exe-like, but with waits):
//   service_tool create NAME "BINARY ARGS..."
//   service_tool start NAME      waits up to 40 s for RUNNING, prints the pid
//   service_tool stop NAME       waits up to 40 s for STOPPED (the service
//                                gives up by itself after 15 s), prints
//                                how long the stop took
//   service_tool stop-crash NAME sends Stop and, while the service stops,
//                                makes its process crash (a thread of its
//                                own started at an unmapped address); waits
//                                up to 40 s for STOPPED, prints the state and
//                                the exit codes
//   service_tool delete NAME
//   service_tool trace NAME PORT   starts NAME and prints every status change
//                                  until RUNNING or STOPPED (30 s); at the
//                                  first RUNNING, whether 127.0.0.1:PORT
//                                  accepts a connection
//   service_tool status NAME       prints the state, accepted controls, pid
//   service_tool config NAME       prints start type, account, binary path,
//                                  delayed start and the failure actions
// Exit status 0 on success, 1 with a message on failure.
#include <winsock2.h>
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

int Fail(const char* what) {
  std::fprintf(stderr, "service_tool: %s failed: error %lu\n", what,
               static_cast<unsigned long>(GetLastError()));
  return 1;
}

// Polls every 100 ms, for at most 40 s of wall time: a loaded machine slows
// Wine's service manager down, so the bound is on the clock, not the count.
bool WaitFor(SC_HANDLE service, DWORD state, SERVICE_STATUS_PROCESS* status) {
  const ULONGLONG deadline = GetTickCount64() + 40000;
  while (GetTickCount64() < deadline) {
    DWORD needed = 0;
    if (!QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO,
                              reinterpret_cast<LPBYTE>(status), sizeof *status,
                              &needed)) {
      return false;
    }
    if (status->dwCurrentState == state) return true;
    // A start that ended: StartService had set START_PENDING already.
    if (state == SERVICE_RUNNING && status->dwCurrentState == SERVICE_STOPPED)
      return false;
    Sleep(100);
  }
  SetLastError(ERROR_TIMEOUT);
  return false;
}

const char* StateName(DWORD state) {
  switch (state) {
    case SERVICE_STOPPED:
      return "STOPPED";
    case SERVICE_START_PENDING:
      return "START_PENDING";
    case SERVICE_STOP_PENDING:
      return "STOP_PENDING";
    case SERVICE_RUNNING:
      return "RUNNING";
    default:
      return "OTHER";
  }
}

bool Accepts(int port) {
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<u_short>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  closesocket(s);
  return ok;
}

int Trace(SC_HANDLE service, int port) {
  WSADATA wsa;
  WSAStartup(MAKEWORD(2, 2), &wsa);
  if (!StartServiceA(service, 0, nullptr)) return Fail("StartService");
  SERVICE_STATUS_PROCESS last{};
  last.dwCurrentState = 0;
  for (int i = 0; i < 3000; ++i) {
    SERVICE_STATUS_PROCESS st{};
    DWORD needed = 0;
    if (!QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO,
                              reinterpret_cast<LPBYTE>(&st), sizeof st,
                              &needed)) {
      return Fail("QueryServiceStatusEx");
    }
    if (st.dwCurrentState != last.dwCurrentState ||
        st.dwCheckPoint != last.dwCheckPoint) {
      std::printf("state=%s checkpoint=%lu wait_hint=%lu",
                  StateName(st.dwCurrentState),
                  static_cast<unsigned long>(st.dwCheckPoint),
                  static_cast<unsigned long>(st.dwWaitHint));
      if (st.dwCurrentState == SERVICE_RUNNING)
        std::printf(" listening=%s", Accepts(port) ? "yes" : "no");
      if (st.dwCurrentState == SERVICE_STOPPED)
        std::printf(" win32_exit=%lu service_exit=%lu",
                    static_cast<unsigned long>(st.dwWin32ExitCode),
                    static_cast<unsigned long>(st.dwServiceSpecificExitCode));
      std::printf("\n");
      std::fflush(stdout);
      last = st;
    }
    if (st.dwCurrentState == SERVICE_RUNNING ||
        st.dwCurrentState == SERVICE_STOPPED) {
      return 0;
    }
    Sleep(10);
  }
  std::printf("timeout\n");
  return 1;
}

int Config(SC_HANDLE service) {
  DWORD needed = 0;
  QueryServiceConfigA(service, nullptr, 0, &needed);
  std::vector<BYTE> buf(needed + 1);
  auto* config = reinterpret_cast<QUERY_SERVICE_CONFIGA*>(buf.data());
  if (!QueryServiceConfigA(service, config, needed, &needed))
    return Fail("QueryServiceConfig");
  std::printf("start_type=%lu\naccount=%s\nbinary=%s\n",
              static_cast<unsigned long>(config->dwStartType),
              config->lpServiceStartName ? config->lpServiceStartName : "",
              config->lpBinaryPathName ? config->lpBinaryPathName : "");
  SERVICE_DELAYED_AUTO_START_INFO delayed{};
  if (QueryServiceConfig2A(service, SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
                           reinterpret_cast<LPBYTE>(&delayed), sizeof delayed,
                           &needed)) {
    std::printf("delayed_auto_start=%d\n", delayed.fDelayedAutostart ? 1 : 0);
  } else {
    std::printf("delayed_auto_start=unsupported (error %lu)\n",
                static_cast<unsigned long>(GetLastError()));
  }
  SERVICE_FAILURE_ACTIONS_FLAG flag{};
  if (QueryServiceConfig2A(service, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG,
                           reinterpret_cast<LPBYTE>(&flag), sizeof flag,
                           &needed)) {
    std::printf("failure_actions_on_non_crash=%d\n",
                flag.fFailureActionsOnNonCrashFailures ? 1 : 0);
  } else {
    std::printf("failure_actions_on_non_crash=unsupported (error %lu)\n",
                static_cast<unsigned long>(GetLastError()));
  }
  needed = 0;
  QueryServiceConfig2A(service, SERVICE_CONFIG_FAILURE_ACTIONS, nullptr, 0,
                       &needed);
  std::vector<BYTE> actions_buf(needed + sizeof(SERVICE_FAILURE_ACTIONSA));
  auto* actions =
      reinterpret_cast<SERVICE_FAILURE_ACTIONSA*>(actions_buf.data());
  if (QueryServiceConfig2A(service, SERVICE_CONFIG_FAILURE_ACTIONS,
                           actions_buf.data(),
                           static_cast<DWORD>(actions_buf.size()), &needed)) {
    std::printf("failure_actions=%lu reset=%lu\n",
                static_cast<unsigned long>(actions->cActions),
                static_cast<unsigned long>(actions->dwResetPeriod));
  } else {
    std::printf("failure_actions=unsupported (error %lu)\n",
                static_cast<unsigned long>(GetLastError()));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: service_tool create|start|stop|delete|trace|config NAME "
        "[BINPATH|PORT]\n");
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
  const int attempts =
      std::strcmp(verb, "start") == 0 || std::strcmp(verb, "trace") == 0 ? 50
                                                                         : 1;
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
  if (std::strcmp(verb, "trace") == 0)
    return argc < 4 ? 2 : Trace(s, std::atoi(argv[3]));
  if (std::strcmp(verb, "config") == 0) return Config(s);
  if (std::strcmp(verb, "status") == 0) {
    DWORD needed = 0;
    if (!QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO,
                              reinterpret_cast<LPBYTE>(&status), sizeof status,
                              &needed)) {
      return Fail("QueryServiceStatusEx");
    }
    std::printf("state=%s controls=0x%lx pid=%lu\n",
                StateName(status.dwCurrentState),
                static_cast<unsigned long>(status.dwControlsAccepted),
                static_cast<unsigned long>(status.dwProcessId));
    return 0;
  }
  if (std::strcmp(verb, "stop") == 0) {
    SERVICE_STATUS plain{};
    const ULONGLONG began = GetTickCount64();
    if (!ControlService(s, SERVICE_CONTROL_STOP, &plain))
      return Fail("ControlService(STOP)");
    bool stopped = WaitFor(s, SERVICE_STOPPED, &status);
    std::printf("stop: %s after %llu ms (state=%s)\n",
                stopped ? "STOPPED" : "not STOPPED",
                static_cast<unsigned long long>(GetTickCount64() - began),
                StateName(status.dwCurrentState));
    return stopped ? 0 : Fail("wait for STOPPED");
  }
  if (std::strcmp(verb, "stop-crash") == 0) {
    DWORD needed = 0;
    if (!QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO,
                              reinterpret_cast<LPBYTE>(&status), sizeof status,
                              &needed)) {
      return Fail("QueryServiceStatusEx");
    }
    HANDLE process = OpenProcess(PROCESS_ALL_ACCESS, FALSE, status.dwProcessId);
    if (process == nullptr) return Fail("OpenProcess");
    SERVICE_STATUS plain{};
    const ULONGLONG began = GetTickCount64();
    if (!ControlService(s, SERVICE_CONTROL_STOP, &plain))
      return Fail("ControlService(STOP)");
    // Address 0x10 is never mapped: the thread faults at its first
    // instruction, an unhandled access violation in the service process.
    HANDLE thread = CreateRemoteThread(
        process, nullptr, 0, reinterpret_cast<LPTHREAD_START_ROUTINE>(0x10),
        nullptr, 0, nullptr);
    if (thread == nullptr) return Fail("CreateRemoteThread");
    CloseHandle(thread);
    CloseHandle(process);
    bool stopped = WaitFor(s, SERVICE_STOPPED, &status);
    std::printf(
        "stop-crash: %s after %llu ms (state=%s) win32_exit=%lu "
        "service_exit=%lu\n",
        stopped ? "STOPPED" : "not STOPPED",
        static_cast<unsigned long long>(GetTickCount64() - began),
        StateName(status.dwCurrentState),
        static_cast<unsigned long>(status.dwWin32ExitCode),
        static_cast<unsigned long>(status.dwServiceSpecificExitCode));
    return stopped ? 0 : Fail("wait for STOPPED");
  }
  if (std::strcmp(verb, "delete") == 0) {
    if (!DeleteService(s)) return Fail("DeleteService");
    return 0;
  }
  std::fprintf(stderr, "service_tool: unknown verb %s\n", verb);
  return 2;
}
