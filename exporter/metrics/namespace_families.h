// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "analysis/port_usage.h"
#include "prometheus/metric_family.h"

namespace epx {

/// Pure: the namespaces collector's families (headlines, in use and
/// capacity of the top namespaces, their identity, and the scan counts);
/// none when the collector is off.
std::vector<prometheus::MetricFamily> NamespaceFamilies(
    const NamespaceReport& report);

/// Pure: the connect_events families of other network namespaces (totals,
/// processes and destinations of the reported ones, and the drops); none
/// unless connect_events counted other namespaces.
std::vector<prometheus::MetricFamily> NamespaceConnectFamilies(
    const ConnectEvents& events);

}  // namespace epx
