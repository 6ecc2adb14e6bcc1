// SPDX-License-Identifier: Apache-2.0
// Service-mode decisions against the documented contracts: HandlerRoutine
// (Console-Docs docs/handlerroutine.md: returning TRUE lets the system end
// the process; a service's modified default handler does not call
// ExitProcess for logoff and shutdown) and the checkpoint rule of
// service-servicemain-function.md (a checkpoint only for real progress).
#include "platform/service_policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace epx {
namespace {

TEST(ServicePolicy, ConsoleStopsOnEveryControl) {
  for (std::uint32_t t :
       {kCtrlC, kCtrlBreak, kCtrlClose, kCtrlLogoff, kCtrlShutdown})
    EXPECT_TRUE(ConsoleControlStopsProcess(t, false)) << t;
}

TEST(ServicePolicy, ServiceLeavesLogoffAndShutdownToTheSystem) {
  EXPECT_FALSE(ConsoleControlStopsProcess(kCtrlLogoff, true));
  EXPECT_FALSE(ConsoleControlStopsProcess(kCtrlShutdown, true));
  EXPECT_TRUE(ConsoleControlStopsProcess(kCtrlC, true));
}

TEST(ServicePolicy, NoMilestoneNoNewCheckpoint) {
  PendingProgress p;
  EXPECT_EQ(p.checkpoint(), 0u);
  p.Milestone();  // not pending: nothing to report
  EXPECT_EQ(p.checkpoint(), 0u);
  p.Begin();
  EXPECT_EQ(p.checkpoint(), 1u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(p.checkpoint(), 1u);
  p.Milestone();
  p.Milestone();
  EXPECT_EQ(p.checkpoint(), 3u);
  p.End();
  EXPECT_EQ(p.checkpoint(), 0u);
  p.Begin();
  EXPECT_EQ(p.checkpoint(), 1u);
}

TEST(ServicePolicy, APermanentStartErrorIsLoggedOnceThenAtPowersOfTen) {
  StartErrorRecord r;
  std::vector<int> logged;
  for (int start = 1; start <= 1000; ++start)
    if (NoteStartError("listen 127.0.0.1:19152: address in use", &r))
      logged.push_back(start);
  EXPECT_EQ(logged, (std::vector<int>{1, 10, 100, 1000}));
  EXPECT_EQ(r.repeats, 1000u);
  EXPECT_TRUE(NoteStartError("config.yml:3: foo: unknown key", &r));
  EXPECT_EQ(r.repeats, 1u);
  EXPECT_FALSE(NoteStartError("config.yml:3: foo: unknown key", &r));
}

TEST(ServicePolicy, StartErrorRecordRoundTrip) {
  StartErrorRecord r{"config.yml:3: foo: unknown key", 42};
  std::string line = FormatStartErrorRecord(r);
  EXPECT_EQ(line, "42 config.yml:3: foo: unknown key");
  StartErrorRecord back = ParseStartErrorRecord(line + "\r\n");
  EXPECT_EQ(back.message, r.message);
  EXPECT_EQ(back.repeats, 42u);
  EXPECT_EQ(ParseStartErrorRecord("").repeats, 0u);
  EXPECT_EQ(ParseStartErrorRecord("x1 message").message, "");
  EXPECT_EQ(ParseStartErrorRecord(" message").message, "");
}

}  // namespace
}  // namespace epx
