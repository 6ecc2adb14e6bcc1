#pragma once

#include <string>

#include "config/config.h"
#include "metrics/report_families.h"

namespace epx {

/// Pure: the HTML landing page: version, link to metrics, active config.
std::string LandingPageHtml(const Config& config, const BuildInfo& build);

/// Pure: the active configuration rendered as YAML-like text.
std::string DescribeConfig(const Config& config);

}  // namespace epx
