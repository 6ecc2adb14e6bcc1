// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/event_log.h"

// clang-format off
#include <windows.h>
#include <winevt.h>
// clang-format on

#include <cstdio>
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

// Oldest record number and record count of the System log; false when
// the log cannot be opened (the caller then relies on record ids alone).
bool SystemLogExtent(std::uint64_t* oldest, std::uint64_t* count) {
  EvtHandleOwner log(EvtOpenLog(nullptr, L"System", EvtOpenChannelPath));
  if (log.get() == nullptr) return false;
  auto read = [&](EVT_LOG_PROPERTY_ID id, std::uint64_t* out) {
    EVT_VARIANT value{};
    DWORD used = 0;
    if (!EvtGetLogInfo(log.get(), id, sizeof value, &value, &used))
      return false;
    if (value.Type != EvtVarTypeUInt64) return false;
    *out = value.UInt64Val;
    return true;
  };
  return read(EvtLogOldestRecordNumber, oldest) &&
         read(EvtLogNumberOfLogRecords, count);
}

}  // namespace

bool TcpipEventReader::Read(EventCounts* out, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t oldest = 0, count = 0;
  std::uint64_t after = tally_.last_record_id();
  bool extent_known = SystemLogExtent(&oldest, &count);
  if (extent_known) {
    bool cleared = false;
    after = cursor_.Begin(oldest, count, after, &cleared);
    if (cleared) {
      tally_.ForgetRecordIds();
      if (!clear_logged_) {
        std::fprintf(stderr,
                     "level=warn collector=events msg=\"the System log was "
                     "cleared; reading it again from its first record\"\n");
        clear_logged_ = true;
      }
    }
  }
  std::wstring query = WideFromUtf8(TcpipEventQuery(lookback_ms_, after));
  EvtHandleOwner results(
      EvtQuery(nullptr, L"System", query.c_str(),
               EvtQueryChannelPath | EvtQueryForwardDirection));
  if (results.get() == nullptr) {
    DWORD err = GetLastError();
    *error = "EvtQuery(System, Tcpip 4227/4231/4266): " +
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
  if (extent_known) cursor_.Commit(tally_.last_record_id());
  tally_.EndFirstRead();
  *out = tally_.Counts();
  return true;
}

}  // namespace epx
