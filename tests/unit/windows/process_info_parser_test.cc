// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/process_info_parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace epx {
namespace {

// Builds SYSTEM_PROCESS_INFORMATION entries of the 64-bit layout
// (winternl.h on Microsoft Learn: NextEntryOffset at 0, NumberOfThreads at
// 4, Reserved1[48], ImageName (UNICODE_STRING, 16 bytes) at 56,
// BasePriority at 72, UniqueProcessId at 80, Reserved2 at 88, HandleCount at
// 96); each entry is followed by its thread records, as in the real answer.
class SpiBuffer {
 public:
  void Add(std::uint64_t pid, std::uint32_t handles, std::uint32_t threads) {
    std::size_t start = bytes_.size();
    std::size_t length = 256 + threads * 80;
    bytes_.resize(start + length, 0);
    Put<std::uint32_t>(start, 0);
    Put<std::uint32_t>(start + 4, threads);
    Put<std::uint64_t>(start + 80, pid);
    Put<std::uint32_t>(start + 96, handles);
    if (last_ != kNone)
      Put<std::uint32_t>(last_, static_cast<std::uint32_t>(start - last_));
    last_ = start;
  }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  template <typename T>
  void Put(std::size_t at, T value) {
    std::memcpy(bytes_.data() + at, &value, sizeof value);
  }
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::uint8_t> bytes_;
  std::size_t last_ = kNone;
};

TEST(ProcessHandleCountsTest, ReadsEveryEntryOfTheChain) {
  SpiBuffer b;
  b.Add(0, 0, 8);
  b.Add(4, 250000, 200);
  b.Add(1234, 12001, 30);
  b.Add(4242, 3100, 12);
  std::map<std::int64_t, std::int64_t> counts;
  ASSERT_TRUE(
      ParseProcessHandleCounts(b.bytes().data(), b.bytes().size(), &counts));
  EXPECT_EQ(counts, (std::map<std::int64_t, std::int64_t>{
                        {0, 0}, {4, 250000}, {1234, 12001}, {4242, 3100}}));
}

TEST(ProcessHandleCountsTest, AnEntryPastTheEndIsAnErrorNotARead) {
  SpiBuffer b;
  b.Add(1234, 12001, 1);
  b.Add(4242, 3100, 1);
  // The second entry starts at 256 + 80; cut inside its HandleCount.
  std::vector<std::uint8_t> cut(b.bytes().begin(),
                                b.bytes().begin() + 336 + 98);
  std::map<std::int64_t, std::int64_t> counts;
  EXPECT_FALSE(ParseProcessHandleCounts(cut.data(), cut.size(), &counts));
  EXPECT_EQ(counts, (std::map<std::int64_t, std::int64_t>{{1234, 12001}}));
  EXPECT_FALSE(ParseProcessHandleCounts(cut.data(), 40, &counts));
  EXPECT_TRUE(counts.empty());
}

TEST(ProcessHandleCountsTest, ANextOffsetSmallerThanAnEntryStops) {
  SpiBuffer b;
  b.Add(1234, 12001, 1);
  b.Add(4242, 3100, 1);
  std::uint32_t bad = 8;
  std::memcpy(b.bytes().data(), &bad, sizeof bad);
  std::map<std::int64_t, std::int64_t> counts;
  EXPECT_FALSE(
      ParseProcessHandleCounts(b.bytes().data(), b.bytes().size(), &counts));
  EXPECT_EQ(counts.size(), 1u);
}

TEST(ProcessHandleCountsTest, CountsGoToTheProcessesOfTheTable) {
  std::map<std::int64_t, ProcessInfo> table;
  table[1234].pid = 1234;
  table[5000].pid = 5000;
  ApplyHandleCounts({{1234, 12001}, {77, 5}}, &table);
  EXPECT_EQ(table.at(1234).handles, 12001);
  EXPECT_EQ(table.at(5000).handles, -1);
  EXPECT_EQ(table.count(77), 0u);
}

}  // namespace
}  // namespace epx
