// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/socket_attribution.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace epx {
namespace {

Snapshot WithInodes(const std::vector<std::uint64_t>& inodes) {
  Snapshot snapshot;
  for (std::uint64_t inode : inodes) {
    SocketRecord s;
    s.inode = inode;
    snapshot.sockets.push_back(s);
  }
  return snapshot;
}

TEST(InodeOwnersTest, LowestPidOwnsAndOthersAreExtraInOrder) {
  InodeOwners owners;
  owners.Add(100, 30);
  owners.Add(100, 7);
  owners.Add(100, 30);
  owners.Add(100, 12);
  owners.Add(200, 5);
  Snapshot snapshot = WithInodes({200, 100, 300, 0});
  owners.Attribute(&snapshot);
  EXPECT_EQ(snapshot.sockets[0].pid, 5);
  EXPECT_EQ(snapshot.sockets[1].pid, 7);
  EXPECT_EQ(snapshot.sockets[2].pid, kUnknownPid);
  EXPECT_EQ(snapshot.sockets[3].pid, kUnknownPid);
  ASSERT_EQ(snapshot.extra_owners.size(), 2u);
  EXPECT_EQ(snapshot.extra_owners[0].socket_index, 1u);
  EXPECT_EQ(snapshot.extra_owners[0].pid, 12);
  EXPECT_EQ(snapshot.extra_owners[1].pid, 30);
}

TEST(InodeOwnersTest, TheLargestInodeIsFoundWithEveryOwner) {
  InodeOwners owners;
  const std::uint64_t wide = 0xffffffffu;
  owners.Add(wide, 9);
  owners.Add(wide, 4);
  owners.Add(100, 8);
  Snapshot snapshot = WithInodes({wide, 100});
  owners.Attribute(&snapshot);
  EXPECT_EQ(snapshot.sockets[0].pid, 4);
  EXPECT_EQ(snapshot.sockets[1].pid, 8);
  ASSERT_EQ(snapshot.extra_owners.size(), 1u);
  EXPECT_EQ(snapshot.extra_owners[0].pid, 9);
}

TEST(InodeOwnersTest, GrowsAsEntriesArriveAndClearForgets) {
  InodeOwners owners;
  std::vector<std::uint64_t> inodes;
  for (std::uint64_t i = 1; i <= 50000; ++i) {
    owners.Add(i * 7919, static_cast<std::int64_t>(i % 1000 + 1));
    inodes.push_back(i * 7919);
  }
  EXPECT_EQ(owners.size(), 50000u);
  Snapshot snapshot = WithInodes(inodes);
  owners.Attribute(&snapshot);
  for (std::size_t i = 0; i < inodes.size(); ++i) {
    ASSERT_EQ(snapshot.sockets[i].pid,
              static_cast<std::int64_t>((i + 1) % 1000 + 1))
        << "inode " << inodes[i];
  }
  owners.Clear();
  EXPECT_EQ(owners.size(), 0u);
  Snapshot again = WithInodes({7919});
  owners.Attribute(&again);
  EXPECT_EQ(again.sockets[0].pid, kUnknownPid);
}

TEST(InodeOwnersTest, OnlyListedSocketsAreRevisited) {
  InodeOwners owners;
  owners.Add(1, 10);
  Snapshot snapshot = WithInodes({1, 2});
  owners.Attribute(&snapshot);
  owners.Add(2, 20);
  owners.Add(2, 21);
  std::vector<std::size_t> only = {1};
  owners.Attribute(&snapshot, &only);
  EXPECT_EQ(snapshot.sockets[0].pid, 10);
  EXPECT_EQ(snapshot.sockets[1].pid, 20);
  ASSERT_EQ(snapshot.extra_owners.size(), 1u);
  EXPECT_EQ(snapshot.extra_owners[0].socket_index, 1u);
}

TEST(InodeOwnersTest, RemovingTheLowestOwnerPromotesTheNext) {
  InodeOwners owners;
  owners.Add(100, 3);
  owners.Add(100, 9);
  owners.Add(100, 5);
  owners.Remove(100, 3);
  Snapshot snapshot = WithInodes({100});
  owners.Attribute(&snapshot);
  EXPECT_EQ(snapshot.sockets[0].pid, 5);
  ASSERT_EQ(snapshot.extra_owners.size(), 1u);
  EXPECT_EQ(snapshot.extra_owners[0].pid, 9);
  owners.Remove(100, 9);
  owners.Remove(100, 5);
  owners.Remove(100, 5);
  EXPECT_EQ(owners.size(), 0u);
  Snapshot none = WithInodes({100});
  owners.Attribute(&none);
  EXPECT_EQ(none.sockets[0].pid, kUnknownPid);
  EXPECT_TRUE(none.extra_owners.empty());
}

// Random adds and removes against a plain map: every probe run must stay
// reachable after entries are moved back over removed ones.
TEST(InodeOwnersTest, MatchesAPlainMapThroughRandomAddsAndRemoves) {
  std::mt19937 random(7);
  InodeOwners owners;
  std::map<std::uint64_t, std::set<std::int64_t>> expected;
  for (int step = 0; step < 40000; ++step) {
    std::uint64_t inode = random() % 3000 + 1;
    std::int64_t pid = static_cast<std::int64_t>(random() % 4 + 1);
    if (random() % 3 == 0) {
      owners.Remove(inode, pid);
      expected[inode].erase(pid);
    } else {
      owners.Add(inode, pid);
      expected[inode].insert(pid);
    }
  }
  std::vector<std::uint64_t> inodes;
  for (std::uint64_t i = 1; i <= 3000; ++i) inodes.push_back(i);
  Snapshot snapshot = WithInodes(inodes);
  owners.Attribute(&snapshot);
  std::map<std::uint32_t, std::set<std::int64_t>> extra;
  for (const ExtraOwner& e : snapshot.extra_owners)
    extra[e.socket_index].insert(e.pid);
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < inodes.size(); ++i) {
    const std::set<std::int64_t>& want = expected[inodes[i]];
    if (want.empty()) {
      ASSERT_EQ(snapshot.sockets[i].pid, kUnknownPid) << "inode " << inodes[i];
      continue;
    }
    ++distinct;
    ASSERT_EQ(snapshot.sockets[i].pid, *want.begin()) << "inode " << inodes[i];
    std::set<std::int64_t> rest(std::next(want.begin()), want.end());
    ASSERT_EQ(extra[static_cast<std::uint32_t>(i)], rest)
        << "inode " << inodes[i];
  }
  EXPECT_EQ(owners.size(), distinct);
}

}  // namespace
}  // namespace epx
