// SPDX-License-Identifier: Apache-2.0
// The mustache templates of the HTML pages, compiled into the binary (no
// file is read at run time). Rendered with RenderTemplate (http/html.h).
#pragma once

namespace epx {

/// A table: class, has_class, head[{text, n}], rows[{attrs[{name, value}],
/// cells[{text, n}]}]; n marks a numeric (right-aligned) column.
extern const char kTableTemplate[];
/// The incident page around its live part: refresh, live, about.
extern const char kIncidentPageTemplate[];
/// The live part of the incident page (see IncidentLiveHtml).
extern const char kIncidentLiveTemplate[];
/// One protocol's headline sparkline as inline SVG.
extern const char kSparklineTemplate[];
/// The about section: version, links, active configuration.
extern const char kAboutSectionTemplate[];
/// The self-test section: last run and its checks.
extern const char kSelfTestSectionTemplate[];
/// The network-namespaces section of the incident page: scanned, failed,
/// shown, table.
extern const char kNamespaceSectionTemplate[];
/// The recent-incidents section of the incident page.
extern const char kRecentIncidentsTemplate[];
/// The page shell of /incidents and /incidents/ID: title, body.
extern const char kHistoryPageTemplate[];
/// The body of /incidents: the recorded incidents, newest first.
extern const char kIncidentListTemplate[];
/// The body of /incidents/ID: one recorded incident's worst moment.
extern const char kIncidentDetailTemplate[];

}  // namespace epx
