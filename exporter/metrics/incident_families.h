// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "incidents/incident_monitor.h"
#include "prometheus/metric_family.h"

namespace epx {

/// Pure: ephemeral_port_incident_active, ephemeral_port_incidents_total,
/// ephemeral_port_incident_store_errors_total and
/// ephemeral_port_incident_store_writable.
std::vector<prometheus::MetricFamily> IncidentFamilies(
    const IncidentStatus& status);

}  // namespace epx
