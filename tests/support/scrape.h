// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <vector>

#include "exposition.h"

namespace epx::testing {

/// GET /metrics from 127.0.0.1:`port` until it answers 200 (at most 5 s);
/// the samples of that answer, or none and a test failure.
std::vector<Sample> ScrapeMetrics(int port);

/// Scrapes until `ready` holds (at most 10 s); returns the last scrape.
std::vector<Sample> ScrapeMetricsUntil(
    int port, const std::function<bool(const std::vector<Sample>&)>& ready);

}  // namespace epx::testing
