// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/bind_bucket_memory.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

SocketRecord Tcp(SocketState state, std::uint16_t local_port,
                 std::uint16_t remote_port, std::uint64_t cookie) {
  SocketRecord s;
  s.protocol = Protocol::kTcp;
  s.state = state;
  IpAddress::Parse("127.0.0.1", &s.local_address);
  IpAddress::Parse("127.0.0.1", &s.remote_address);
  s.local_port = local_port;
  s.remote_port = remote_port;
  s.cookie = cookie;
  return s;
}

using Ports = std::vector<std::uint16_t>;
constexpr auto kListen = SocketState::kListen;
constexpr auto kEstab = SocketState::kEstablished;

TEST(BindBucketMemoryTest, ClosedListenerWithChildrenKeepsItsPort) {
  for (bool reset : {false, true}) {
    BindBucketMemory m;
    // A listener on 40001 with one accepted child.
    EXPECT_EQ(
        m.Update({Tcp(kListen, 40001, 0, 1), Tcp(kEstab, 40001, 5, 2)}, reset),
        Ports{});
    // Listener closed: the child keeps the bucket, scrape after scrape.
    EXPECT_EQ(m.Update({Tcp(kEstab, 40001, 5, 2)}, reset), Ports{40001});
    EXPECT_EQ(m.Update({Tcp(kEstab, 40001, 5, 2),
                        Tcp(SocketState::kTimeWait, 40001, 6, 3)},
                       reset),
              Ports{40001});
    // Child gone: the bucket is freed and the port forgotten.
    EXPECT_EQ(m.Update({}, reset), Ports{});
    EXPECT_EQ(m.Update({Tcp(kEstab, 40001, 5000, 9)}, reset), Ports{});
  }
}

TEST(BindBucketMemoryTest, OlderKernelsKeepABucketABindJoined) {
  // connect() took 40002 first; then a bind() joined (SO_REUSEADDR) and
  // closed. Up to 6.17 the bucket stays bind-made; 6.18 resets it.
  for (bool reset : {false, true}) {
    BindBucketMemory m;
    EXPECT_EQ(m.Update({Tcp(kEstab, 40002, 5000, 1)}, reset), Ports{});
    EXPECT_EQ(m.Update({Tcp(kEstab, 40002, 5000, 1),
                        Tcp(SocketState::kBound, 40002, 0, 2)},
                       reset),
              Ports{});
    Ports expected = reset ? Ports{} : Ports{40002};
    EXPECT_EQ(m.Update({Tcp(kEstab, 40002, 5000, 1)}, reset), expected)
        << reset;
  }
}

TEST(BindBucketMemoryTest, UdpAndPortlessSocketsAreIgnored) {
  BindBucketMemory m;
  SocketRecord udp = Tcp(SocketState::kUnconnected, 40003, 0, 1);
  udp.protocol = Protocol::kUdp;
  m.Update({udp, Tcp(kListen, 0, 0, 2)}, true);
  SocketRecord udp2 = Tcp(kEstab, 40003, 53, 3);
  udp2.protocol = Protocol::kUdp;
  EXPECT_EQ(m.Update({udp2, Tcp(kEstab, 40003, 9, 4)}, true), Ports{});
}

TEST(ExplicitPortMarksTest, SocketsAreMarkedByCookie) {
  std::vector<SocketRecord> sockets{Tcp(kEstab, 40010, 5000, 1),
                                    Tcp(kEstab, 40011, 5000, 2),
                                    Tcp(kEstab, 40012, 5000, 0)};
  ExplicitPortMarks marks;
  EXPECT_TRUE(marks.NeedsDump(sockets));
  // The filtered dump may also hold a socket opened after the full one.
  marks.Update(sockets,
               {Tcp(kEstab, 40010, 5000, 1), Tcp(kEstab, 40013, 5000, 7)});
  EXPECT_EQ(marks.Mark(&sockets), 1u);
  EXPECT_EQ(sockets[0].kernel_facts, kFactBindBucket);
  EXPECT_TRUE(HoldsPortForEveryDestination(sockets[0]));
  EXPECT_EQ(sockets[1].kernel_facts, 0);
  EXPECT_EQ(sockets[2].kernel_facts, 0);
}

TEST(ExplicitPortMarksTest, DumpsAgainOnlyForSocketsNotClassifiedYet) {
  std::vector<SocketRecord> sockets{Tcp(kEstab, 40010, 5000, 1),
                                    Tcp(kEstab, 40011, 5000, 2)};
  ExplicitPortMarks marks;
  marks.Update(sockets, {Tcp(kEstab, 40010, 5000, 1)});
  // Same sockets, and sockets the dump does not classify (listeners,
  // TIME_WAIT): the marks still hold.
  std::vector<SocketRecord> later = sockets;
  later.push_back(Tcp(kListen, 40020, 0, 3));
  later.push_back(Tcp(SocketState::kTimeWait, 40021, 5000, 4));
  EXPECT_FALSE(marks.NeedsDump(later));
  EXPECT_EQ(marks.Mark(&later), 1u);
  // A new accepted connection on the listener's port does not; a new
  // outbound one does.
  later.push_back(Tcp(kEstab, 40020, 6000, 6));
  EXPECT_FALSE(marks.NeedsDump(later));
  later.push_back(Tcp(kEstab, 40022, 5000, 5));
  EXPECT_TRUE(marks.NeedsDump(later));
  marks.Clear();
  EXPECT_TRUE(marks.NeedsDump(sockets));
  EXPECT_EQ(marks.Mark(&sockets), 0u);
}

TEST(BindBucketMemoryTest, ExplicitPortSocketMadeTheBucketItsTimeWaitKeeps) {
  // Even on 6.18, where connect()-made owners do not keep a bucket.
  BindBucketMemory m;
  SocketRecord bound = Tcp(kEstab, 40010, 5000, 1);
  bound.kernel_facts = kFactBindBucket;
  EXPECT_EQ(m.Update({bound}, true), Ports{});
  // Closed first: its TIME_WAIT keeps the bind-made bucket.
  EXPECT_EQ(m.Update({Tcp(SocketState::kTimeWait, 40010, 5000, 0)}, true),
            Ports{40010});
  EXPECT_EQ(m.Update({}, true), Ports{});
}

}  // namespace
}  // namespace epx
