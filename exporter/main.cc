// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "analysis/port_usage.h"
#include "config/config.h"
#include "config/flags.h"
#include "http/http_server.h"
#include "http/incident_history_pages.h"
#include "http/incident_page_endpoints.h"
#include "http/landing_page.h"
#include "http/self_test_section.h"
#include "http/web_config.h"
#include "incidents/incident_monitor.h"
#include "metrics/incident_families.h"
#include "metrics/port_usage_collectable.h"
#include "metrics/self_test_families.h"
#include "platform/platform.h"
#include "prometheus/text_serializer.h"
#include "report/console_report.h"
#include "selftest/run_self_test.h"
#include "build_stamp.h"
#include "version.h"

namespace {

using epx::Config;

// A start error; a service restarted with the same one logs it again only
// at the 10th, 100th... start in a row.
int Fail(const std::string& message) {
  std::uint64_t repeats = 1;
  if (!epx::ShouldLogStartError(message, &repeats)) return 2;
  if (repeats > 1)
    std::fprintf(stderr,
                 "ephemeral_port_exporter: error: %s (the same start error "
                 "%llu times in a row; logged again at 10, 100, 1000...)\n",
                 message.c_str(), static_cast<unsigned long long>(repeats));
  else
    std::fprintf(stderr, "ephemeral_port_exporter: error: %s\n",
                 message.c_str());
  return 2;
}

std::string ReportTitle() {
  std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z",
                std::localtime(&now));
  return "Ephemeral port report for " + epx::HostName() + " at " + when;
}

// Windows service: failed opens and renames of exporter.log, so a log that
// cannot be written shows (absent at a console and on other OSes).
void AddServiceLogFailures(std::vector<prometheus::MetricFamily>* families) {
  std::uint64_t count = 0;
  if (!epx::ServiceLogFailures(&count)) return;
  prometheus::MetricFamily family;
  family.name = "ephemeral_port_service_log_failures_total";
  family.help =
      "Windows service: times exporter.log could not be opened or renamed at "
      "rotation since the service started (log lines are lost while it "
      "cannot be opened).";
  family.type = prometheus::MetricType::Counter;
  prometheus::ClientMetric metric;
  metric.counter.value = static_cast<double>(count);
  family.metric.push_back(metric);
  families->push_back(family);
}

std::string StoragePath(const Config& config) {
  return config.storage_path.empty() ? epx::DefaultStoragePath()
                                     : config.storage_path;
}

std::string RecordedIncidents(const Config& config) {
  std::error_code error;
  std::filesystem::directory_iterator probe(StoragePath(config), error);
  if (error)
    return "Recorded incidents: cannot read " + StoragePath(config) + ": " +
           error.message() + " (see --storage.path)\n";
  epx::IncidentStore store(StoragePath(config));
  std::vector<epx::IncidentSummary> list = store.List();
  std::string newest;
  if (!list.empty()) store.Read(list.front().id, &newest);
  return epx::FormatIncidentsSection(list, newest, store.Directory());
}

int RunReport(const Config& config, double watch_seconds, bool incidents) {
  auto source = epx::MakeHostSource(config.source);
  source->WaitForFirstReadings(
      std::chrono::seconds(epx::kOneShotRangeWaitSeconds));
  for (;;) {
    epx::Snapshot snapshot = source->Collect();
    std::string text = epx::FormatConsoleReport(
        epx::AnalyzePortUsage(snapshot, config.limits), ReportTitle());
    if (incidents) text += "\n" + RecordedIncidents(config);
    if (watch_seconds > 0) std::fputs("\033[H\033[2J", stdout);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    if (watch_seconds <= 0 || epx::SleepUnlessStopped(watch_seconds)) break;
  }
  return 0;
}

epx::SelfTestOptions SelfTestOptionsOf(const Config& config) {
  epx::SelfTestOptions options;
  options.source = config.source;
  options.timeout_seconds =
      static_cast<double>(config.selftest_timeout_seconds);
  return options;
}

// Windows' C runtime may buffer stderr when it is a file or pipe: flushed
// here, the lines reach the log at once, not with the next line.
void LogSelfTest(const epx::SelfTestResult& result) {
  std::fputs(epx::SelfTestLogLines(result).c_str(), stderr);
  std::fflush(stderr);
}

int RunSelfTestCommand(const Config& config) {
  epx::SelfTestResult result = epx::RunSelfTest(SelfTestOptionsOf(config));
  std::fputs(epx::FormatSelfTest(result).c_str(), stdout);
  std::fflush(stdout);
  return epx::SelfTestExitCode(result);
}

