// SPDX-License-Identifier: Apache-2.0
#include "model/snapshot.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace epx {
namespace {

std::vector<SocketRecord> WithPorts(std::vector<std::uint16_t> ports) {
  std::vector<SocketRecord> sockets;
  for (std::uint16_t port : ports) {
    SocketRecord r;
    r.local_port = port;
    sockets.push_back(r);
  }
  return sockets;
}

std::vector<std::uint16_t> PortsOf(const std::vector<SocketRecord>& sockets) {
  std::vector<std::uint16_t> ports;
  for (const SocketRecord& r : sockets) ports.push_back(r.local_port);
  return ports;
}

TEST(SnapshotTest, KeepSocketsFromLeavesEarlierSocketsAndKeepsOrder) {
  std::vector<SocketRecord> sockets = WithPorts({1, 2, 3, 4, 5, 6});
  KeepSocketsFrom(&sockets, 2,
                  [](const SocketRecord& r) { return r.local_port % 2 == 0; });
  EXPECT_EQ(PortsOf(sockets), (std::vector<std::uint16_t>{1, 2, 4, 6}));
}

TEST(SnapshotTest, KeepSocketsFromWithoutAFilterKeepsEverything) {
  std::vector<SocketRecord> sockets = WithPorts({7, 8});
  KeepSocketsFrom(&sockets, 0, SocketFilter{});
  KeepSocketsFrom(&sockets, 5, [](const SocketRecord&) { return false; });
  EXPECT_EQ(PortsOf(sockets), (std::vector<std::uint16_t>{7, 8}));
}

}  // namespace
}  // namespace epx
