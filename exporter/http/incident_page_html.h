// SPDX-License-Identifier: Apache-2.0
// The incident page as HTML: pure renderers from a report and the headline
// history (no I/O, no locking). Served by incident_page_endpoints.h.
#pragma once

#include <string>
#include <vector>

#include "analysis/port_usage.h"
#include "http/headline_history.h"

namespace epx {

/// Seconds between two refreshes of the incident page's live part.
inline constexpr int kIncidentRefreshSeconds = 5;

/// Pure: the live part of the incident page (what `report` prints, as HTML
/// tables): headline per protocol with a sparkline of history, the other
/// network namespaces (namespaces collector), ranges,
/// local addresses, top processes, services, destinations, failing
/// connects, states, collectors. `title` names host and time; now and
/// window_seconds place the history on the sparkline's time axis;
/// incidents_html (rendered HTML) goes below the headlines.
std::string IncidentLiveHtml(const PortUsageReport& report,
                             const std::vector<HeadlineSample>& history,
                             const std::string& title, double now,
                             double window_seconds,
                             const std::string& incidents_html = "");

/// Pure: an inline SVG line of one protocol's headline ratio over the
/// window ending at now (0 at the bottom, 100% at the top, dashed lines at
/// the 80% and 95% alert levels).
std::string SparklineSvg(const std::vector<HeadlineSample>& history,
                         Protocol protocol, double now, double window_seconds);

/// Pure: the whole page: the live part, a script that fetches `live` from
/// the same place every kIncidentRefreshSeconds and swaps it in (a meta
/// refresh without JavaScript), then the about section. No external assets.
std::string IncidentPageHtml(const std::string& live_html,
                             const std::string& about_html);

}  // namespace epx
