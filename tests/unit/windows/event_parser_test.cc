// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/event_parser.h"

#include <gtest/gtest.h>

#include "fixture_util.h"

namespace epx {
namespace {

LoggedEvent ParseFixture(const std::string& name) {
  LoggedEvent e;
  std::string error;
  EXPECT_TRUE(ParseEventXml(ReadWindowsFixture(name), &e, &error)) << error;
  return e;
}

TEST(EventParserTest, ParsesRenderedEventXml) {
  LoggedEvent e = ParseFixture("event_4231.xml");
  EXPECT_EQ(e.provider, "Tcpip");
  EXPECT_EQ(e.event_id, 4231);
  EXPECT_EQ(e.record_id, 884213u);
  EXPECT_EQ(e.system_time, "2024-03-11T09:14:22.1234567Z");
}

TEST(EventParserTest, ParsesDoubleQuotedPrettyPrintedXml) {
  LoggedEvent e = ParseFixture("event_4227.xml");
  EXPECT_EQ(e.provider, "Tcpip");
  EXPECT_EQ(e.event_id, 4227);
  EXPECT_EQ(e.record_id, 884190u);
}

TEST(EventParserTest, RejectsIncompleteEvents) {
  LoggedEvent e;
  std::string error;
  EXPECT_FALSE(ParseEventXml("", &e, &error));
  EXPECT_FALSE(ParseEventXml(
      "<Event><System><Provider Name='Tcpip'/><EventID>abc</EventID>"
      "<EventRecordID>1</EventRecordID></System></Event>",
      &e, &error));
  EXPECT_NE(error.find("EventID"), std::string::npos);
  EXPECT_FALSE(ParseEventXml(
      "<Event><System><Provider Name='Tcpip'/><EventID>4231</EventID>"
      "</System></Event>",
      &e, &error));
  EXPECT_NE(error.find("EventRecordID"), std::string::npos);
}

TEST(EventParserTest, QuerySelectsTcpipPortEvents) {
  EXPECT_EQ(TcpipEventQuery(0, 0),
            "*[System[Provider[@Name='Tcpip'] and (EventID=4227 or "
            "EventID=4231 or EventID=4266)]]");
  EXPECT_EQ(TcpipEventQuery(86400000, 884213),
            "*[System[Provider[@Name='Tcpip'] and (EventID=4227 or "
            "EventID=4231 or EventID=4266) and "
            "TimeCreated[timediff(@SystemTime) <= 86400000]"
            " and EventRecordID > 884213]]");
}

TEST(EventTallyTest, CountsEachRecordOnceAndAlwaysReportsBothIds) {
  TcpipEventTally tally;
  tally.EndFirstRead();  // the log had none of them at start
  EventCounts empty = tally.Counts();
  EXPECT_TRUE(empty.valid);
  EXPECT_EQ(empty.by_id.at(4227), 0u);
  EXPECT_EQ(empty.by_id.at(4231), 0u);

  LoggedEvent a = ParseFixture("event_4227.xml");
  LoggedEvent b = ParseFixture("event_4231.xml");
  tally.Add(a);
  tally.Add(b);
  tally.Add(b);  // read again by a later query
  LoggedEvent other = b;
  other.event_id = 4226;
  other.record_id = 900000;
  tally.Add(other);
  LoggedEvent foreign = b;
  foreign.provider = "Service Control Manager";
  foreign.record_id = 900001;
  tally.Add(foreign);
  EventCounts c = tally.Counts();
  EXPECT_EQ(c.by_id.at(4227), 1u);
  EXPECT_EQ(c.by_id.at(4231), 1u);
  EXPECT_EQ(tally.last_record_id(), 884213u);
}

}  // namespace
}  // namespace epx

