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

}  // namespace epx
