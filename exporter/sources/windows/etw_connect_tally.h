// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>

#include "model/snapshot.h"

namespace epx {

/// One TCP connect event as ETW delivers it, decoded.
struct EtwConnectEvent {
  enum class Kind : std::uint8_t {
    /// A connect got a local port and sent its SYN.
    kAttempt,
    /// A connect failed for lack of a local port.
    kNoPort,
    /// A connect failed for another reason (refused, timed out, ...).
    kOtherFailure,
  };
  Kind kind = Kind::kAttempt;
  Family family = Family::kIpv4;
  std::uint32_t pid = 0;
  /// Unspecified when the event carries no address.
  IpAddress remote_address;
  std::uint16_t remote_port = 0;
};

/// Pure: counts decoded connect events per family, process and destination
/// in bounded tables; what does not fit is counted as dropped. Not
/// thread-safe (the ETW session guards it).
class EtwConnectTally {
 public:
  explicit EtwConnectTally(std::size_t max_processes = 4096,
                           std::size_t max_destinations = 4096);
  void Add(const EtwConnectEvent& event);
  /// Everything counted since construction, as the Linux collector reports
  /// it: connects are attempts that got a port; failures are kNoPort events.
  /// Process names are left empty (the caller names pids).
  ConnectEvents Counts() const;

 private:
  struct ProcessCounts {
    std::uint64_t connects = 0;
    std::uint64_t no_port = 0;
  };
  using Destination = std::tuple<IpAddress, std::uint16_t>;
  std::size_t max_processes_;
  std::size_t max_destinations_;
  std::uint64_t connects_[2] = {0, 0};
  std::uint64_t no_port_[2] = {0, 0};
  std::uint64_t processes_dropped_ = 0;
  std::uint64_t destinations_dropped_ = 0;
  std::map<std::uint32_t, ProcessCounts> processes_;
  std::map<Destination, std::uint64_t> destinations_;
};

}  // namespace epx
