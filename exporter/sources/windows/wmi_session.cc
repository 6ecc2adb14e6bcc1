// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/wmi_session.h"

// clang-format off
#include <windows.h>
#include <objbase.h>
#include <oleauto.h>
#include <wbemidl.h>
// clang-format on

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "sources/windows/win_util.h"

namespace epx {
namespace {

constexpr ULONG kNextTimeoutMs = 5000;

template <typename T>
class ComPtr {
 public:
  ComPtr() = default;
  ~ComPtr() { Reset(); }
  ComPtr(const ComPtr&) = delete;
  ComPtr& operator=(const ComPtr&) = delete;
  T** Out() {
    Reset();
    return &p_;
  }
  T* operator->() const { return p_; }
  T* get() const { return p_; }
  void Reset() {
    if (p_ != nullptr) p_->Release();
    p_ = nullptr;
  }

 private:
  T* p_ = nullptr;
};

class Bstr {
 public:
  explicit Bstr(const std::wstring& text) : b_(SysAllocString(text.c_str())) {}
  ~Bstr() { SysFreeString(b_); }
  Bstr(const Bstr&) = delete;
  Bstr& operator=(const Bstr&) = delete;
  BSTR get() const { return b_; }

 private:
  BSTR b_;
};

std::string HrText(const std::string& what, HRESULT hr) {
  const char* name = WbemCodeName(static_cast<std::uint32_t>(hr));
  if (name[0] != '\0') {
    char code[16];
    std::snprintf(code, sizeof code, "0x%08lx",
                  static_cast<unsigned long>(static_cast<std::uint32_t>(hr)));
    return what + ": " + name + " (" + code + ")";
  }
  return what + ": " + WindowsErrorText(static_cast<std::uint32_t>(hr));
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
    case VT_UI1:
      *out = v.bVal;
      return true;
    default:
      return false;
  }
}

}  // namespace

struct WmiSession::State {
  std::wstring wmi_namespace;
  std::mutex mutex;
  std::condition_variable wake;
  bool started = false;
  bool stop = false;
  bool busy = false;
  // The call in flight; its result fields are written by the thread.
  std::uint64_t job = 0;
  std::uint64_t done = 0;
  std::string wql;
  std::vector<std::string> properties;
  bool ok = false;
  std::vector<WmiRow> rows;
  std::string error;

  void Run();
  bool Connect(IWbemServices** services, std::string* error);
  bool Execute(IWbemServices* services, const std::string& wql,
               const std::vector<std::string>& properties,
               std::vector<WmiRow>* rows, std::string* error);
};

void WmiSession::State::Run() {
  HRESULT init = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  // RPC_E_TOO_LATE when the process chose already: harmless.
  CoInitializeSecurity(nullptr, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_DEFAULT,
                       RPC_C_IMP_LEVEL_IMPERSONATE, nullptr, EOAC_NONE,
                       nullptr);
  ComPtr<IWbemServices> services;
  for (;;) {
    std::string wql_now;
    std::vector<std::string> properties_now;
    std::uint64_t job_now = 0;
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stop || job != done; });
      if (stop) break;
      job_now = job;
      wql_now = wql;
      properties_now = properties;
    }
    std::vector<WmiRow> rows_now;
    std::string error_now;
    bool ok_now = false;
    if (FAILED(init)) {
      error_now = HrText("CoInitializeEx", init);
    } else if (services.get() != nullptr ||
               Connect(services.Out(), &error_now)) {
      ok_now = Execute(services.get(), wql_now, properties_now, &rows_now,
                       &error_now);
      if (!ok_now) services.Reset();
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (job_now == job) {
      ok = ok_now;
      rows = std::move(rows_now);
      error = std::move(error_now);
    }
    done = job_now;
    busy = false;
    wake.notify_all();
  }
  services.Reset();
  if (SUCCEEDED(init)) CoUninitialize();
}

bool WmiSession::State::Connect(IWbemServices** services, std::string* error) {
  ComPtr<IWbemLocator> locator;
  HRESULT hr = CoCreateInstance(CLSID_WbemLocator, nullptr,
                                CLSCTX_INPROC_SERVER, IID_IWbemLocator,
                                reinterpret_cast<void**>(locator.Out()));
  if (FAILED(hr)) {
    *error = HrText("WbemLocator", hr);
    return false;
  }
  Bstr ns(wmi_namespace);
  hr = locator->ConnectServer(ns.get(), nullptr, nullptr, nullptr,
                              WBEM_FLAG_CONNECT_USE_MAX_WAIT, nullptr, nullptr,
                              services);
  if (FAILED(hr)) {
    *error = HrText("ConnectServer(" + Utf8FromWide(wmi_namespace) + ")", hr);
    return false;
  }
  CoSetProxyBlanket(*services, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, nullptr,
                    RPC_C_AUTHN_LEVEL_CALL, RPC_C_IMP_LEVEL_IMPERSONATE,
                    nullptr, EOAC_NONE);
  return true;
}

