// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "config/config.h"
#include "metrics/report_families.h"

namespace epx {

/// Pure: the HTML section below the incident page: version, links to the
/// other endpoints, active config.
std::string AboutSectionHtml(const Config& config, const BuildInfo& build);

/// Pure: the active configuration rendered as YAML-like text.
std::string DescribeConfig(const Config& config);

}  // namespace epx
