#include "sources/windows/port_range.h"

// clang-format off
#include <windows.h>
#include <objbase.h>
#include <oleauto.h>
#include <wbemidl.h>
// clang-format on

#include <mutex>
#include <utility>

#include "sources/windows/win_util.h"
#include "sources/windows/port_range_parser.h"

namespace epx {
namespace {

constexpr unsigned kNetshTimeoutMs = 15000;
constexpr std::uint16_t kWindowsDefaultStart = 49152;
constexpr std::uint32_t kWindowsDefaultCount = 16384;

template <typename T>
class ComPtr {
 public:
  ComPtr() = default;
  ~ComPtr() {
    if (p_ != nullptr) p_->Release();
  }
  ComPtr(const ComPtr&) = delete;
  ComPtr& operator=(const ComPtr&) = delete;
  T** Out() { return &p_; }
  T* operator->() const { return p_; }
  T* get() const { return p_; }

 private:
  T* p_ = nullptr;
};

class ComScope {
 public:
  ComScope() : hr_(CoInitializeEx(nullptr, COINIT_MULTITHREADED)) {}
  ~ComScope() {
    if (SUCCEEDED(hr_)) CoUninitialize();
  }
  HRESULT result() const { return hr_ == RPC_E_CHANGED_MODE ? S_OK : hr_; }

