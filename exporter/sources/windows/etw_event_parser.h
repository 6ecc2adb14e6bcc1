// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sources/windows/etw_connect_tally.h"

namespace epx {

/// The two ETW providers the connect_events session enables.
enum class EtwProvider : std::uint8_t {
  /// Microsoft-Windows-Kernel-Network: connects that got a port.
  kKernelNetwork,
  /// Microsoft-Windows-TCPIP: connects that found no port.
  kTcpip,
};

/// What the session asks one provider for: keywords and event ids (its
/// event-id filter).
struct EtwProviderRequest {
  EtwProvider provider;
  std::uint64_t keywords;
  std::vector<std::uint16_t> event_ids;
};

/// The providers, keywords and event ids of the connect_events session.
std::vector<EtwProviderRequest> ConnectEventRequests();

/// Pure: decodes the payload (UserData) of one event the session asked
/// for; false for any other event or a payload too short for its layout.
bool DecodeConnectEvent(EtwProvider provider, std::uint16_t id,
                        std::uint8_t version, const std::uint8_t* data,
                        std::size_t size, EtwConnectEvent* out);

}  // namespace epx