bool WmiSession::State::Execute(IWbemServices* services, const std::string& wql,
                                const std::vector<std::string>& properties,
                                std::vector<WmiRow>* rows, std::string* error) {
  Bstr language(L"WQL");
  Bstr text(WideFromUtf8(wql));
  ComPtr<IEnumWbemClassObject> results;
  HRESULT hr =
      services->ExecQuery(language.get(), text.get(),
                          WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY,
                          nullptr, results.Out());
  if (FAILED(hr)) {
    *error = HrText(wql, hr);
    return false;
  }
  CoSetProxyBlanket(results.get(), RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, nullptr,
                    RPC_C_AUTHN_LEVEL_CALL, RPC_C_IMP_LEVEL_IMPERSONATE,
                    nullptr, EOAC_NONE);
  for (;;) {
    ComPtr<IWbemClassObject> row;
    ULONG returned = 0;
    hr = results->Next(kNextTimeoutMs, 1, row.Out(), &returned);
    if (FAILED(hr)) {
      *error = HrText(wql, hr);
      return false;
    }
    if (hr == WBEM_S_TIMEDOUT) {
      *error = wql + ": no instance within " + std::to_string(kNextTimeoutMs) +
               " ms (WBEM_S_TIMEDOUT)";
      return false;
    }
    if (hr == WBEM_S_FALSE || returned == 0) break;
    WmiRow out;
    for (const std::string& name : properties) {
      std::wstring wide = WideFromUtf8(name);
      VARIANT v;
      VariantInit(&v);
      if (SUCCEEDED(row->Get(wide.c_str(), 0, &v, nullptr, nullptr))) {
        std::uint32_t number = 0;
        if (v.vt == VT_BSTR) {
          out.strings[name] = Utf8FromWide(v.bstrVal);
        } else if (VariantNumber(v, &number)) {
          out.numbers[name] = number;
        }
      }
      VariantClear(&v);
    }
    rows->push_back(std::move(out));
  }
  return true;
}

WmiSession::WmiSession(std::wstring wmi_namespace)
    : state_(std::make_shared<State>()) {
  state_->wmi_namespace = std::move(wmi_namespace);
}

WmiSession::~WmiSession() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->stop = true;
  state_->wake.notify_all();
}

bool WmiSession::Query(const std::string& wql,
                       const std::vector<std::string>& properties,
                       unsigned timeout_ms, const std::atomic<bool>* cancel,
                       std::vector<WmiRow>* rows, std::string* error) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  if (state_->busy) {
    *error = "WMI has not answered an earlier call yet (" + state_->wql + ")";
    return false;
  }
  if (!state_->started) {
    std::shared_ptr<State> state = state_;
    try {
      std::thread([state] { state->Run(); }).detach();
    } catch (const std::system_error& e) {
      *error = std::string("WMI thread: ") + e.what();
      return false;
    }
    state_->started = true;
  }
  state_->busy = true;
  state_->wql = wql;
  state_->properties = properties;
  std::uint64_t job = ++state_->job;
  state_->wake.notify_all();
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (state_->done != job) {
    if (cancel != nullptr && cancel->load()) {
      *error = wql + ": cancelled (stopping)";
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      *error = wql + ": WMI did not answer within " +
               std::to_string(timeout_ms) + " ms";
      return false;
    }
    state_->wake.wait_for(lock, std::chrono::milliseconds(100));
  }
  if (!state_->ok) {
    *error = state_->error;
    return false;
  }
  *rows = std::move(state_->rows);
  return true;
}

const char* WbemCodeName(std::uint32_t hresult) {
  switch (hresult) {
    case 0x80041001u:
      return "WBEM_E_FAILED";
    case 0x80041002u:
      return "WBEM_E_NOT_FOUND";
    case 0x80041003u:
      return "WBEM_E_ACCESS_DENIED";
    case 0x8004100Eu:
      return "WBEM_E_INVALID_NAMESPACE";
    case 0x80041010u:
      return "WBEM_E_INVALID_CLASS";
    case 0x80041011u:
      return "WBEM_E_PROVIDER_NOT_FOUND";
    case 0x80041013u:
      return "WBEM_E_PROVIDER_LOAD_FAILURE";
    case 0x80041017u:
      return "WBEM_E_INVALID_QUERY";
    case 0x80041032u:
      return "WBEM_E_CALL_CANCELLED";
    case 0x80041033u:
      return "WBEM_E_SHUTTING_DOWN";
    case 0x80041045u:
      return "WBEM_E_TIMED_OUT";
    case 0x80041087u:
      return "WBEM_E_LOCAL_CREDENTIALS";
    default:
      return "";
  }
}

}  // namespace epx
