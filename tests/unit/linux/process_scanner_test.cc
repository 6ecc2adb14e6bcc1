// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/process_scanner.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace epx {
namespace {

namespace fs = std::filesystem;

// A throwaway procfs tree: <root>/<pid>/{comm,cgroup,fd/<n> -> socket:[i]}.
class FakeProc {
 public:
  FakeProc() {
    char tmpl[] = "/tmp/epx_proc_XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~FakeProc() { fs::remove_all(root_); }

  void AddProcess(int pid, const std::string& comm, const std::string& unit) {
    fs::create_directories(Dir(pid) / "fd");
    std::ofstream(Dir(pid) / "comm") << comm << "\n";
    std::ofstream(Dir(pid) / "cgroup") << "0::/system.slice/" << unit << "\n";
  }
  void SetFd(int pid, int fd, std::uint64_t inode) {
    fs::path link = Dir(pid) / "fd" / std::to_string(fd);
    fs::remove(link);
    fs::create_symlink("socket:[" + std::to_string(inode) + "]", link);
  }
  void SetStat(int pid, const std::string& stat) {
    std::ofstream(Dir(pid) / "stat") << stat << "\n";
  }
  void SetFile(int pid, int fd, const std::string& target) {
    fs::path link = Dir(pid) / "fd" / std::to_string(fd);
    fs::remove(link);
    fs::create_symlink(target, link);
  }
  void SetExe(int pid, const std::string& target) {
    fs::create_symlink(target, Dir(pid) / "exe");
  }
  void SetStatus(int pid, const std::string& status) {
    std::ofstream(Dir(pid) / "status") << status;
  }
  void RemoveProcess(int pid) { fs::remove_all(Dir(pid)); }
  const std::string& root() const { return root_; }

 private:
  fs::path Dir(int pid) const { return fs::path(root_) / std::to_string(pid); }
  std::string root_;
};

Snapshot SocketsWithInodes(std::initializer_list<std::uint64_t> inodes) {
  Snapshot s;
  for (std::uint64_t inode : inodes) {
    SocketRecord r;
    r.inode = inode;
    r.local_port = 40000;
    s.sockets.push_back(r);
  }
  return s;
}

TEST(ProcessSocketScannerTest, AttributesSocketsAndResolvesWatchedUnits) {
  FakeProc proc;
  proc.AddProcess(100, "porthog", "porthog.service");
  proc.SetFd(100, 3, 5001);
  proc.SetFd(100, 4, 5002);
  proc.AddProcess(200, "other", "other.service");
  proc.SetFd(200, 3, 6001);
  ProcessSocketScanner scanner(proc.root());
  Snapshot s = SocketsWithInodes({5001, 5002, 6001, 7777});
  std::string error;
  ASSERT_TRUE(scanner.Update({"porthog", "absent.service"}, &s, &error))
      << error;
  EXPECT_EQ(s.sockets[0].pid, 100);
  EXPECT_EQ(s.sockets[1].pid, 100);
  EXPECT_EQ(s.sockets[2].pid, 200);
  EXPECT_EQ(s.sockets[3].pid, kUnknownPid);
  ASSERT_EQ(s.services.size(), 2u);
  EXPECT_TRUE(s.services[0].running);
  EXPECT_EQ(s.services[0].pids, std::vector<std::int64_t>{100});
  EXPECT_FALSE(s.services[1].running);
  EXPECT_EQ(s.processes.at(100).name, "porthog");
}

TEST(ProcessSocketScannerTest, FindsASwappedSocketWhenTheFdCountDidNotChange) {
  FakeProc proc;
  proc.AddProcess(100, "server", "server.service");
  proc.SetFd(100, 3, 5001);
  for (int pid = 200; pid < 210; ++pid)
    proc.AddProcess(pid, "idle", "idle.service");
  ProcessSocketScanner scanner(proc.root());
  Snapshot first = SocketsWithInodes({5001});
  std::string error;
  ASSERT_TRUE(scanner.Update({}, &first, &error));
  EXPECT_EQ(first.sockets[0].pid, 100);

  proc.SetFd(100, 3, 5002);  // closed one connection, accepted another
  Snapshot second = SocketsWithInodes({5002});
  ASSERT_TRUE(scanner.Update({}, &second, &error));
  EXPECT_EQ(second.sockets[0].pid, 100);
}

TEST(ProcessSocketScannerTest, UnownedSocketsDoNotForceRescansForever) {
  FakeProc proc;
  for (int pid = 100; pid < 120; ++pid) proc.AddProcess(pid, "p", "p.service");
  ProcessSocketScanner scanner(proc.root());
  std::string error;
  Snapshot first = SocketsWithInodes({9999});
  ASSERT_TRUE(scanner.Update({}, &first, &error));
  Snapshot second = SocketsWithInodes({9999});
  ASSERT_TRUE(scanner.Update({}, &second, &error));
  EXPECT_EQ(second.sockets[0].pid, kUnknownPid);
  EXPECT_EQ(scanner.last_rescanned(), 0u);
}

TEST(ProcessSocketScannerTest, ForgetsExitedProcessesAndSeesNewOnes) {
  FakeProc proc;
  proc.AddProcess(100, "old", "old.service");
  proc.SetFd(100, 3, 5001);
  ProcessSocketScanner scanner(proc.root());
  std::string error;
  Snapshot first = SocketsWithInodes({5001});
  ASSERT_TRUE(scanner.Update({}, &first, &error));
  EXPECT_EQ(first.sockets[0].pid, 100);
  proc.RemoveProcess(100);
  proc.AddProcess(300, "new", "new.service");
  proc.SetFd(300, 7, 5001);  // the socket was passed on
  Snapshot second = SocketsWithInodes({5001});
  ASSERT_TRUE(scanner.Update({}, &second, &error));
  EXPECT_EQ(second.sockets[0].pid, 300);
  EXPECT_EQ(second.processes.count(100), 0u);
  EXPECT_TRUE(second.extra_owners.empty());
}

TEST(ProcessSocketScannerTest, SharedSocketsListEveryOwner) {
  FakeProc proc;
  proc.AddProcess(100, "parent", "a.service");
  proc.AddProcess(101, "child", "a.service");
  proc.SetFd(100, 3, 5001);
  proc.SetFd(101, 3, 5001);
  ProcessSocketScanner scanner(proc.root());
  std::string error;
  Snapshot s = SocketsWithInodes({5001});
  ASSERT_TRUE(scanner.Update({}, &s, &error));
  EXPECT_EQ(s.sockets[0].pid, 100);
  ASSERT_EQ(s.extra_owners.size(), 1u);
  EXPECT_EQ(s.extra_owners[0].pid, 101);
}

TEST(ProcessSocketScannerTest, KernelThreadsAreNotLookedAtAgain) {
  FakeProc proc;
  proc.AddProcess(2, "kthreadd", "init.scope");
  proc.SetStat(2, "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0");
  proc.AddProcess(100, "server", "server.service");
  proc.SetStat(100, "100 (server) S 1 100 100 0 -1 4194560 0 0 0 0 0 3 0");
  proc.SetFd(100, 3, 5001);
  ProcessSocketScanner scanner(proc.root());
  Snapshot s = SocketsWithInodes({5001});
  std::string error;
  ASSERT_TRUE(scanner.Update({}, &s, &error)) << error;
  EXPECT_EQ(scanner.last_rescanned(), 2u);
  EXPECT_EQ(s.sockets[0].pid, 100);

  proc.SetFd(2, 3, 9001);
  proc.SetFd(100, 4, 5002);
  Snapshot again = SocketsWithInodes({5001, 5002});
  ASSERT_TRUE(scanner.Update({}, &again, &error)) << error;
  EXPECT_EQ(scanner.last_rescanned(), 1u);
  EXPECT_EQ(again.sockets[1].pid, 100);
  EXPECT_EQ(again.processes.count(2), 1u);
}

// A kernel pass that answers `owners` and counts its calls.
ProcessSocketScanner::OwnerPass FakePass(std::vector<InodeOwner>* owners,
                                         int* calls, bool fail = false) {
  return
      [owners, calls, fail](std::vector<InodeOwner>* out, std::string* error) {
        ++*calls;
        if (fail) {
          *error = "iter/task_file: no such iterator";
          return false;
        }
        out->insert(out->end(), owners->begin(), owners->end());
        return true;
      };
}

TEST(ProcessSocketScannerTest, KernelOwnersReplaceTheDescriptorWalk) {
  FakeProc proc;
  proc.AddProcess(100, "server", "server.service");
  proc.SetFd(100, 3, 5001);
  proc.AddProcess(200, "worker", "worker.service");
  // Two threads with tables of their own repeat the same pair.
  std::vector<InodeOwner> owners = {
      {5002, 100}, {5002, 200}, {5003, 200}, {5002, 200}};
  int calls = 0;
  ProcessSocketScanner scanner(proc.root());
  scanner.UseKernelOwners(FakePass(&owners, &calls));
  Snapshot s = SocketsWithInodes({5001, 5002, 5003});
  std::string error;
  ASSERT_TRUE(scanner.Update({"worker"}, &s, &error)) << error;
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(scanner.last_kernel_pass());
  EXPECT_EQ(scanner.last_rescanned(), 0u) << "no descriptor was read";
  EXPECT_EQ(s.sockets[0].pid, kUnknownPid) << "the kernel's answer wins";
  EXPECT_EQ(s.sockets[1].pid, 100);
  ASSERT_EQ(s.extra_owners.size(), 1u);
  EXPECT_EQ(s.extra_owners[0].pid, 200);
  EXPECT_EQ(s.sockets[2].pid, 200);
  EXPECT_EQ(s.processes.at(200).name, "worker");
  EXPECT_EQ(s.services[0].pids, std::vector<std::int64_t>{200});
  EXPECT_EQ(s.processes_unreadable, 0u);
}

TEST(ProcessSocketScannerTest, KernelPassRunsOnlyWhenSomethingChanged) {
  FakeProc proc;
  proc.AddProcess(100, "server", "server.service");
  std::vector<InodeOwner> owners = {{5001, 100}};
  int calls = 0;
  ProcessSocketScanner scanner(proc.root());
  scanner.UseKernelOwners(FakePass(&owners, &calls));
  std::string error;
  Snapshot first = SocketsWithInodes({5001});
  ASSERT_TRUE(scanner.Update({}, &first, &error));
  Snapshot steady = SocketsWithInodes({5001});
  ASSERT_TRUE(scanner.Update({}, &steady, &error));
  EXPECT_EQ(calls, 1) << "nothing changed: no pass";
  EXPECT_EQ(steady.sockets[0].pid, 100);
  // A socket swapped for another at the same descriptor count: unowned,
  // so one pass finds it.
  owners = {{5002, 100}};
  Snapshot swapped = SocketsWithInodes({5002});
  ASSERT_TRUE(scanner.Update({}, &swapped, &error));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(swapped.sockets[0].pid, 100);
  // A socket no process holds starts one pass, not one a collection.
  Snapshot orphan = SocketsWithInodes({5002, 7777});
  ASSERT_TRUE(scanner.Update({}, &orphan, &error));
  ASSERT_TRUE(scanner.Update({}, &orphan, &error));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(orphan.sockets[1].pid, kUnknownPid);
  // A new process.
  proc.AddProcess(300, "client", "client.service");
  owners.push_back({6001, 300});
  Snapshot grown = SocketsWithInodes({5002, 6001});
  ASSERT_TRUE(scanner.Update({}, &grown, &error));
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(grown.sockets[1].pid, 300);
  EXPECT_EQ(grown.processes.at(300).name, "client");
}

TEST(ProcessSocketScannerTest, ASmallChangeIsReadFromProcNotByAPass) {
  FakeProc proc;
  std::vector<InodeOwner> owners;
  for (int pid = 100; pid < 110; ++pid) {
    proc.AddProcess(pid, "server", "server.service");
    proc.SetFd(pid, 3, 5000 + pid);
    owners.push_back({static_cast<std::uint32_t>(5000 + pid), pid});
  }
  int calls = 0;
  ProcessSocketScanner scanner(proc.root());
  scanner.UseKernelOwners(FakePass(&owners, &calls));
  std::string error;
  Snapshot first = SocketsWithInodes({5100, 5109});
  ASSERT_TRUE(scanner.Update({}, &first, &error));
  EXPECT_EQ(calls, 1) << "every process is new: one pass";
  EXPECT_EQ(first.sockets[1].pid, 109);
  // One new process of eleven: its descriptors cost less than a pass.
  proc.AddProcess(300, "client", "client.service");
  proc.SetFd(300, 3, 6001);
  Snapshot grown = SocketsWithInodes({5100, 6001});
  ASSERT_TRUE(scanner.Update({}, &grown, &error));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(scanner.last_kernel_pass());
  EXPECT_EQ(scanner.last_rescanned(), 1u);
  EXPECT_EQ(grown.sockets[0].pid, 100);
  EXPECT_EQ(grown.sockets[1].pid, 300);
}

TEST(ProcessSocketScannerTest, FailingKernelPassFallsBackToTheWalk) {
  FakeProc proc;
  proc.AddProcess(100, "server", "server.service");
  proc.SetFd(100, 3, 5001);
  std::vector<InodeOwner> owners;
  int calls = 0;
  ProcessSocketScanner scanner(proc.root());
  scanner.UseKernelOwners(FakePass(&owners, &calls, /*fail=*/true));
  Snapshot s = SocketsWithInodes({5001});
  std::string error;
  ASSERT_TRUE(scanner.Update({}, &s, &error)) << error;
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(scanner.last_kernel_pass());
  EXPECT_EQ(scanner.kernel_pass_error(), "iter/task_file: no such iterator");
  EXPECT_EQ(s.sockets[0].pid, 100);
  EXPECT_EQ(scanner.last_rescanned(), 1u);
}

TEST(ProcessSocketScannerTest, ReportsDescriptorCountExecutableAndUser) {
  FakeProc proc;
  proc.AddProcess(100, "nginx", "nginx.service");
  proc.SetFd(100, 3, 5001);
  proc.SetFile(100, 0, "/dev/null");
  proc.SetFile(100, 1, "/var/log/nginx/access.log");
  proc.SetFile(100, 2, "pipe:[991]");
  proc.SetExe(100, "/usr/sbin/nginx");
  proc.SetStatus(100, "Name:\tnginx\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
  proc.AddProcess(200, "worker", "app.service");
  proc.SetStatus(200, "Name:\tworker\nUid:\t4000000\t4000000\t0\t0\n");
  ProcessSocketScanner scanner(proc.root());
  Snapshot s = SocketsWithInodes({5001});
  std::string error;
  ASSERT_TRUE(scanner.Update({}, &s, &error)) << error;
  const ProcessInfo& nginx = s.processes.at(100);
  EXPECT_EQ(nginx.handles, 4);
  EXPECT_EQ(nginx.executable, "/usr/sbin/nginx");
  EXPECT_EQ(nginx.user, "root");
  EXPECT_EQ(nginx.services, std::vector<std::string>{"nginx.service"});
  const ProcessInfo& worker = s.processes.at(200);
  EXPECT_EQ(worker.handles, 0);
  EXPECT_EQ(worker.executable, "");
  EXPECT_EQ(worker.user, "4000000");
}

TEST(ProcessSocketScannerTest, CountsOwnDescriptorsInTheRealProcfs) {
  ProcessSocketScanner scanner("/proc");
  Snapshot before;
  std::string error;
  ASSERT_TRUE(scanner.Update({}, &before, &error)) << error;
  std::vector<int> opened;
  for (int i = 0; i < 40; ++i) opened.push_back(dup(2));
  Snapshot after;
  ASSERT_TRUE(scanner.Update({}, &after, &error)) << error;
  for (int fd : opened) close(fd);
  const ProcessInfo& was = before.processes.at(getpid());
  const ProcessInfo& me = after.processes.at(getpid());
  EXPECT_GT(was.handles, 2);
  EXPECT_EQ(me.handles - was.handles, 40);
  EXPECT_EQ(me.executable, fs::read_symlink("/proc/self/exe").string());
  EXPECT_FALSE(me.user.empty());
}

// A process that execs (or renames itself) and whose descriptors change is
// named anew; comm stands in for the exec here.
TEST(ProcessSocketScannerTest, ARenamedProcessIsNamedAnewWhenItsFdsChange) {
  char was[16] = {};
  ASSERT_EQ(prctl(PR_GET_NAME, was), 0);
  ProcessSocketScanner scanner("/proc");
  std::string error;
  ASSERT_EQ(prctl(PR_SET_NAME, "epx-before"), 0);
  Snapshot before;
  ASSERT_TRUE(scanner.Update({}, &before, &error)) << error;
  ASSERT_EQ(prctl(PR_SET_NAME, "epx-after"), 0);
  int fd = dup(2);
  Snapshot after;
  ASSERT_TRUE(scanner.Update({}, &after, &error)) << error;
  close(fd);
  prctl(PR_SET_NAME, was);
  EXPECT_EQ(before.processes.at(getpid()).name, "epx-before");
  EXPECT_EQ(after.processes.at(getpid()).name, "epx-after");
}

TEST(ProcessSocketScannerTest, MissingRootIsAnError) {
  ProcessSocketScanner scanner("/nonexistent/proc");
  Snapshot s;
  std::string error;
  EXPECT_FALSE(scanner.Update({}, &s, &error));
  EXPECT_NE(error.find("/nonexistent/proc"), std::string::npos);
}

}  // namespace
}  // namespace epx
