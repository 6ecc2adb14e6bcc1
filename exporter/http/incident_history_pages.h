// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "incidents/incident_store.h"

namespace epx {

/// The recorded incidents: the list as HTML or JSON, one incident as HTML
/// or its stored JSON. False (404) for an unknown id or path.
bool ServeIncidentHistory(IncidentStore* store, const std::string& path,
                          std::string* body, std::string* content_type);

}  // namespace epx