 private:
  HRESULT hr_;
};

std::string HrText(const char* what, HRESULT hr) {
  return std::string(what) + ": " +
         WindowsErrorText(static_cast<std::uint32_t>(hr));
}

bool VariantNumber(const VARIANT& v, std::uint32_t* out) {
  switch (v.vt) {
    case VT_I4:
      *out = static_cast<std::uint32_t>(v.lVal);
      return v.lVal >= 0;
    case VT_UI4:
      *out = v.ulVal;
      return true;
    case VT_I2:
      *out = static_cast<std::uint32_t>(v.iVal);
      return v.iVal >= 0;
    case VT_UI2:
      *out = v.uiVal;
      return true;
    default:
      return false;
  }
}

// Reads every instance of `wmi_class` in ROOT\StandardCimv2.
bool QueryWmiSettings(IWbemServices* services, const wchar_t* wmi_class,
                      std::vector<WmiPortSettingInstance>* out,
                      std::string* error) {
  std::wstring query = std::wstring(
                           L"SELECT SettingName, DynamicPortRangeStartPort, "
                           L"DynamicPortRangeNumberOfPorts FROM ") +
                       wmi_class;
  BSTR language = SysAllocString(L"WQL");
  BSTR text = SysAllocString(query.c_str());
  ComPtr<IEnumWbemClassObject> rows;
  HRESULT hr = services->ExecQuery(
      language, text, WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY,
      nullptr, rows.Out());
  SysFreeString(language);
  SysFreeString(text);
  if (FAILED(hr)) {
    *error = HrText(Utf8FromWide(wmi_class).c_str(), hr);
    return false;
  }
  for (;;) {
    ComPtr<IWbemClassObject> row;
    ULONG returned = 0;
    hr = rows->Next(10000, 1, row.Out(), &returned);
    if (hr == WBEM_S_FALSE || returned == 0) break;
    if (FAILED(hr)) {
      *error = HrText(Utf8FromWide(wmi_class).c_str(), hr);
      return false;
    }
    WmiPortSettingInstance instance;
    VARIANT v;
    VariantInit(&v);
    if (SUCCEEDED(row->Get(L"SettingName", 0, &v, nullptr, nullptr)) &&
        v.vt == VT_BSTR) {
      instance.setting_name = Utf8FromWide(v.bstrVal);
    }
    VariantClear(&v);
    std::uint32_t start = 0, count = 0;
    bool has_start = false, has_count = false;
    if (SUCCEEDED(
            row->Get(L"DynamicPortRangeStartPort", 0, &v, nullptr, nullptr))) {
      has_start = VariantNumber(v, &start);
    }
    VariantClear(&v);
    if (SUCCEEDED(row->Get(L"DynamicPortRangeNumberOfPorts", 0, &v, nullptr,
                           nullptr))) {
      has_count = VariantNumber(v, &count);
    }
    VariantClear(&v);
    instance.has_range = has_start && has_count;
    instance.start = start;
    instance.count = count;
    out->push_back(instance);
  }
  return true;
}

bool ReadWmiRanges(DynamicPortSetting* tcp, DynamicPortSetting* udp,
                   std::string* error) {
  ComScope com;
  if (FAILED(com.result())) {
    *error = HrText("CoInitializeEx", com.result());
    return false;
  }
  static std::once_flag security_once;
  std::call_once(security_once, [] {
    // Fails with RPC_E_TOO_LATE if the process already chose; harmless.
    CoInitializeSecurity(nullptr, -1, nullptr, nullptr,
                         RPC_C_AUTHN_LEVEL_DEFAULT, RPC_C_IMP_LEVEL_IMPERSONATE,
                         nullptr, EOAC_NONE, nullptr);
  });
  ComPtr<IWbemLocator> locator;
  HRESULT hr = CoCreateInstance(CLSID_WbemLocator, nullptr,
                                CLSCTX_INPROC_SERVER, IID_IWbemLocator,
                                reinterpret_cast<void**>(locator.Out()));
  if (FAILED(hr)) {
    *error = HrText("WbemLocator", hr);
    return false;
  }
  BSTR ns = SysAllocString(L"ROOT\\StandardCimv2");
  ComPtr<IWbemServices> services;
  hr = locator->ConnectServer(ns, nullptr, nullptr, nullptr, 0, nullptr,
                              nullptr, services.Out());
  SysFreeString(ns);
  if (FAILED(hr)) {
    *error = HrText("ConnectServer(ROOT\\StandardCimv2)", hr);
    return false;
  }
  CoSetProxyBlanket(services.get(), RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE,
                    nullptr, RPC_C_AUTHN_LEVEL_CALL,
                    RPC_C_IMP_LEVEL_IMPERSONATE, nullptr, EOAC_NONE);
  struct Target {
    const wchar_t* wmi_class;
    DynamicPortSetting* out;
  };
  for (const Target& t : {Target{L"MSFT_NetTCPSetting", tcp},
                          Target{L"MSFT_NetUDPSetting", udp}}) {
    std::vector<WmiPortSettingInstance> instances;
    if (!QueryWmiSettings(services.get(), t.wmi_class, &instances, error))
      return false;
    std::string choose_error;
    if (!ChooseWmiDynamicPortRange(instances, t.out, &choose_error)) {
      *error = Utf8FromWide(t.wmi_class) + ": " + choose_error;
      return false;
    }
  }
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

}  // namespace

bool RunSystemProgram(const std::wstring& program,
                      const std::wstring& arguments, unsigned timeout_ms,
                      std::string* output, std::string* error) {
  wchar_t system_dir[MAX_PATH];
  UINT n = GetSystemDirectoryW(system_dir, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) {
    *error = "GetSystemDirectory: " + WindowsErrorText(GetLastError());
    return false;
  }
  std::wstring path = std::wstring(system_dir) + L"\\" + program;
  std::wstring command_line = L"\"" + path + L"\" " + arguments;
  std::string name = Utf8FromWide(program) + " " + Utf8FromWide(arguments);

  SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE read_end = nullptr, write_end = nullptr;
  if (!CreatePipe(&read_end, &write_end, &inherit, 0)) {
    *error = name + ": CreatePipe: " + WindowsErrorText(GetLastError());
    return false;
  }
  SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
  HANDLE null_in = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ, &inherit,
                               OPEN_EXISTING, 0, nullptr);
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = null_in;
  startup.hStdOutput = write_end;
  startup.hStdError = write_end;
  PROCESS_INFORMATION process{};
  std::wstring mutable_line = command_line;
  BOOL started =
      CreateProcessW(path.c_str(), &mutable_line[0], nullptr, nullptr, TRUE,
                     CREATE_NO_WINDOW, nullptr, system_dir, &startup, &process);
  DWORD start_error = GetLastError();
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
    if (GetTickCount64() >= deadline) {
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
    *error = name + ": no answer within " + std::to_string(timeout_ms) + " ms";
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

bool ReadWindowsPortRanges(std::vector<PortRange>* out, std::string* source,
                           std::string* error) {
  std::vector<std::string> problems;
  DynamicPortSetting settings[2][2];  // [protocol][family]
  bool have = false;
  {
    DynamicPortSetting tcp, udp;
    std::string wmi_error;
    if (ReadWmiRanges(&tcp, &udp, &wmi_error)) {
      for (int f = 0; f < 2; ++f) {
        settings[0][f] = tcp;
        settings[1][f] = udp;
      }
      have = true;
      *source = "wmi";
    } else {
      problems.push_back("WMI: " + wmi_error);
    }
  }
  if (!have) {
    bool all = true;
    for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
      for (Family f : {Family::kIpv4, Family::kIpv6}) {
        std::wstring args = std::wstring(L"int ") + FamilyArg(f) +
                            L" show dynamicport " + ProtocolArg(p);
        std::string text, e;
        DynamicPortSetting s;
        if (!RunSystemProgram(L"netsh.exe", args, kNetshTimeoutMs, &text, &e) ||
            !ParseNetshDynamicPortRange(text, &s, &e)) {
          if (all) problems.push_back("netsh " + Utf8FromWide(args) + ": " + e);
          all = false;
          continue;
        }
        settings[p == Protocol::kTcp ? 0 : 1][f == Family::kIpv4 ? 0 : 1] = s;
      }
    }
    if (all) {
      have = true;
      *source = "netsh";
    }
  }
  if (!have) {
    for (auto& protocol : settings) {
      for (auto& s : protocol) s = {kWindowsDefaultStart, kWindowsDefaultCount};
    }
    *source = "default";
    problems.push_back("assuming the Windows default range 49152-65535");
  }
  bool exclusions_known = true;
  for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
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
      if (!RunSystemProgram(L"netsh.exe", args, kNetshTimeoutMs, &text, &e) ||
          (!NonBlank(text) && (e = "printed nothing", true)) ||
          !ParseNetshExcludedPortRanges(text, &r.reserved, &e)) {
        r.reserved.clear();
        if (exclusions_known)
          problems.push_back("excluded ports unknown: netsh " +
                             Utf8FromWide(args) + ": " + e);
        exclusions_known = false;
      }
      out->push_back(std::move(r));
    }
  }
  for (const std::string& p : problems) {
    if (!error->empty()) *error += "; ";
    *error += p;
  }
  return problems.empty();
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
