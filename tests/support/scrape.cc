// SPDX-License-Identifier: Apache-2.0
#include "scrape.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "subprocess.h"

namespace epx::testing {

std::vector<Sample> ScrapeMetrics(int port) {
  // Client ports below the namespaces' narrowed ephemeral ranges.
  static int local_port = 30000;
  for (int attempt = 0; attempt < 100; ++attempt) {
    int status = 0;
    std::string body = HttpGet(port, "/metrics", local_port++, &status);
    if (status == 200) return ParseExposition(body);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "exporter on port " << port
                << " did not answer /metrics within 5 s";
  return {};
}

std::vector<Sample> ScrapeMetricsUntil(
    int port, const std::function<bool(const std::vector<Sample>&)>& ready) {
  std::vector<Sample> samples;
  for (int attempt = 0; attempt < 100; ++attempt) {
    samples = ScrapeMetrics(port);
    if (ready(samples)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return samples;
}

}  // namespace epx::testing
