// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/proc_process_parser.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include "../../support/fixture.h"
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "sources/linux/procfs_net_parser.h"

namespace epx {
namespace {

using testing::ReadFixture;

std::string ReadFixtureLink(const std::string& relative) {
  std::string path = std::string(EPX_FIXTURE_DIR) + "/" + relative;
  char buf[256];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  EXPECT_GT(n, 0) << path;
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

TEST(ProcProcessParserTest, ParsesSocketLinkInode) {
  EXPECT_EQ(ParseSocketLinkInode("socket:[33542]"), 33542u);
  EXPECT_EQ(ParseSocketLinkInode("socket:[0]"), 0u);
  EXPECT_EQ(ParseSocketLinkInode("socket:[7]"), 7u);
  EXPECT_EQ(ParseSocketLinkInode("socket:[4294967296]"), 4294967296u);
  EXPECT_EQ(ParseSocketLinkInode("socket:[1844674407370955160]"),
            1844674407370955160u);
}

TEST(ProcProcessParserTest, NonSocketLinksGiveZero) {
  const char* kNotSockets[] = {
      "pipe:[1]",
      "/dev/null",
      "socket:[]",
      "socket:[12a]",
      "socket:[-1]",
      "socket:[ 1]",
      "socket:[1",
      "socket:1]",
      "Socket:[1]",
      "socket:[1]x",
      "anon_inode:[eventpoll]",
      "",
      "socket:",
      "socket:[",
      "/tmp/socket:[1]",
      "socket:[18446744073709551616]",  // 2^64 overflows
      "socket:[99999999999999999999999]",
  };
  for (const char* target : kNotSockets) {
    EXPECT_EQ(ParseSocketLinkInode(target), 0u) << '"' << target << '"';
  }
}

TEST(ProcProcessParserTest, AcceptsLargestInode) {
  // BUG (exporter/sources/linux/proc_process_parser.cc:17): the overflow guard
  // rejects every value above 18446744073709551609, so valid inodes up to
  // UINT64_MAX come back as 0 ("not a socket").
  EXPECT_EQ(ParseSocketLinkInode("socket:[18446744073709551615]"),
            18446744073709551615u);
  EXPECT_EQ(ParseSocketLinkInode("socket:[18446744073709551610]"),
            18446744073709551610u);
}

TEST(ProcProcessParserTest, RecordedFdLinksMatchRecordedSockets) {
  EXPECT_EQ(ParseSocketLinkInode(ReadFixtureLink("procfs/1234/fd/3")), 75478u);
  EXPECT_EQ(ParseSocketLinkInode(ReadFixtureLink("procfs/4321/fd/11")), 75499u);
  EXPECT_EQ(ParseSocketLinkInode(ReadFixtureLink("procfs/1234/fd/0")), 0u);
  EXPECT_EQ(ParseSocketLinkInode(ReadFixtureLink("procfs/1234/fd/251")), 0u);
}

// Every socket fd of the recorded processes is a socket in the recorded
// net files, except the bound-only one that /proc/net/tcp does not list.
TEST(ProcProcessParserTest, RecordedFdInodesExistInNetFiles) {
  std::set<std::uint64_t> listed;
  for (const char* file : {"tcp", "tcp6", "udp", "udp6"}) {
    Protocol protocol = file[0] == 't' ? Protocol::kTcp : Protocol::kUdp;
    Family family =
        std::string(file).back() == '6' ? Family::kIpv6 : Family::kIpv4;
    for (const SocketRecord& s :
         ParseProcNet(ReadFixture(std::string("procfs/net/") + file), protocol,
                      family)
             .sockets) {
      if (s.inode != 0) listed.insert(s.inode);
    }
  }
  std::set<std::uint64_t> owned;
  for (const char* pid : {"1234", "4321"}) {
    std::string dir = std::string("procfs/") + pid + "/fd";
    DIR* d = opendir((std::string(EPX_FIXTURE_DIR) + "/" + dir).c_str());
    ASSERT_NE(d, nullptr) << dir;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::uint64_t inode =
          ParseSocketLinkInode(ReadFixtureLink(dir + "/" + e->d_name));
      if (inode != 0) owned.insert(inode);
    }
    closedir(d);
  }
  EXPECT_EQ(owned.size(), 16u);
  EXPECT_EQ(listed.size(), 15u);
  for (std::uint64_t inode : listed) EXPECT_EQ(owned.count(inode), 1u) << inode;
  owned.erase(75482);  // bound-only, netlink/tcp4.bin only
  EXPECT_EQ(owned, listed);
}

TEST(ProcProcessParserTest, ParsesRecordedCommAndCgroup) {
  EXPECT_EQ(ParseComm(ReadFixture("procfs/1234/comm")), "porthog");
  EXPECT_EQ(ParseComm(ReadFixture("procfs/4321/comm")), "python3");
  EXPECT_EQ(ParseSystemdUnit(ReadFixture("procfs/1234/cgroup")),
            "porthog.service");
  EXPECT_EQ(ParseSystemdUnit(ReadFixture("procfs/4321/cgroup")),
            "session-1.scope");
}

TEST(ProcProcessParserTest, ParsesCgroupV2Unit) {
  EXPECT_EQ(ParseSystemdUnit("0::/system.slice/nginx.service\n"),
            "nginx.service");
  EXPECT_EQ(ParseSystemdUnit("0::/system.slice/system-getty.slice/"
                             "getty@tty1.service\n"),
            "getty@tty1.service");
  // The deepest service wins, and beats a deeper scope.
  EXPECT_EQ(ParseSystemdUnit("0::/user.slice/user-1000.slice/"
                             "user@1000.service/app.slice/"
                             "app-gnome-firefox-42.scope\n"),
            "user@1000.service");
  EXPECT_EQ(ParseSystemdUnit("0::/system.slice/a.service/b.service\n"),
            "b.service");
  EXPECT_EQ(ParseSystemdUnit("0::/system.slice/docker-0123abcd.scope\n"),
            "docker-0123abcd.scope");
}

TEST(ProcProcessParserTest, ParsesUserSessionScope) {
  EXPECT_EQ(
      ParseSystemdUnit("0::/user.slice/user-1000.slice/session-3.scope\n"),
      "session-3.scope");
}

TEST(ProcProcessParserTest, ParsesCgroupV1NameSystemd) {
  std::string text =
      "12:pids:/system.slice/sshd.service\n"
      "11:memory:/system.slice/other.service\n"
      "1:name=systemd:/system.slice/ssh.service\n";
  EXPECT_EQ(ParseSystemdUnit(text), "ssh.service");
  EXPECT_EQ(ParseSystemdUnit("10:cpu,cpuacct:/system.slice/cron.service\n"),
            "");
}

TEST(ProcProcessParserTest, HybridPrefersUnifiedLine) {
  std::string text =
      "1:name=systemd:/system.slice/legacy.service\n"
      "0::/system.slice/unified.service\n";
  EXPECT_EQ(ParseSystemdUnit(text), "unified.service");
}

TEST(ProcProcessParserTest, NoUnitGivesEmpty) {
  EXPECT_EQ(ParseSystemdUnit(""), "");
  EXPECT_EQ(ParseSystemdUnit("0::/\n"), "");
  EXPECT_EQ(ParseSystemdUnit("0::/init.scope\n"), "init.scope");
  EXPECT_EQ(ParseSystemdUnit("0::/user.slice/user-0.slice\n"), "");
  // A bare suffix is not a unit name.
  EXPECT_EQ(ParseSystemdUnit("0::/.service/.scope\n"), "");
  EXPECT_EQ(ParseSystemdUnit("0::/system.slice/foo.service.d\n"), "");
}

TEST(ProcProcessParserTest, ParseCommStripsTrailingNewlineOnly) {
  EXPECT_EQ(ParseComm("python3\n"), "python3");
  EXPECT_EQ(ParseComm("kworker/0:1H\r\n"), "kworker/0:1H");
  EXPECT_EQ(ParseComm("my prog \n"), "my prog ");
  EXPECT_EQ(ParseComm(""), "");
  EXPECT_EQ(ParseComm("\n"), "");
}

TEST(IsKernelThreadStatTest, ReadsPfKthreadFromTheFlagsField) {
  EXPECT_TRUE(IsKernelThreadStat(
      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0 0 20 0 1 0 30\n"));
  EXPECT_FALSE(IsKernelThreadStat(
      "5633 (cut) R 5623 5623 20144 0 -1 4194304 100 0 0 0 0 0 0 0 20\n"));
  // comm may hold spaces and parentheses; only the last ')' ends it.
  EXPECT_FALSE(
      IsKernelThreadStat("77 (a) b (c) S 1 77 77 0 -1 2129984x 0 0\n"));
  EXPECT_TRUE(IsKernelThreadStat("77 (a) 1 1 1 ) S 1 77 77 0 -1 2097152\n"));
  EXPECT_FALSE(IsKernelThreadStat("77 (short) S 1 77\n"));
  EXPECT_FALSE(IsKernelThreadStat(""));
  EXPECT_FALSE(IsKernelThreadStat("no parenthesis 1 2 3 4 5 6 2097152"));
}

}  // namespace
}  // namespace epx

namespace epx {
namespace {

TEST(FullProcessNameTest, UsesArgv0WhenCommWasCut) {
  std::string cmdline(
      "/usr/bin/ephemeral_port_exporter\0--web.listen-address=:1\0", 55);
  EXPECT_EQ(FullProcessName("ephemeral_port_", cmdline),
            "ephemeral_port_exporter");
}

TEST(FullProcessNameTest, KeepsCommWhenShortOrUnrelated) {
  EXPECT_EQ(FullProcessName("nginx", std::string("nginx: worker\0", 14)),
            "nginx");
  EXPECT_EQ(FullProcessName("abcdefghijklmno", std::string("/bin/other\0", 11)),
            "abcdefghijklmno");
  EXPECT_EQ(FullProcessName("abcdefghijklmno", ""), "abcdefghijklmno");
}

}  // namespace
}  // namespace epx

namespace epx {
namespace {

TEST(EffectiveUidTest, ReadsTheSecondFieldOfTheUidLine) {
  const std::string status =
      "Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t812\n"
      "Uid:\t0\t33\t33\t33\nGid:\t0\t33\t33\t33\n";
  EXPECT_EQ(ParseStatusEffectiveUid(status), 33);
}

TEST(EffectiveUidTest, MissingOrBrokenUidLineGivesMinusOne) {
  EXPECT_EQ(ParseStatusEffectiveUid("Name:\tx\nGid:\t0\t0\t0\t0\n"), -1);
  EXPECT_EQ(ParseStatusEffectiveUid("Uid:\t1000\n"), -1);
  EXPECT_EQ(ParseStatusEffectiveUid("Uid:\t1000\tabc\t0\t0\n"), -1);
  EXPECT_EQ(ParseStatusEffectiveUid("Uid:\t0\t4294967295\t0\t0\n"), 4294967295);
}

}  // namespace
}  // namespace epx
