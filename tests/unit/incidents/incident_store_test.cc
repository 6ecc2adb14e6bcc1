// SPDX-License-Identifier: Apache-2.0
#include "incidents/incident_store.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "incidents/incident_json.h"

namespace epx {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (fs::temp_directory_path() / "epx_incidents_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, ec);
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Incident MakeIncident(double opened, const std::string& process) {
  Incident incident;
  incident.id = IncidentId(opened);
  incident.opened_seconds = opened;
  incident.updated_seconds = opened;
  incident.trigger = "tcp headline 0.95";
  incident.peak_headline = "tcp";
  incident.peak_ratio = 0.95;
  incident.peak_seconds = opened;
  ExhaustionSummary tcp;
  tcp.capacity = 100;
  tcp.worst_in_use = 95;
  tcp.ratio = 0.95;
  incident.worst.exhaustion.push_back(tcp);
  ProcessUsage p;
  p.pid = 4242;
  p.name = process;
  p.services = {"client.service"};
  p.user = "alice";
  p.in_use[0] = 95;
  incident.worst.processes.push_back(p);
  return incident;
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(IncidentStoreTest, SavesAndListsNewestFirst) {
  TempDir dir;
  IncidentStore store(dir.path() + "/state");
  std::string error;
  ASSERT_TRUE(store.Save(MakeIncident(1000, "first"), &error)) << error;
  ASSERT_TRUE(store.Save(MakeIncident(2000, "second"), &error)) << error;
  std::vector<IncidentSummary> list = store.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, IncidentId(2000));
  EXPECT_EQ(list[0].top_process, "second");
  EXPECT_EQ(list[0].top_process_pid, 4242);
  EXPECT_DOUBLE_EQ(list[1].peak_ratio, 0.95);
  std::string text;
  ASSERT_TRUE(store.Read(IncidentId(1000), &text));
  EXPECT_NE(text.find("\"client.service\""), std::string::npos);
  EXPECT_FALSE(store.Read("../../etc/passwd", &text));
  EXPECT_FALSE(
      fs::exists(dir.path() + "/state/" + IncidentId(1000) + ".json.tmp"));
}

TEST(IncidentStoreTest, RewritesAnOpenIncidentInPlace) {
  TempDir dir;
  IncidentStore store(dir.path());
  std::string error;
  Incident incident = MakeIncident(1000, "client");
  ASSERT_TRUE(store.Save(incident, &error));
  incident.closed_seconds = 1500;
  ASSERT_TRUE(store.Save(incident, &error));
  std::vector<IncidentSummary> list = store.List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_DOUBLE_EQ(list[0].closed_seconds, 1500);
}

TEST(IncidentStoreTest, ClosesIncidentsAStopLeftOpen) {
  TempDir dir;
  std::string error;
  Incident open = MakeIncident(1000, "p");
  open.updated_seconds = 1300;
  Incident closed = MakeIncident(2000, "q");
  closed.closed_seconds = 2500;
  {
    IncidentStore before(dir.path());
    ASSERT_TRUE(before.Save(open, &error));
    ASSERT_TRUE(before.Save(closed, &error));
  }
  IncidentStore after(dir.path());
  EXPECT_EQ(after.CloseInterrupted(), 1u);
  EXPECT_EQ(after.CloseInterrupted(), 0u);
  std::vector<IncidentSummary> list = after.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_DOUBLE_EQ(list[0].closed_seconds, 2500);
  EXPECT_DOUBLE_EQ(list[1].closed_seconds, 1300);
  std::string text;
  ASSERT_TRUE(after.Read(open.id, &text));
  EXPECT_NE(text.find("\"closed_by\": \"exporter stopped\""),
            std::string::npos);
}

TEST(IncidentStoreTest, KeepsOnlyTheNewest) {
  TempDir dir;
  IncidentStore store(dir.path(), 3);
  std::string error;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store.Save(MakeIncident(1000 + 100 * i, "p"), &error));
  std::vector<IncidentSummary> list = store.List();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2].id, IncidentId(1200));
  EXPECT_FALSE(fs::exists(dir.path() + "/" + IncidentId(1000) + ".json"));
}

