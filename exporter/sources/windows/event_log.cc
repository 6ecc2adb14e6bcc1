#include "sources/windows/event_log.h"

// clang-format off
#include <windows.h>
#include <winevt.h>
// clang-format on

#include <vector>

#include "sources/windows/win_util.h"

namespace epx {
namespace {

class EvtHandleOwner {
 public:
  explicit EvtHandleOwner(EVT_HANDLE h) : h_(h) {}
  ~EvtHandleOwner() {
    if (h_ != nullptr) EvtClose(h_);
  }
  EvtHandleOwner(const EvtHandleOwner&) = delete;
  EvtHandleOwner& operator=(const EvtHandleOwner&) = delete;
  EVT_HANDLE get() const { return h_; }

 private:
  EVT_HANDLE h_;
};

bool RenderXml(EVT_HANDLE event, std::string* xml, std::string* error) {
  std::vector<wchar_t> buffer(4096);
  for (int attempt = 0; attempt < 2; ++attempt) {
    DWORD used = 0, properties = 0;
    if (EvtRender(nullptr, event, EvtRenderEventXml,
                  static_cast<DWORD>(buffer.size() * sizeof(wchar_t)),
                  buffer.data(), &used, &properties)) {
      *xml = Utf8FromWide(buffer.data());
      return true;
    }
    DWORD err = GetLastError();
    if (err != ERROR_INSUFFICIENT_BUFFER) {
      *error = "EvtRender: " + WindowsErrorText(err);
      return false;
    }
    buffer.resize(used / sizeof(wchar_t) + 1);
  }
  *error = "EvtRender: buffer too small";
  return false;
}

}  // namespace

bool TcpipEventReader::Read(EventCounts* out, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::wstring query =
      WideFromUtf8(TcpipEventQuery(lookback_ms_, tally_.last_record_id()));
  EvtHandleOwner results(
      EvtQuery(nullptr, L"System", query.c_str(),
               EvtQueryChannelPath | EvtQueryForwardDirection));
  if (results.get() == nullptr) {
    DWORD err = GetLastError();
    *error = "EvtQuery(System, Tcpip 4227/4231): " +
             (err != ERROR_SUCCESS
                  ? WindowsErrorText(err)
                  : std::string("no result handle (event log service "
                                "unavailable)"));
    return false;
  }
  for (;;) {
    EVT_HANDLE batch[64];
    DWORD returned = 0;
    if (!EvtNext(results.get(), 64, batch, 5000, 0, &returned)) {
      DWORD err = GetLastError();
      if (err == ERROR_NO_MORE_ITEMS) break;
      *error = "EvtNext: " + WindowsErrorText(err);
      return false;
    }
    bool ok = true;
    for (DWORD i = 0; i < returned; ++i) {
      EvtHandleOwner event(batch[i]);
      if (!ok) continue;
      std::string xml, e;
      LoggedEvent parsed;
      if (!RenderXml(event.get(), &xml, &e) ||
          !ParseEventXml(xml, &parsed, &e)) {
        *error = e;
        ok = false;
        continue;
      }
      tally_.Add(parsed);
    }
    if (!ok) return false;
  }
  *out = tally_.Counts();
  return true;
}

}  // namespace epx
