// SPDX-License-Identifier: Apache-2.0
#include "http/incident_page_endpoints.h"

#include <chrono>
#include <utility>

#include "http/incident_page_html.h"
#include "report/console_report.h"

namespace epx {
namespace {

double UnixNow() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

IncidentPages::IncidentPages(std::shared_ptr<PortUsageCollectable> collectable,
                             std::string about_html,
                             std::function<std::string()> title)
    : collectable_(std::move(collectable)),
      about_html_(std::move(about_html)),
      title_(std::move(title)),
      history_(std::make_shared<History>()) {
  std::shared_ptr<History> history = history_;
  collectable_->OnReport([history](const PortUsageReport& report) {
    HeadlineSample sample = HeadlineOf(report, UnixNow());
    std::lock_guard<std::mutex> lock(history->mu);
    history->samples.Add(sample);
  });
}

std::string IncidentPages::LiveOf(const PortUsageReport& report) const {
  double now = UnixNow();
  std::vector<HeadlineSample> samples;
  double window = 0;
  {
    std::lock_guard<std::mutex> lock(history_->mu);
    samples = history_->samples.Samples(now);
    window = history_->samples.WindowSeconds();
  }
  return IncidentLiveHtml(report, samples, title_(), now, window,
                          incidents_ ? incidents_() : "");
}

std::string IncidentPages::Page() const {
  return IncidentPageHtml(LiveOf(*collectable_->ReportWithin(0)),
                          (section_ ? section_() : "") + about_html_);
}

void IncidentPages::AddSection(std::function<std::string()> section) {
  section_ = std::move(section);
}

void IncidentPages::SetIncidentsSection(std::function<std::string()> section) {
  incidents_ = std::move(section);
}

std::string IncidentPages::Live() const {
  return LiveOf(*collectable_->ReportWithin(0));
}

std::string IncidentPages::ReportText() const {
  return FormatConsoleReport(*collectable_->ReportWithin(0), title_());
}

}  // namespace epx