namespace epx {
namespace {

TEST(EventTallyTest, CountsUdpExhaustionEvent4266) {
  TcpipEventTally tally;
  tally.EndFirstRead();  // the log had none of them at start
  EXPECT_EQ(tally.Counts().by_id.at(4266), 0u);
  LoggedEvent udp = ParseFixture("event_4266.xml");
  EXPECT_EQ(udp.event_id, 4266);
  tally.Add(udp);
  EXPECT_EQ(tally.Counts().by_id.at(4266), 1u);
  EXPECT_EQ(tally.Counts().by_id.at(4231), 0u);
}

TEST(EventTallyTest, KeepsNewestTimestampPerId) {
  TcpipEventTally tally;
  tally.EndFirstRead();  // the log had none of them at start
  EXPECT_EQ(tally.Counts().newest_seconds.at(4231), 0);
  LoggedEvent later = ParseFixture("event_4231.xml");
  LoggedEvent earlier = later;
  earlier.record_id = later.record_id - 5;
  earlier.system_time = "2024-03-11T08:00:00Z";
  tally.Add(later);
  tally.Add(earlier);  // a lower record id is not counted again
  LoggedEvent newer = later;
  newer.record_id = later.record_id + 1;
  newer.system_time = "2024-03-11T10:00:00.5Z";
  tally.Add(newer);
  EventCounts c = tally.Counts();
  EXPECT_EQ(c.by_id.at(4231), 2u);
  EXPECT_DOUBLE_EQ(c.newest_seconds.at(4231), 1710151200.5);
  EXPECT_EQ(c.newest_seconds.at(4227), 0);
}

// After a restart the first read delivers the look-back (24 h by default)
// of events a previous process counted already; counting them again made
// the dashboards' increase() see them twice. They set the newest timestamp
// only; what is logged after the first read is counted.
TEST(EventTallyTest, TheFirstReadSetsTimestampsButCountsNothing) {
  TcpipEventTally tally;
  LoggedEvent old_4231 = ParseFixture("event_4231.xml");
  LoggedEvent old_4227 = ParseFixture("event_4227.xml");
  tally.Add(old_4227);
  tally.Add(old_4231);
  tally.EndFirstRead();
  EventCounts after_first = tally.Counts();
  EXPECT_EQ(after_first.by_id.at(4231), 0u);
  EXPECT_EQ(after_first.by_id.at(4227), 0u);
  EXPECT_NEAR(after_first.newest_seconds.at(4231), 1710148462.1234567, 1e-6);
  EXPECT_GT(after_first.newest_seconds.at(4227), 0);
  EXPECT_EQ(tally.last_record_id(), 884213u);

  LoggedEvent later = old_4231;
  later.record_id = 884300;
  later.system_time = "2024-03-11T10:00:00Z";
  tally.Add(later);
  tally.Add(later);  // read again by a later query
  tally.EndFirstRead();
  EventCounts c = tally.Counts();
  EXPECT_EQ(c.by_id.at(4231), 1u);
  EXPECT_EQ(c.by_id.at(4227), 0u);
  EXPECT_DOUBLE_EQ(c.newest_seconds.at(4231), 1710151200);
}

TEST(SystemTimeTest, ParsesEventTimestamps) {
  double t = 0;
  ASSERT_TRUE(ParseSystemTime("2024-03-11T09:14:22.1234567Z", &t));
  EXPECT_NEAR(t, 1710148462.1234567, 1e-6);
  ASSERT_TRUE(ParseSystemTime("1970-01-01T00:00:00Z", &t));
  EXPECT_EQ(t, 0);
  ASSERT_TRUE(ParseSystemTime("2000-02-29T23:59:59Z", &t));
  EXPECT_EQ(t, 951868799);
  for (const char* bad : {"", "2024-03-11 09:14:22Z", "2024-13-11T09:14:22Z",
                          "2024-03-11T09:14:22", "2024-03-11T09:14:22.Z",
                          "2024-03-11T09:14:2xZ"}) {
    EXPECT_FALSE(ParseSystemTime(bad, &t)) << bad;
  }
}

TEST(EventLogCursorTest, ReadsOnlyWhatWasWrittenSinceTheLastRead) {
  EventLogCursor cursor;
  bool cleared = true;
  EXPECT_EQ(cursor.Begin(1000, 500, 0, &cleared), 0u);  // first: look-back
  EXPECT_FALSE(cleared);
  cursor.Commit(0);  // no Tcpip event among the 500 records
  EXPECT_EQ(cursor.Begin(1000, 520, 0, &cleared), 1499u);
  EXPECT_FALSE(cleared);
  cursor.Commit(1510);
  // Old records gone.
  EXPECT_EQ(cursor.Begin(1100, 450, 1510, &cleared), 1519u);
  EXPECT_FALSE(cleared);
  cursor.Commit(0);
  // Cleared: numbers restart.
  EXPECT_EQ(cursor.Begin(1, 3, 1510, &cleared), 0u);
  EXPECT_TRUE(cleared);
  cursor.Commit(2);
  EXPECT_EQ(cursor.Begin(1, 4, 2, &cleared), 3u);
  EXPECT_FALSE(cleared);
}

// A first read that failed part-way (EvtNext timed out after some records
// were counted) is not started again from the whole look-back: the next
// query asks only for records after the last one counted.
TEST(EventLogCursorTest, AFailedFirstReadContinuesAfterTheLastCountedRecord) {
  EventLogCursor cursor;
  bool cleared = true;
  EXPECT_EQ(cursor.Begin(1000, 500, 0, &cleared), 0u);
  EXPECT_FALSE(cleared);
  // No Commit: the read failed after counting records up to 1200.
  EXPECT_EQ(cursor.Begin(1000, 520, 1200, &cleared), 1200u);
  EXPECT_FALSE(cleared);
  EXPECT_EQ(TcpipEventQuery(86400000, cursor.Begin(1000, 520, 1200, &cleared)),
            "*[System[Provider[@Name='Tcpip'] and (EventID=4227 or "
            "EventID=4231 or EventID=4266) and "
            "TimeCreated[timediff(@SystemTime) <= 86400000]"
            " and EventRecordID > 1200]]");
  // Cleared before the retry: the numbers went below the counted record.
  EXPECT_EQ(cursor.Begin(1, 10, 1200, &cleared), 0u);
  EXPECT_TRUE(cleared);
}

}  // namespace
}  // namespace epx
