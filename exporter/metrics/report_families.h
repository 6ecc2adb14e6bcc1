// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "analysis/port_usage.h"
#include "prometheus/metric_family.h"

namespace epx {

/// Constant facts about this exporter shown in ephemeral_port_build_info.
struct BuildInfo {
  std::string version;
  std::string revision;
  std::string build_date;
  std::string os;
  std::string source;
};

/// Pure: turns a report into the metric families of one scrape.
std::vector<prometheus::MetricFamily> BuildMetricFamilies(
    const PortUsageReport& report, const BuildInfo& build);

}  // namespace epx
