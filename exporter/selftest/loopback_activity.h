// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "selftest/self_test.h"

namespace epx {

/// The self-test's own known activity on the loopback interfaces, held open
/// until Close() or destruction.
class LoopbackActivity {
 public:
  /// Opens, per loopback family (127.0.0.1, ::1), a listener on port 0 and
  /// `connections` TCP connections to it (both ends kept), then one
  /// bound-only TCP socket and one UDP socket on 127.0.0.1 port 0. What
  /// could not be opened is named in activity().notes.
  explicit LoopbackActivity(std::uint32_t connections);
  ~LoopbackActivity();
  LoopbackActivity(const LoopbackActivity&) = delete;
  LoopbackActivity& operator=(const LoopbackActivity&) = delete;

  /// The sockets opened (pid and process name left for the caller).
  const SelfTestActivity& activity() const { return activity_; }
  /// Closes every socket; idempotent.
  void Close();

 private:
  bool OpenFamily(Family family, std::uint32_t connections);
  void OpenBoundAndUdp();

  std::vector<std::intptr_t> handles_;
  SelfTestActivity activity_;
  bool started_ = false;
};

/// This process's id.
std::int64_t OwnProcessId();

}  // namespace epx
