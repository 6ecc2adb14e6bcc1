// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include "model/ip_address.h"

namespace epx {

/// One connected socket's place in a connect group: local address, remote
/// address, remote port, local port.
using ConnectGroupMember =
    std::tuple<IpAddress, IpAddress, std::uint16_t, std::uint16_t>;

/// Pure: the most ports any one (local address, remote address, remote
/// port) group holds that are not already in `exclusive` (ports held for
/// every destination). Sorts and deduplicates *members.
std::uint32_t WorstConnectGroup(std::vector<ConnectGroupMember>* members,
                                const std::set<std::uint16_t>& exclusive);

}  // namespace epx
