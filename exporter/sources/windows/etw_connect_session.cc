// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/etw_connect_session.h"

#include <windows.h>
// clang-format off
#include <evntrace.h>
#include <evntcons.h>
// clang-format on

#include <cstring>
#include <vector>

#include "sources/windows/etw_event_parser.h"
#include "sources/windows/win_util.h"

namespace epx {
namespace {

/// EVENT_FILTER_TYPE_EVENT_ID and EVENT_FILTER_EVENT_ID as documented on
/// learn.microsoft.com (evntprov.h, "EVENT_FILTER_EVENT_ID structure");
/// Debian 12's mingw-w64 headers lack both.
constexpr ULONG kFilterTypeEventId = 0x80000200;
struct EventIdFilterHeader {
  BOOLEAN filter_in;
  UCHAR reserved;
  USHORT count;
};

/// Microsoft-Windows-Kernel-Network, {7DD42A49-5329-4832-8DFD-43D979153A88}.
const GUID kKernelNetwork = {0x7dd42a49,
                             0x5329,
                             0x4832,
                             {0x8d, 0xfd, 0x43, 0xd9, 0x79, 0x15, 0x3a, 0x88}};
/// Microsoft-Windows-TCPIP, {2F07E2EE-15DB-40F1-90EF-9D7BA282188A}.
const GUID kTcpip = {0x2f07e2ee,
                     0x15db,
                     0x40f1,
                     {0x90, 0xef, 0x9d, 0x7b, 0xa2, 0x82, 0x18, 0x8a}};

const GUID& ProviderGuid(EtwProvider provider) {
  return provider == EtwProvider::kKernelNetwork ? kKernelNetwork : kTcpip;
}

const char* ProviderName(EtwProvider provider) {
  return provider == EtwProvider::kKernelNetwork
             ? "Microsoft-Windows-Kernel-Network"
             : "Microsoft-Windows-TCPIP";
}

/// Asks the session for `request`'s events only (an event-id filter).
ULONG EnableProvider(TRACEHANDLE session, const EtwProviderRequest& request) {
  const std::vector<std::uint16_t>& ids = request.event_ids;
  std::vector<unsigned char> filter(sizeof(EventIdFilterHeader) +
                                    ids.size() * sizeof(USHORT));
  EventIdFilterHeader header{TRUE, 0, static_cast<USHORT>(ids.size())};
  std::memcpy(filter.data(), &header, sizeof header);
  std::memcpy(filter.data() + sizeof header, ids.data(),
              ids.size() * sizeof(USHORT));
  EVENT_FILTER_DESCRIPTOR descriptor{};
  descriptor.Ptr = reinterpret_cast<ULONGLONG>(filter.data());
  descriptor.Size = static_cast<ULONG>(filter.size());
  descriptor.Type = kFilterTypeEventId;
  ENABLE_TRACE_PARAMETERS parameters{};
  parameters.Version = ENABLE_TRACE_PARAMETERS_VERSION_2;
  parameters.EnableFilterDesc = &descriptor;
  parameters.FilterDescCount = 1;
  return EnableTraceEx2(session, &ProviderGuid(request.provider),
                        EVENT_CONTROL_CODE_ENABLE_PROVIDER,
                        TRACE_LEVEL_INFORMATION, request.keywords, 0, 0,
                        &parameters);
}

/// EVENT_TRACE_PROPERTIES followed by room for the session name.
std::vector<unsigned char> Properties(const std::wstring& name) {
  std::vector<unsigned char> buffer(sizeof(EVENT_TRACE_PROPERTIES) +
                                    (name.size() + 1) * sizeof(wchar_t) + 1024);
  auto* p = reinterpret_cast<EVENT_TRACE_PROPERTIES*>(buffer.data());
  p->Wnode.BufferSize = static_cast<ULONG>(buffer.size());
  p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
  p->Wnode.ClientContext = 1;
  p->LogFileMode = EVENT_TRACE_REAL_TIME_MODE;
  p->FlushTimer = 1;
  p->LoggerNameOffset = sizeof(EVENT_TRACE_PROPERTIES);
  return buffer;
}

std::string Failed(const char* call, ULONG rc) {
  std::string text = std::string(call) + ": " + WindowsErrorText(rc);
  if (rc == ERROR_ACCESS_DENIED)
    text +=
        " (a real-time ETW session needs an administrator, LocalSystem or "
        "a member of Performance Log Users)";
  return text;
}

}  // namespace

struct EtwConnectSession::State {
  std::wstring name;
  TRACEHANDLE session = 0;
  TRACEHANDLE trace = INVALID_PROCESSTRACE_HANDLE;
  std::mutex mutex;
  EtwConnectTally tally;
  std::uint64_t decoded = 0;

