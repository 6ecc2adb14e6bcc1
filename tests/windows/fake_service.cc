// SPDX-License-Identifier: Apache-2.0
// A stand-in Windows service for the Wine test: registers with the service
// control manager, writes its pid to argv[1], holds one TCP connection to
// itself on 127.0.0.1 (listener on argv[2], client bound to argv[2] + 1),
// and exits cleanly on Stop.
//
//   fake_wapcsvc.exe PIDFILE PORT     (as the service's binary path)
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <cstdio>
#include <cstdlib>

namespace {

SERVICE_STATUS_HANDLE g_handle = nullptr;
SERVICE_STATUS g_status{};
HANDLE g_stop = nullptr;
const char* g_pid_file = nullptr;
int g_port = 0;

void Report(DWORD state) {
  g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  g_status.dwCurrentState = state;
  g_status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                               : 0;
  SetServiceStatus(g_handle, &g_status);
}

DWORD WINAPI Control(DWORD control, DWORD, void*, void*) {
  if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
    Report(SERVICE_STOP_PENDING);
    SetEvent(g_stop);
  }
  return NO_ERROR;
}

SOCKET Listen(sockaddr_in* addr) {
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return s;
  if (bind(s, reinterpret_cast<sockaddr*>(addr), sizeof *addr) != 0 ||
      listen(s, 4) != 0) {
    closesocket(s);
    return INVALID_SOCKET;
  }
  return s;
}

void WINAPI Main(DWORD, LPSTR*) {
  g_handle = RegisterServiceCtrlHandlerExA("WAPCSvc", &Control, nullptr);
  if (g_handle == nullptr) return;
  g_stop = CreateEventA(nullptr, TRUE, FALSE, nullptr);
  WSADATA wsa;
  WSAStartup(MAKEWORD(2, 2), &wsa);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<u_short>(g_port));
  SOCKET listener = Listen(&addr);
  SOCKET client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  sockaddr_in local = addr;
  local.sin_port = htons(static_cast<u_short>(g_port + 1));
  bind(client, reinterpret_cast<sockaddr*>(&local), sizeof local);
  connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  SOCKET accepted = accept(listener, nullptr, nullptr);
  if (FILE* f = std::fopen(g_pid_file, "w")) {
    std::fprintf(f, "%lu\n", static_cast<unsigned long>(GetCurrentProcessId()));
    std::fclose(f);
  }
  Report(SERVICE_RUNNING);
  WaitForSingleObject(g_stop, INFINITE);
  closesocket(accepted);
  closesocket(client);
  closesocket(listener);
  WSACleanup();
  Report(SERVICE_STOPPED);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fake_wapcsvc PIDFILE PORT\n");
    return 2;
  }
  g_pid_file = argv[1];
  g_port = std::atoi(argv[2]);
  char name[] = "WAPCSvc";
  SERVICE_TABLE_ENTRYA table[] = {{name, &Main}, {nullptr, nullptr}};
  return StartServiceCtrlDispatcherA(table) ? 0 : 1;
}