int RunServe(const Config& config, epx::BuildInfo build,
             const std::string& web_config_file) {
  auto source = epx::MakeHostSource(config.source);
  epx::ReportStartProgress();
  std::string chosen = source->SocketSourceInUse();
  if (!chosen.empty()) build.source = chosen;
  auto self_test = std::make_shared<epx::SelfTestRecord>();
  epx::SelfTestOptions self_test_options = SelfTestOptionsOf(config);
  self_test_options.source.socket_source = build.source;
  auto first_wait = std::chrono::milliseconds(
      config.selftest_at_start ? 1000 * config.selftest_timeout_seconds : 0);
  // Owned by the collectable, which the self-test's collect below keeps.
  epx::HostSource* serving_source = source.get();
  auto collectable = std::make_shared<epx::PortUsageCollectable>(
      std::move(source), config.limits, build,
      std::chrono::seconds(config.scrape_wait_seconds));
  auto incident_store =
      std::make_shared<epx::IncidentStore>(StoragePath(config));
  epx::IncidentMonitorOptions incident_options;
  incident_options.recorder.threshold = config.incidents_threshold;
  incident_options.watch_level =
      std::max(0.0, config.incidents_threshold - 0.2);
  incident_options.interval_seconds =
      static_cast<double>(config.incidents_interval_seconds);
  auto incidents =
      std::make_shared<epx::IncidentMonitor>(incident_options, incident_store);
  collectable->OnReportWithDetail(
      incident_options.recorder.top,
      [incidents](const epx::PortUsageReport& report,
                  const epx::PortUsageCollectable::DetailedReport& detail) {
        incidents->Observe(
            report,
            std::chrono::duration<double>(
                std::chrono::system_clock::now().time_since_epoch())
                .count(),
            detail);
      });
  epx::HttpContent content;
  content.telemetry_path = config.telemetry_path;
  content.max_connections = static_cast<int>(config.max_connections);
  content.read_timeout_seconds = static_cast<int>(config.read_timeout_seconds);
  self_test_options.collect =
      [collectable, serving_source](std::chrono::milliseconds limit) {
        serving_source->WaitForFirstReadings(limit);
        return collectable->FreshSnapshot(limit);
      };
  auto max_wait = std::chrono::seconds(config.scrape_wait_seconds);
  auto serving_since = std::chrono::steady_clock::now();
  content.metrics = [collectable, self_test, first_wait, max_wait,
                     serving_since, incidents](double timeout_seconds) {
    auto start = std::chrono::steady_clock::now();
    bool during_start =
        first_wait.count() > 0 &&
        self_test->WaitForFirst(std::min(
            first_wait, epx::ScrapeBudget(timeout_seconds, max_wait) / 2));
    double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    std::ostringstream out;
    // A scrape asked before the start-up self-test ended counts as asked at
    // the start: the self-test's collection through the serving source then
    // answers it. Any other is answered by a collection started after it.
    std::vector<prometheus::MetricFamily> families = collectable->CollectWithin(
        std::max((timeout_seconds > 0
                      ? timeout_seconds
                      : std::chrono::duration<double>(max_wait).count()) -
                     waited,
                 0.01),
        during_start ? serving_since : start);
    if (auto last = self_test->Last()) {
      for (auto& family : epx::SelfTestFamilies(*last))
        families.push_back(std::move(family));
    }
    for (auto& family : epx::IncidentFamilies(incidents->Status()))
      families.push_back(std::move(family));
    AddServiceLogFailures(&families);
    prometheus::TextSerializer().Serialize(out, families);
    epx::ReturnFreedMemory();
    return out.str();
  };
  auto pages = std::make_shared<epx::IncidentPages>(
      collectable, epx::AboutSectionHtml(config, build), ReportTitle);
  content.landing_page = [pages] { return pages->Page(); };
  content.live = [pages] { return pages->Live(); };
  content.report_text = [pages] { return pages->ReportText(); };
  pages->AddSection([self_test] {
    auto last = self_test->Last();
    return epx::SelfTestSectionHtml(last.get());
  });
  pages->SetIncidentsSection([incident_store] {
    return epx::RecentIncidentsHtml(incident_store.get());
  });
  content.self_test = [self_test, self_test_options] {
    auto result = self_test->Run(self_test_options);
    LogSelfTest(*result);
    return epx::FormatSelfTest(*result);
  };
  content.incidents = [incident_store](const std::string& path,
                                       std::string* body, std::string* type) {
    return epx::ServeIncidentHistory(incident_store.get(), path, body, type);
  };
  content.web_config_file = web_config_file;
  epx::HttpServer server(content);
  std::string error;
  if (!server.Start(config.listen_addresses, &error)) return Fail(error);
  epx::ReportServing();
  std::string addresses, ports;
  for (const std::string& a : config.listen_addresses)
    addresses += (addresses.empty() ? "" : ",") + a;
  for (int p : server.BoundPorts())
    ports += (ports.empty() ? "" : ",") + std::to_string(p);
  std::fprintf(stderr,
               "level=info msg=\"listening\" address=%s port=%d ports=%s "
               "path=%s version=%s source=%s\n",
               addresses.c_str(), server.BoundPort(), ports.c_str(),
               config.telemetry_path.c_str(), EPX_VERSION,
               build.source.c_str());
  if (config.selftest_at_start) {
    // On a thread of its own: the main thread (the service's) goes on to
    // wait for the stop request; scrapes wait for the result (WaitForFirst).
    try {
      epx::SelfTestOptions at_start = self_test_options;
      at_start.text_source_max_sockets = epx::kStartUpTextSourceMaxSockets;
      std::thread([self_test, at_start] {
        epx::SelfTestResult result = epx::RunSelfTest(at_start);
        LogSelfTest(result);
        self_test->Set(result);
        epx::ReturnFreedMemory();
      }).detach();
    } catch (const std::exception& e) {
      std::fprintf(stderr,
                   "level=error msg=\"selftest not started\" err=\"%s\"\n",
                   e.what());
    }
  }
  std::size_t interrupted = incident_store->CloseInterrupted();
  std::fprintf(stderr,
               "level=info msg=\"recording incidents\" path=\"%s\" "
               "closed_open_at_stop=%llu\n",
               incident_store->Directory().c_str(),
               static_cast<unsigned long long>(interrupted));
  incidents->Start([collectable] { collectable->ReportWithin(0); });
  epx::WaitForStopSignal();
  std::fprintf(stderr, "level=info msg=\"stopping\"\n");
  // Nothing waits for a collection from here on (a slow first one included):
  // the incident sample and the scrapes in flight answer at once, so the
  // server's threads end within the stop limit.
  collectable->Stop();
  self_test->Stop();
  incidents->Stop();
  server.Stop();
  return 0;
}

