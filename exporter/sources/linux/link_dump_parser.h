// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "sources/linux/netlink_messages.h"

namespace epx {

/// One interface of an rtnetlink link dump.
struct LinkRecord {
  std::uint32_t ifindex = 0;
  std::string name;
  /// IFLA_MASTER, 0 when the interface has no master.
  std::uint32_t master = 0;
  /// IFLA_LINKINFO / IFLA_INFO_KIND, e.g. "vrf", "veth"; empty if none.
  std::string kind;
};

/// Progress of the dump, one receive buffer at a time.
using LinkParseState = NetlinkDumpState;

/// Pure: appends the interfaces of one buffer of RTM_NEWLINK replies
/// (struct nlmsghdr + struct ifinfomsg + struct rtattr list; uapi
/// linux/netlink.h, linux/rtnetlink.h, linux/if_link.h) to *out.
void ParseLinkDumpBuffer(const std::uint8_t* data, std::size_t size,
                         std::vector<LinkRecord>* out, LinkParseState* state);

/// Builds the RTM_GETLINK dump request (nlmsghdr + struct ifinfomsg).
std::vector<std::uint8_t> BuildLinkDumpRequest(std::uint32_t sequence);

/// Pure: the VRFs (kind "vrf") and the interfaces enslaved to one.
L3mdevMap L3mdevMapFromLinks(const std::vector<LinkRecord>& links);

}  // namespace epx
