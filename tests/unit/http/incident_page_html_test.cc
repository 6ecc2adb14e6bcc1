// SPDX-License-Identifier: Apache-2.0
#include "http/incident_page_html.h"

#include <gtest/gtest.h>

#include "../../support/snapshot_builder.h"
#include "http/html.h"
#include "http/landing_page.h"
#include "http/page_templates.h"

namespace epx {
namespace {

PortUsageReport Busy() {
  testing::SnapshotBuilder b;
  b.Range(49152, 100)
      .Tcp("192.168.1.2", 49152, "10.0.0.9", 443, 1)
      .Tcp("192.168.1.2", 49153, "10.0.0.9", 443, 2)
      .Tcp("192.168.1.2", 49154, "10.0.0.9", 443, 3)
      .Tcp("192.168.1.2", 3389, "0.0.0.0", 0, 4, SocketState::kListen)
      .Process(4242, "<svc>&host", {1, 2, 3, 4})
      .Service("WAPCSvc", {4242});
  b.Get().collectors = {{"sockets", true, 0.25, ""},
                        {"processes", false, 0, "denied <root>"}};
  return AnalyzePortUsage(b.Get(), {});
}

TEST(IncidentPageTest, LiveShowsTheReportsNumbers) {
  std::string html = IncidentLiveHtml(Busy(), {}, "host at noon", 1000, 3600);
  EXPECT_NE(html.find("<h1 id=\"title\">host at noon</h1>"), std::string::npos);
  EXPECT_NE(html.find("id=\"headline-tcp\">\n<div class=\"big\"><span "
                      "class=\"used\">3</span> of <span class=\"capacity\">"
                      "100</span> TCP ports unavailable"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr data-address=\"192.168.1.2\" data-protocol=\"tcp\">"
                      "<td>192.168.1.2</td><td>tcp</td><td class=\"n\">3</td>"
                      "<td class=\"n\">100</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr data-pid=\"4242\"><td class=\"n\">4242</td>"
                      "<td>&lt;svc&gt;&amp;host</td><td class=\"n\">3</td>"
                      "<td class=\"n\">0</td><td class=\"n\">-</td>"
                      "<td></td><td></td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>WAPCSvc</td><td>yes</td>"), std::string::npos);
  EXPECT_NE(html.find("data-destination=\"10.0.0.9:443\""), std::string::npos);
  EXPECT_NE(html.find("<td>tcp</td><td>established</td><td class=\"n\">3</td>"),
            std::string::npos)
      << html;
}

TEST(IncidentPageTest, ProcessesShowServicesUserAndHandles) {
  PortUsageReport report = Busy();
  ASSERT_FALSE(report.processes.empty());
  report.processes[0].services = {"Dnscache", "NlaSvc"};
  report.processes[0].user = "svc<x>";
  report.processes[0].handles = 12345;
  std::string html = IncidentLiveHtml(report, {}, "h", 1000, 3600);
  EXPECT_NE(html.find("<td class=\"n\">12345</td><td>Dnscache, NlaSvc</td>"
                      "<td>svc&lt;x&gt;</td>"),
            std::string::npos)
      << html;
}

TEST(IncidentPageTest, FailedCollectorsAreWarnedAboutAndEscaped) {
  std::string html = IncidentLiveHtml(Busy(), {}, "t", 0, 3600);
  EXPECT_NE(html.find("<p class=\"warn\">Collector processes failed: denied "
                      "&lt;root&gt;</p>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr data-collector=\"processes\" class=\"failed\">"),
            std::string::npos);
  EXPECT_EQ(html.find("<root>"), std::string::npos);
  EXPECT_EQ(html.find("<svc>"), std::string::npos);
}

TEST(IncidentPageTest, SparklinePlotsTheSamplesOfTheWindow) {
  std::vector<HeadlineSample> history;
  for (double t : {0.0, 1800.0, 3600.0, 4000.0}) {
    HeadlineSample s;
    s.unix_seconds = t;
    s.present[0] = true;
    s.ratio[0] = t / 4000;
    history.push_back(s);
  }
  std::string svg = SparklineSvg(history, Protocol::kTcp, 4000, 3600);
  EXPECT_NE(svg.find("data-samples=\"3\""), std::string::npos) << svg;
  // t=1800 is 1400 s into the window of 3600: x = 124.4; y = 48 - 0.45*48.
  EXPECT_NE(svg.find("124.4,26.4"), std::string::npos) << svg;
  EXPECT_NE(svg.find("320.0,0.0\""), std::string::npos) << svg;
  std::string udp = SparklineSvg(history, Protocol::kUdp, 4000, 3600);
  EXPECT_NE(udp.find("data-samples=\"0\""), std::string::npos);
  EXPECT_EQ(udp.find("<polyline"), std::string::npos);
}

TEST(IncidentPageTest, LiveShowsTheHourPeakFromHistory) {
  HeadlineSample s;
  s.unix_seconds = 900;
  s.present[0] = true;
  s.ratio[0] = 0.9;
  std::string html = IncidentLiveHtml(Busy(), {s}, "t", 1000, 3600);
  EXPECT_NE(html.find("last hour: peak 90.0%"), std::string::npos) << html;
}

TEST(IncidentPageTest, PageRefreshesItselfWithoutExternalAssets) {
  Config config = DefaultConfig();
  BuildInfo build{"1.2.3", "", "", "linux", "netlink"};
  std::string page =
      IncidentPageHtml("<p>LIVE</p>", AboutSectionHtml(config, build));
  EXPECT_NE(page.find("<div id=\"live\">\n<p>LIVE</p>"), std::string::npos);
  EXPECT_NE(page.find("'live'"), std::string::npos);
  EXPECT_NE(page.find("setTimeout(tick, 5000)"), std::string::npos);
  EXPECT_EQ(page.find("@REFRESH@"), std::string::npos);
  EXPECT_NE(page.find("http-equiv=\"refresh\" content=\"5\""),
            std::string::npos);
  EXPECT_NE(page.find("Version 1.2.3 (linux, source netlink)"),
            std::string::npos);
  EXPECT_NE(page.find("href=\"/runbook\""), std::string::npos);
  EXPECT_NE(page.find("Active configuration"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST(HtmlTest, EscapesTextAndAttributes) {
  EXPECT_EQ(EscapeHtml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
  HtmlTable t({"A", "B"}, {false, true});
  t.Add({"<x>", "1"}, {{"data-k", "\"v\""}});
  EXPECT_EQ(t.Render(),
            "<table><thead><tr><th>A</th><th class=\"n\">B</th></tr></thead>"
            "<tbody>\n<tr data-k=\"&quot;v&quot;\"><td>&lt;x&gt;</td>"
            "<td class=\"n\">1</td></tr>\n</tbody></table>\n");
}

TEST(HtmlTest, EveryPageTemplateParses) {
  for (const char* text :
       {kTableTemplate, kIncidentPageTemplate, kIncidentLiveTemplate,
        kSparklineTemplate, kAboutSectionTemplate, kSelfTestSectionTemplate,
        kNamespaceSectionTemplate, kRecentIncidentsTemplate,
        kHistoryPageTemplate, kIncidentListTemplate, kIncidentDetailTemplate}) {
    kainjow::mustache::mustache page(text);
    EXPECT_TRUE(page.is_valid()) << page.error_message() << "\n" << text;
    std::string out = RenderTemplate(text, TemplateData());
    EXPECT_EQ(out.find("page template:"), std::string::npos) << out;
  }
  std::string broken = RenderTemplate("{{#open}}<b>", TemplateData());
  EXPECT_NE(broken.find("<p class=\"warn\">page template: "), std::string::npos)
      << broken;
}

TEST(HtmlTest, TemplatesEscapeValuesButNotRenderedHtml) {
  TemplateData data;
  data.set("title", "<script>x</script>");
  data.set("body", "<p>kept</p>");
  std::string page = RenderTemplate(kHistoryPageTemplate, data);
  EXPECT_NE(page.find("<title>&lt;script&gt;x&lt;/script&gt;</title>"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("<p>kept</p>"), std::string::npos);
  EXPECT_EQ(page.find("<script>"), std::string::npos);
}

TEST(IncidentPageTest, LivePartCarriesTheIncidentsSectionBelowHeadlines) {
  std::string html = IncidentLiveHtml(Busy(), {}, "t", 0, 3600,
                                      "<section id=\"incidents\"></section>");
  std::size_t headlines = html.find("</section>\n<section id=\"incidents\">");
  std::size_t ranges = html.find("<h2>Port ranges</h2>");
  ASSERT_NE(headlines, std::string::npos) << html;
  EXPECT_LT(headlines, ranges);
}

// The host above with one other network namespace: a pod's, 1,000 ports,
// 960 connections toward one destination.
PortUsageReport WithPodNamespace() {
  testing::SnapshotBuilder pod;
  pod.Range(20000, 1000);
  for (int i = 0; i < 960; ++i)
    pod.Tcp("10.1.0.2", static_cast<std::uint16_t>(20000 + i), "10.1.0.1", 80);
  testing::SnapshotBuilder b;
  b.Range(49152, 100).Tcp("192.168.1.2", 49152, "10.0.0.9", 443, 1);
  Snapshot host = b.Get();
  host.namespaces.valid = true;
  host.namespaces.found = 2;
  host.namespaces.failed_inodes = {4026532802};
  NamespaceSnapshot ns;
  ns.id.inode = 4026532801;
  ns.id.pid = 77;
  ns.id.process = "pause";
  ns.id.pod_uid = "0f3c2a9e-5b7d-4e1a-9c3b-2d8f6a1e4b70";
  ns.id.container_id = "<4b1e0c7a9d2f>";
  ns.sockets = pod.Get().sockets;
  ns.ranges = pod.Get().ranges;
  host.namespaces.namespaces = {ns};
  return AnalyzePortUsage(host, {});
}

TEST(IncidentPageTest, NamespacesSectionOnlyWithTheCollector) {
  std::string html =
      IncidentLiveHtml(WithPodNamespace(), {}, "node", 1000, 3600);
  EXPECT_NE(html.find("<section id=\"namespaces\"><h2>Network namespaces "
                      "(pods, containers)</h2>\n<p>1 read, 1 could not be "
                      "read; the worst 1 by headline"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr data-netns=\"4026532801\" data-protocol=\"tcp\" "
                      "class=\"crit\"><td class=\"n\">4026532801</td>"
                      "<td>0f3c2a9e-5b7d-4e1a-9c3b-2d8f6a1e4b70</td>"
                      "<td>&lt;4b1e0c7a9d2f&gt;</td><td>pause</td><td>tcp</td>"
                      "<td class=\"n\">960</td><td class=\"n\">1000</td>"
                      "<td class=\"n\">96.0%</td><td class=\"n\">96.0%</td>"),
            std::string::npos)
      << html;
  EXPECT_LT(html.find("id=\"namespaces\""), html.find("<h2>Port ranges"));
  EXPECT_EQ(IncidentLiveHtml(Busy(), {}, "h", 1000, 3600).find("namespaces"),
            std::string::npos);
}

}  // namespace
}  // namespace epx