int Run(const std::vector<std::string>& args) {
  epx::CommandLine command_line;
  std::string error;
  if (!epx::ParseCommandLine(args, &command_line, &error)) return Fail(error);
  if (command_line.help) {
    std::fputs(epx::UsageText().c_str(), stdout);
    return 0;
  }
  if (command_line.version) {
    std::printf("ephemeral_port_exporter %s (%s, revision %s, built %s)\n",
                EPX_VERSION, epx::HostOsName(), EPX_REVISION, EPX_BUILD_DATE);
    return 0;
  }
  if (!epx::CreateConfigFromDefault(command_line.config_file,
                                    command_line.config_default_file, &error))
    return Fail(error);
  Config config = epx::DefaultConfig();
  if (!command_line.config_file.empty()) {
    config.config_file = command_line.config_file;
    if (!epx::ApplyConfigFile(command_line.config_file, &config, &error))
      return Fail(error);
  }
  if (!epx::ApplyFlagOverrides(command_line, &config, &error))
    return Fail(error);
  epx::ReportStartProgress();
  std::string web_config_file;
  for (const auto& [name, value] : command_line.overrides) {
    if (name == "web.config.file") web_config_file = value;
  }
  epx::WebConfig web_config;
  if (!web_config_file.empty() &&
      !epx::LoadWebConfigFile(web_config_file, &web_config, &error))
    return Fail(error);
  if (command_line.config_check) {
    std::printf("configuration OK\n%s", epx::DescribeConfig(config).c_str());
    return 0;
  }
  if (!epx::CheckHostSource(config.source, &error)) return Fail(error);
  epx::BuildInfo build{EPX_VERSION, EPX_REVISION, EPX_BUILD_DATE,
                       epx::HostOsName(), config.source.socket_source};
  if (command_line.command == "report")
    return RunReport(config, command_line.watch_seconds,
                     command_line.incidents);
  if (command_line.command == "selftest") return RunSelfTestCommand(config);
  return RunServe(config, build, web_config_file);
}

}  // namespace

int main(int argc, char** argv) {
  epx::PrepareStopSignals();
  epx::TuneAllocator();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (epx::TakeServiceCommand(&args))
    return epx::RunAsService([&args] { return Run(args); });
  return Run(args);
}
