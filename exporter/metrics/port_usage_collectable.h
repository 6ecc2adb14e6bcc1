// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "analysis/port_usage.h"
#include "metrics/report_families.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "sources/host_source.h"

namespace epx {

/// The /metrics pipeline: source -> snapshot -> analysis -> families.
/// Thread-safe. One collection runs at a time, on its own thread; a scrape
/// is answered by a collection that started after it was asked, so scrapes
/// that arrive while one runs share the next. A scrape waits at most its
/// time budget, then answers with the last complete collection and marks
/// the collectors still running with collector_success 0.
class PortUsageCollectable : public prometheus::Collectable {
 public:
  /// max_wait: the longest any scrape waits for a collection (the cap when
  /// the scraper sends no timeout).
  PortUsageCollectable(
      std::unique_ptr<HostSource> source, AnalysisOptions options,
      BuildInfo build,
      std::chrono::milliseconds max_wait = std::chrono::seconds(10));
  ~PortUsageCollectable() override;

  /// Never throws; an unexpected failure yields
  /// ephemeral_port_collector_success{collector="exporter"} 0. Waits at
  /// most max_wait.
  std::vector<prometheus::MetricFamily> Collect() const override;

  /// As Collect(), within the scraper's timeout less a margin (10%, at
  /// least 0.25 s) when scrape_timeout_seconds > 0, and never beyond
  /// max_wait.
  std::vector<prometheus::MetricFamily> CollectWithin(
      double scrape_timeout_seconds) const;
  /// As CollectWithin, for a scrape asked at `asked` that waited before
  /// this call (for the start-up self-test): answered at once when a
  /// collection started after `asked` has ended.
  std::vector<prometheus::MetricFamily> CollectWithin(
      double scrape_timeout_seconds,
      std::chrono::steady_clock::time_point asked) const;

  /// As CollectWithin, the analysed report of that collection; past the
  /// budget the last complete one with the running collector marked failed;
  /// a report of only that collector before any collection completed.
  std::shared_ptr<const PortUsageReport> ReportWithin(
      double scrape_timeout_seconds) const;

  /// The snapshot of a collection that starts after this call, on the
  /// same collection thread as the scrapes (a stuck collector is then one
  /// collection for both); nullptr when none completed within `limit`. For
  /// the self-test: its activity is seen through the source that answers
  /// scrapes.
  std::shared_ptr<const Snapshot> FreshSnapshot(
      std::chrono::milliseconds limit) const;
  /// Adds an observer called on the collection thread after every
  /// collection that produced a report, before the scrapes waiting for it
  /// are answered; add them before the first scrape.
  void OnReport(std::function<void(const PortUsageReport&)> observer);

  /// The same collection analysed again with longer top lists; computed
  /// only when called, on the collection thread.
  using DetailedReport = std::function<PortUsageReport()>;
  /// As OnReport, and `detail` analyses that collection's snapshot again
  /// with every top list (processes, destinations, local addresses) at least
  /// detail_top long, whatever the options say (for the incident record,
  /// which keeps more than the exposition).
  void OnReportWithDetail(
      std::size_t detail_top,
      std::function<void(const PortUsageReport&, const DetailedReport&)>
          observer);

  /// Scrapes currently waiting for a running collection to finish.
  std::size_t WaitingScrapes() const;

  /// For the exporter's stop: every wait for a collection (scrapes,
  /// ReportWithin, FreshSnapshot) ends now and later ones do not wait; no
  /// new collection starts. A running one is left to end on its own thread.
  void Stop();

  struct State;

 private:
  // The result of a collection that started after `asked`, starting or
  // joining one and waiting until `deadline` when none has.
  std::vector<prometheus::MetricFamily> Wait(
      std::chrono::steady_clock::time_point asked,
      std::chrono::steady_clock::time_point deadline) const;
  // Past the deadline: the last complete result, the running collectors
  // marked failed. Called with state_->mu held.
  std::vector<prometheus::MetricFamily> StaleAnswer() const;
  // Starts a collection unless one runs; true if one completed before the
  // deadline. Called and returns with state_->mu held by lock.
  bool StartAndWait(std::unique_lock<std::mutex>* lock,
                    std::chrono::steady_clock::time_point deadline) const;

  std::shared_ptr<State> state_;
  std::chrono::milliseconds max_wait_;
};

/// The time a scrape may wait: the scraper's timeout less a margin (10%, at
/// least 0.25 s, never below 0.1 s), capped at max_wait; max_wait when
/// timeout_seconds <= 0.
std::chrono::milliseconds ScrapeBudget(double timeout_seconds,
                                       std::chrono::milliseconds max_wait);

}  // namespace epx
