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
            "EventID=4231)]]");
  EXPECT_EQ(TcpipEventQuery(86400000, 884213),
            "*[System[Provider[@Name='Tcpip'] and (EventID=4227 or "
            "EventID=4231) and TimeCreated[timediff(@SystemTime) <= 86400000]"
            " and EventRecordID > 884213]]");
}

TEST(EventTallyTest, CountsEachRecordOnceAndAlwaysReportsBothIds) {
  TcpipEventTally tally;
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