TEST(IncidentStoreTest, SkipsCorruptAndForeignFiles) {
  TempDir dir;
  IncidentStore store(dir.path());
  std::string error;
  ASSERT_TRUE(store.Save(MakeIncident(1000, "good"), &error));
  WriteFile(dir.path() + "/" + IncidentId(2000) + ".json", "{\"format\": ");
  WriteFile(dir.path() + "/" + IncidentId(3000) + ".json",
            "{\"format\": \"something else\", \"id\": 1}");
  WriteFile(
      dir.path() + "/" + IncidentId(4000) + ".json",
      std::string("{\"format\": \"") + kIncidentFormat + "\", \"id\": \"x\"}");
  WriteFile(dir.path() + "/notes.txt", "not ours");
  testing::internal::CaptureStderr();
  std::vector<IncidentSummary> list = store.List();
  std::vector<IncidentSummary> again = store.List();
  std::string log = testing::internal::GetCapturedStderr();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].top_process, "good");
  EXPECT_EQ(again.size(), 1u);
  // One line per bad file, not one per listing.
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3) << log;
  EXPECT_NE(log.find(IncidentId(2000)), std::string::npos);
  std::string text;
  EXPECT_FALSE(store.Read(IncidentId(2000), &text));
}

TEST(IncidentStoreTest, BoundsTheFileSize) {
  Incident incident = MakeIncident(1000, "p");
  for (int i = 0; i < 5000; ++i) {
    DestinationUsage d;
    d.remote_address = "2001:db8::" + std::to_string(i);
    d.remote_port = 443;
    incident.worst.destinations.push_back(d);
  }
  std::string text = IncidentToJson(incident, 64 * 1024);
  ASSERT_FALSE(text.empty());
  EXPECT_LE(text.size(), 64u * 1024);
  IncidentSummary summary;
  std::string error;
  EXPECT_TRUE(ParseIncidentSummary(text, &summary, &error)) << error;
}

// Runs body in a child process and returns its exit code.
template <typename Body>
int InChild(Body body) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(IncidentStoreTest, ReadOnlyDirectoryFailsVisiblyAndRecovers) {
  TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0555), 0);
  // As root the mode would not stop the write: the child drops to nobody.
  int code = InChild([&] {
    if (geteuid() == 0 && setuid(65534) != 0) return 77;
    IncidentStore store(dir.path());
    std::string error;
    testing::internal::CaptureStderr();
    bool saved = store.Save(MakeIncident(1000, "p"), &error);
    bool saved_again = store.Save(MakeIncident(1000, "p"), &error);
    std::string log = testing::internal::GetCapturedStderr();
    if (saved || saved_again) return 1;
    if (store.Writable() || store.WriteErrors() != 2) return 2;
    if (std::count(log.begin(), log.end(), '\n') != 1) return 3;
    return 0;
  });
  if (code == 77) GTEST_SKIP() << "cannot drop root to test a read-only dir";
  EXPECT_EQ(code, 0);
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  IncidentStore store(dir.path());
  std::string error;
  EXPECT_TRUE(store.Save(MakeIncident(1000, "p"), &error)) << error;
  EXPECT_TRUE(store.Writable());
}

TEST(IncidentStoreTest, FullDiskFailsVisibly) {
  TempDir dir;
  int code = InChild([&] {
    if (unshare(CLONE_NEWNS) != 0) return 77;
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      return 77;
    if (mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=16k") != 0)
      return 77;
    WriteFile(dir.path() + "/filler", std::string(64 * 1024, 'x'));
    IncidentStore store(dir.path());
    std::string error;
    testing::internal::CaptureStderr();
    bool saved = store.Save(MakeIncident(1000, "p"), &error);
    testing::internal::GetCapturedStderr();
    if (saved) return 1;
    if (store.Writable() || store.WriteErrors() != 1) return 2;
    if (fs::exists(dir.path() + "/" + IncidentId(1000) + ".json.tmp")) return 3;
    return 0;
  });
  if (code == 77) GTEST_SKIP() << "no private mount namespace for a tmpfs";
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace epx
