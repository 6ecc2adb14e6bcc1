// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

#include "incidents/incident_store.h"

namespace epx {

/// The recorded incidents: the list as HTML or JSON, one incident as HTML
/// or its stored JSON. False (404) for an unknown id or path.
bool ServeIncidentHistory(IncidentStore* store, const std::string& path,
                          std::string* body, std::string* content_type);

/// The incident page's section of recorded incidents: the newest `shown`
/// with links to their pages, the count of all, and a note when the last
/// write failed.
std::string RecentIncidentsHtml(IncidentStore* store, std::size_t shown = 5);

}  // namespace epx
