// SPDX-License-Identifier: Apache-2.0
#include "http/incident_history_pages.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace epx {
namespace {

namespace fs = std::filesystem;

class IncidentHistoryPagesTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (fs::temp_directory_path() / "epx_pages_XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    store_ = std::make_unique<IncidentStore>(dir_);
    Incident incident;
    incident.id = IncidentId(1796527920);
    incident.opened_seconds = 1796527920;
    incident.trigger = "tcp headline 0.97";
    incident.peak_headline = "tcp";
    incident.peak_ratio = 0.97;
    incident.peak_seconds = 1796527935;
    ExhaustionSummary tcp;
    tcp.capacity = 100;
    tcp.worst_in_use = 97;
    tcp.ratio = 0.97;
    incident.worst.exhaustion.push_back(tcp);
    ProcessUsage p;
    p.pid = 31337;
    p.name = "<chatty>";
    p.services = {"chatty.service"};
    incident.worst.processes.push_back(p);
    DestinationUsage d;
    d.remote_address = "192.0.2.7";
    d.remote_port = 443;
    d.in_use = 97;
    incident.worst.destinations.push_back(d);
    std::string error;
    ASSERT_TRUE(store_->Save(incident, &error)) << error;
    id_ = incident.id;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir_;
  std::string id_;
  std::unique_ptr<IncidentStore> store_;
};

TEST_F(IncidentHistoryPagesTest, ListsIncidentsAsHtmlAndJson) {
  std::string body, type;
  ASSERT_TRUE(ServeIncidentHistory(store_.get(), "/incidents", &body, &type));
  EXPECT_EQ(type, "text/html; charset=utf-8");
  EXPECT_NE(body.find("href=\"/incidents/" + id_ + "\""), std::string::npos);
  EXPECT_NE(body.find("&lt;chatty&gt; (pid 31337)"), std::string::npos);
  EXPECT_NE(body.find("97.0%"), std::string::npos);
  ASSERT_TRUE(
      ServeIncidentHistory(store_.get(), "/incidents.json", &body, &type));
  EXPECT_EQ(type, "application/json");
  EXPECT_NE(body.find("\"top_process_pid\": 31337"), std::string::npos);
}

TEST_F(IncidentHistoryPagesTest, ShowsOneIncident) {
  std::string body, type;
  ASSERT_TRUE(
      ServeIncidentHistory(store_.get(), "/incidents/" + id_, &body, &type));
  EXPECT_NE(body.find("2026-12-06 03:32:00 UTC"), std::string::npos);
  EXPECT_NE(body.find("&lt;chatty&gt;"), std::string::npos);
  EXPECT_EQ(body.find("<chatty>"), std::string::npos);
  EXPECT_NE(body.find("chatty.service"), std::string::npos);
  EXPECT_NE(body.find("192.0.2.7"), std::string::npos);
  ASSERT_TRUE(ServeIncidentHistory(store_.get(), "/incidents/" + id_ + ".json",
                                   &body, &type));
  std::string stored;
  ASSERT_TRUE(store_->Read(id_, &stored));
  EXPECT_EQ(body, stored);
}

TEST_F(IncidentHistoryPagesTest, OneIncidentShowsEachListUnderItsAnchor) {
  std::string body, type;
  ASSERT_TRUE(
      ServeIncidentHistory(store_.get(), "/incidents/" + id_, &body, &type));
  EXPECT_NE(body.find("<title>Incident " + id_ + "</title>"),
            std::string::npos);
  EXPECT_NE(body.find("<dd id=\"closed\">still open</dd>"), std::string::npos)
      << body;
  EXPECT_NE(body.find("<dd id=\"peak\">tcp 97.0% at 2026-12-06 03:32:15 UTC"),
            std::string::npos)
      << body;
  std::size_t processes = body.find("<h2 id=\"processes\">Processes</h2>");
  ASSERT_NE(processes, std::string::npos) << body;
  EXPECT_NE(body.find("<table class=\"processes\"><thead><tr><th "
                      "class=\"n\">pid</th><th>name</th><th "
                      "class=\"n\">tcp_in_use</th>",
                      processes),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("<h2 id=\"collectors\">Collectors</h2>\n<p>none "
                      "recorded</p>"),
            std::string::npos)
      << body;
}

TEST_F(IncidentHistoryPagesTest, RecentIncidentsSectionLinksTheNewest) {
  Incident older;
  older.id = IncidentId(1796400000);
  older.opened_seconds = 1796400000;
  older.closed_seconds = 1796400600;
  older.peak_headline = "udp";
  older.peak_ratio = 0.91;
  std::string error;
  ASSERT_TRUE(store_->Save(older, &error)) << error;
  std::string html = RecentIncidentsHtml(store_.get(), 1);
  EXPECT_NE(html.find("1 of 2"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr data-incident=\"" + id_ +
                      "\" class=\"open\"><td>"
                      "<a href=\"/incidents/" +
                      id_ + "\">"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("&lt;chatty&gt; (pid 31337)"), std::string::npos);
  EXPECT_EQ(html.find(older.id), std::string::npos);
  std::string all = RecentIncidentsHtml(store_.get(), 5);
  EXPECT_NE(all.find("<td>2026-12-04 16:00:00 UTC</td><td>2026-12-04 "
                     "16:10:00 UTC</td><td>udp 91.0%</td>"),
            std::string::npos)
      << all;
}

TEST(RecentIncidentsTest, NoneRecordedSaysSo) {
  std::string dir = (fs::temp_directory_path() / "epx_no_incidents").string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  IncidentStore store(dir);
  std::string html = RecentIncidentsHtml(&store);
  EXPECT_NE(html.find("None recorded"), std::string::npos) << html;
  EXPECT_EQ(html.find("<table"), std::string::npos);
  fs::remove_all(dir);
}

TEST_F(IncidentHistoryPagesTest, UnknownOrForeignPathsAreNotFound) {
  std::string body, type;
  EXPECT_FALSE(ServeIncidentHistory(store_.get(), "/incidents/20990101T000000Z",
                                    &body, &type));
  EXPECT_FALSE(ServeIncidentHistory(store_.get(), "/incidents/../config.yml",
                                    &body, &type));
  EXPECT_FALSE(ServeIncidentHistory(store_.get(), "/other", &body, &type));
}

}  // namespace
}  // namespace epx
