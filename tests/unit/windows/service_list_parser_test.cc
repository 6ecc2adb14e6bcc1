// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/service_list_parser.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

TEST(ServiceListTest, NamesEveryServiceOfASharedSvchost) {
  std::vector<ProcessEntry> processes = {
      {0, "[System Process]"},
      {4, "System"},
      {1024, "svchost.exe"},
      {4242, "ApplicationProxyConnectorService.exe"},
      {5000, "notepad.exe"}};
  std::vector<ServiceStatusEntry> services = {
      {"RpcSs", kServiceRunning, 1024},
      {"RpcEptMapper", kServiceRunning, 1024},
      {"WAPCSvc", kServiceRunning, 4242},
      {"Spooler", kServiceStopped, 0},
      {"Gone", kServiceRunning, 7777},
  };
  auto table = BuildProcessTable(processes, services);
  EXPECT_EQ(table.count(0), 0u);
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table.at(1024).name, "svchost.exe");
  EXPECT_EQ(table.at(1024).services,
            (std::vector<std::string>{"RpcEptMapper", "RpcSs"}));
  EXPECT_EQ(table.at(4242).services, (std::vector<std::string>{"WAPCSvc"}));
  EXPECT_EQ(table.at(4242).pid, 4242);
  EXPECT_TRUE(table.at(5000).services.empty());
  EXPECT_EQ(table.at(4).name, "System");
}

TEST(ServiceListTest, WatchedServiceRunningWithPid) {
  ServiceStatusEntry status{"WAPCSvc", kServiceRunning, 4242};
  ServiceInfo info = WatchedServiceFromStatus("WAPCSvc", &status);
  EXPECT_EQ(info.name, "WAPCSvc");
  EXPECT_TRUE(info.running);
  EXPECT_EQ(info.pids, (std::vector<std::int64_t>{4242}));
}

TEST(ServiceListTest, WatchedServiceStoppedOrMissingIsReportedNotRunning) {
  ServiceStatusEntry stopped{"WAPCSvc", kServiceStopped, 0};
  ServiceInfo a = WatchedServiceFromStatus("WAPCSvc", &stopped);
  EXPECT_FALSE(a.running);
  EXPECT_TRUE(a.pids.empty());
  ServiceInfo b = WatchedServiceFromStatus("NotInstalled", nullptr);
  EXPECT_EQ(b.name, "NotInstalled");
  EXPECT_FALSE(b.running);
}

}  // namespace
}  // namespace epx
