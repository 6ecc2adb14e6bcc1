// SPDX-License-Identifier: Apache-2.0
// The incident page's endpoints (/, /live, /report): each answer runs a
// collection and renders it with incident_page_html.h.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "http/headline_history.h"
#include "metrics/port_usage_collectable.h"

namespace epx {

/// The incident page's answers, drawn from the same collections as
/// /metrics; keeps the headline of every collection (scrapes and page
/// refreshes alike) for the sparkline. Thread-safe.
class IncidentPages {
 public:
  /// title: the heading of each answer (host name and time).
  IncidentPages(std::shared_ptr<PortUsageCollectable> collectable,
                std::string about_html, std::function<std::string()> title);

  /// The whole page at /.
  std::string Page() const;
  /// The live part the page fetches to refresh itself.
  std::string Live() const;
  /// The console report (`report`) as plain text.
  std::string ReportText() const;
  /// Adds the HTML `section()` returns to every page, before the about
  /// section; set before the first request.
  void AddSection(std::function<std::string()> section);
  /// Sets the HTML `section()` returns (the recorded incidents) below the
  /// headlines of the live part, so it refreshes with them; set before the
  /// first request.
  void SetIncidentsSection(std::function<std::string()> section);

 private:
  struct History {
    std::mutex mu;
    HeadlineHistory samples;
  };
  std::string LiveOf(const PortUsageReport& report) const;

  std::shared_ptr<PortUsageCollectable> collectable_;
  std::string about_html_;
  std::function<std::string()> section_;
  std::function<std::string()> incidents_;
  std::function<std::string()> title_;
  std::shared_ptr<History> history_;
};

}  // namespace epx
