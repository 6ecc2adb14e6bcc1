// SPDX-License-Identifier: Apache-2.0
// Store behaviour that must hold on every OS (also built for Windows and run
// under Wine): a rewrite replaces the file, pruning and listing work there.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "incidents/incident_store.h"

namespace epx {
namespace {

namespace fs = std::filesystem;

TEST(IncidentStoreAnyOsTest, RewritesPrunesAndListsInARealDirectory) {
  fs::path dir = fs::temp_directory_path() /
                 ("epx_store_" + std::to_string(std::random_device{}()));
  IncidentStore store(dir.string(), 2);
  std::string error;
  for (int i = 0; i < 3; ++i) {
    Incident incident;
    incident.id = IncidentId(1000 + 100 * i);
    incident.opened_seconds = 1000 + 100 * i;
    incident.trigger = "tcp headline 0.95";
    incident.peak_headline = "tcp";
    incident.peak_ratio = 0.95;
    ASSERT_TRUE(store.Save(incident, &error)) << error;
    incident.closed_seconds = 1050 + 100 * i;
    ASSERT_TRUE(store.Save(incident, &error)) << error;
  }
  std::vector<IncidentSummary> list = store.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, IncidentId(1200));
  EXPECT_DOUBLE_EQ(list[0].closed_seconds, 1250);
  EXPECT_EQ(list[1].id, IncidentId(1100));
  EXPECT_FALSE(fs::exists(dir / (IncidentId(1000) + ".json")));
  EXPECT_FALSE(fs::exists(dir / (IncidentId(1200) + ".json.tmp")));
  EXPECT_TRUE(store.Writable());
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace epx