  static void WINAPI OnEvent(EVENT_RECORD* record) {
    auto* self = static_cast<State*>(record->UserContext);
    if (self == nullptr) return;
    const GUID& id = record->EventHeader.ProviderId;
    EtwProvider provider;
    if (IsEqualGUID(id, kKernelNetwork)) {
      provider = EtwProvider::kKernelNetwork;
    } else if (IsEqualGUID(id, kTcpip)) {
      provider = EtwProvider::kTcpip;
    } else {
      return;
    }
    EtwConnectEvent event;
    if (!DecodeConnectEvent(provider, record->EventHeader.EventDescriptor.Id,
                            record->EventHeader.EventDescriptor.Version,
                            static_cast<const std::uint8_t*>(record->UserData),
                            record->UserDataLength, &event))
      return;
    std::lock_guard<std::mutex> lock(self->mutex);
    self->tally.Add(event);
    ++self->decoded;
  }
};

EtwConnectSession::EtwConnectSession(std::wstring name)
    : name_(std::move(name)), state_(std::make_shared<State>()) {
  state_->name = name_;
}

EtwConnectSession::~EtwConnectSession() { Stop(); }

bool EtwConnectSession::Start(std::string* error) {
  std::lock_guard<std::mutex> lock(start_mutex_);
  if (tried_) {
    *error = start_error_;
    return start_error_.empty();
  }
  tried_ = true;
  std::vector<unsigned char> props = Properties(name_);
  ULONG rc =
      StartTraceW(&state_->session, name_.c_str(),
                  reinterpret_cast<EVENT_TRACE_PROPERTIES*>(props.data()));
  if (rc == ERROR_ALREADY_EXISTS) {
    std::vector<unsigned char> stale = Properties(name_);
    ControlTraceW(0, name_.c_str(),
                  reinterpret_cast<EVENT_TRACE_PROPERTIES*>(stale.data()),
                  EVENT_TRACE_CONTROL_STOP);
    props = Properties(name_);
    rc = StartTraceW(&state_->session, name_.c_str(),
                     reinterpret_cast<EVENT_TRACE_PROPERTIES*>(props.data()));
  }
  if (rc != ERROR_SUCCESS) {
    state_->session = 0;
    start_error_ = Failed("StartTrace", rc);
    *error = start_error_;
    return false;
  }
  for (const EtwProviderRequest& request : ConnectEventRequests()) {
    rc = EnableProvider(state_->session, request);
    if (rc != ERROR_SUCCESS) {
      start_error_ = Failed("EnableTraceEx2", rc) + " for " +
                     ProviderName(request.provider);
      Stop();
      *error = start_error_;
      return false;
    }
  }
  EVENT_TRACE_LOGFILEW logfile{};
  logfile.LoggerName = const_cast<wchar_t*>(state_->name.c_str());
  logfile.ProcessTraceMode =
      PROCESS_TRACE_MODE_REAL_TIME | PROCESS_TRACE_MODE_EVENT_RECORD;
  logfile.EventRecordCallback = &State::OnEvent;
  logfile.Context = state_.get();
  state_->trace = OpenTraceW(&logfile);
  if (state_->trace == INVALID_PROCESSTRACE_HANDLE) {
    start_error_ = Failed("OpenTrace", GetLastError());
    Stop();
    *error = start_error_;
    return false;
  }
  std::shared_ptr<State> state = state_;
  try {
    thread_ = std::thread([state] {
      TRACEHANDLE handle = state->trace;
      ProcessTrace(&handle, 1, nullptr, nullptr);
    });
  } catch (const std::exception& e) {
    start_error_ = std::string("ProcessTrace thread: ") + e.what();
    Stop();
    *error = start_error_;
    return false;
  }
  return true;
}

bool EtwConnectSession::Read(ConnectEvents* out, std::string* error) {
  if (!Start(error)) return false;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    *out = state_->tally.Counts();
  }
  std::vector<unsigned char> props = Properties(name_);
  auto* p = reinterpret_cast<EVENT_TRACE_PROPERTIES*>(props.data());
  if (ControlTraceW(state_->session, nullptr, p, EVENT_TRACE_CONTROL_QUERY) ==
      ERROR_SUCCESS) {
    out->losses_known = true;
    out->events_lost = p->EventsLost;
    out->buffers_lost = p->RealTimeBuffersLost;
  }
  return true;
}

std::uint64_t EtwConnectSession::DecodedEvents() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->decoded;
}

void EtwConnectSession::Stop() {
  if (state_->session != 0) {
    std::vector<unsigned char> props = Properties(name_);
    ControlTraceW(state_->session, nullptr,
                  reinterpret_cast<EVENT_TRACE_PROPERTIES*>(props.data()),
                  EVENT_TRACE_CONTROL_STOP);
    state_->session = 0;
  }
  if (state_->trace != INVALID_PROCESSTRACE_HANDLE) {
    CloseTrace(state_->trace);
    state_->trace = INVALID_PROCESSTRACE_HANDLE;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace epx
