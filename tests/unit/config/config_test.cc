// SPDX-License-Identifier: Apache-2.0
#include "config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace epx {

namespace {

TEST(ConfigTest, DefaultsFollowTheHostOs) {
  Config c = DefaultConfig();
  EXPECT_EQ(c.source.socket_source, DefaultSocketSource());
  std::string problem;
  EXPECT_TRUE(CheckSocketSource(DefaultSocketSource(), &problem)) << problem;
  EXPECT_FALSE(CheckSocketSource("carrier-pigeon", &problem));
  EXPECT_NE(problem.find(HostOsName()), std::string::npos) << problem;
}

const std::string kDir = std::string(EPX_FIXTURE_DIR) + "/config/";

// Applies yaml over the defaults as file "cfg.yml"; returns the error.
std::string ApplyError(const std::string& yaml) {
  Config config = DefaultConfig();
  std::string error;
  EXPECT_FALSE(ApplyConfigYaml(yaml, "cfg.yml", &config, &error)) << yaml;
  return error;
}

TEST(ConfigTest, DefaultsForLinux) {
  Config c = DefaultConfig();
  EXPECT_EQ(c.listen_addresses, std::vector<std::string>{":19152"});
  EXPECT_EQ(c.telemetry_path, "/metrics");
  EXPECT_EQ(c.source.socket_source, "auto");
  EXPECT_EQ(c.source.procfs_root, "/proc");
  EXPECT_TRUE(c.source.collect_processes);
  EXPECT_TRUE(c.source.collect_tcp_stats);
  EXPECT_TRUE(c.source.watched_services.empty());
  EXPECT_EQ(c.limits.top_processes, 10u);
  EXPECT_EQ(c.limits.top_destinations, 10u);
  EXPECT_EQ(c.limits.top_local_addresses, 20u);
  EXPECT_EQ(c.max_connections, 512u);
  EXPECT_EQ(c.read_timeout_seconds, 10u);
  std::string error;
  EXPECT_TRUE(ValidateConfig(c, &error)) << error;
}

TEST(ConfigTest, AppliesFullFile) {
  Config c = DefaultConfig();
  std::string error;
  ASSERT_TRUE(ApplyConfigFile(kDir + "full.yml", &c, &error)) << error;
  EXPECT_EQ(c.listen_addresses,
            (std::vector<std::string>{"127.0.0.1:9100", "[::1]:9100"}));
  EXPECT_EQ(c.max_connections, 64u);
  EXPECT_EQ(c.read_timeout_seconds, 3u);
  EXPECT_EQ(c.telemetry_path, "/port-metrics");
  EXPECT_EQ(c.source.socket_source, "procfs");
  EXPECT_EQ(c.source.procfs_root, "/host/proc");
  EXPECT_FALSE(c.source.collect_processes);
  EXPECT_FALSE(c.source.collect_tcp_stats);
  EXPECT_EQ(c.limits.top_processes, 5u);
  EXPECT_EQ(c.limits.top_destinations, 0u);
  EXPECT_EQ(c.limits.top_local_addresses, 1000u);
  EXPECT_EQ(c.source.watched_services,
            (std::vector<std::string>{"nginx", "postgresql.service"}));
  ASSERT_EQ(c.limits.watch.destinations.size(), 2u);
  EXPECT_EQ(c.limits.watch.destinations[1].ToString(), "[2001:db8::/32]:443");
  ASSERT_EQ(c.limits.watch.processes.size(), 1u);
  ASSERT_EQ(c.limits.watch.local_addresses.size(), 1u);
  EXPECT_TRUE(ValidateConfig(c, &error)) << error;
}

TEST(ConfigTest, EmptyFileKeepsDefaults) {
  Config c = DefaultConfig();
  c.limits.top_processes = 3;
  std::string error;
  ASSERT_TRUE(ApplyConfigFile(kDir + "empty.yml", &c, &error)) << error;
  EXPECT_EQ(c.limits.top_processes, 3u);
  EXPECT_EQ(c.listen_addresses, std::vector<std::string>{":19152"});
  ASSERT_TRUE(ApplyConfigYaml("# only a comment\n", "cfg.yml", &c, &error));
  ASSERT_TRUE(ApplyConfigYaml("limits:\n", "cfg.yml", &c, &error));
  EXPECT_EQ(c.limits.top_processes, 3u);
}

TEST(ConfigTest, PartialFileMergesOverCurrentValues) {
  Config c = DefaultConfig();
  c.source.watched_services = {"old"};
  std::string error;
  ASSERT_TRUE(ApplyConfigYaml(
      "collectors:\n  tcp_stats: off\nlimits:\n  top_destinations: 7\n",
      "cfg.yml", &c, &error))
      << error;
  EXPECT_FALSE(c.source.collect_tcp_stats);
  EXPECT_TRUE(c.source.collect_processes);
  EXPECT_EQ(c.limits.top_destinations, 7u);
  EXPECT_EQ(c.limits.top_processes, 10u);
  EXPECT_EQ(c.source.watched_services, std::vector<std::string>{"old"});
  ASSERT_TRUE(ApplyConfigYaml("watched_services: []\n", "cfg.yml", &c, &error));
  EXPECT_TRUE(c.source.watched_services.empty());
}

TEST(ConfigTest, UnknownNestedKeyNamesFileLineAndDottedKey) {
  Config c = DefaultConfig();
  std::string error;
  std::string path = kDir + "unknown_nested.yml";
  ASSERT_FALSE(ApplyConfigFile(path, &c, &error));
  EXPECT_EQ(error, path + ":4: limits.top_procs: unknown key");
  // Nothing is applied from a file with an error.
  EXPECT_EQ(c.limits.top_destinations, 10u);
  EXPECT_EQ(ApplyError("web:\n  telemetry_path: /m\n\n  listen: x\n"),
            "cfg.yml:4: web.listen: unknown key");
}

TEST(ConfigTest, UnknownTopLevelKey) {
  EXPECT_EQ(ApplyError("# comment\nlimits:\n  top_processes: 2\nlimit: 1\n"),
            "cfg.yml:4: limit: unknown key");
  EXPECT_EQ(ApplyError("Web:\n  listen_address: x\n"),
            "cfg.yml:1: Web: unknown key");
}

TEST(ConfigTest, WrongTypes) {
  EXPECT_EQ(ApplyError("collectors:\n  processes: \"maybe\"\n"),
            "cfg.yml:2: collectors.processes: expected true or false, got "
            "'maybe'");
  EXPECT_EQ(ApplyError("collectors:\n  tcp_stats: 1\n"),
            "cfg.yml:2: collectors.tcp_stats: expected true or false, got "
            "'1'");
  EXPECT_EQ(ApplyError("limits: [1, 2]\n"),
            "cfg.yml:1: limits: expected a mapping");
  EXPECT_EQ(ApplyError("web:\n  - listen_address: x\n"),
            "cfg.yml:2: web: expected a mapping");
  EXPECT_EQ(ApplyError("- a\n- b\n"),
            "cfg.yml:1: (top level): expected a mapping");
  EXPECT_EQ(ApplyError("web:\n  listen_address: {host: x}\n"),
            "cfg.yml:2: web.listen_address: expected a string");
  EXPECT_EQ(ApplyError("watched_services: nginx\n"),
            "cfg.yml:1: watched_services: expected a list");
  EXPECT_EQ(ApplyError("watched_services:\n  - a\n  - [b]\n"),
            "cfg.yml:3: watched_services: expected a string");
  EXPECT_EQ(ApplyError("limits:\n  top_processes: ten\n"),
            "cfg.yml:2: limits.top_processes: expected a whole number, got "
            "'ten'");
  EXPECT_EQ(ApplyError("limits:\n  top_processes: -1\n"),
            "cfg.yml:2: limits.top_processes: expected a whole number, got "
            "'-1'");
}

TEST(ConfigTest, ImpossibleValues) {
  EXPECT_EQ(ApplyError("limits:\n  top_processes: 5000\n"),
            "cfg.yml:2: limits.top_processes: must be at most 1000, got 5000");
  EXPECT_EQ(ApplyError("limits:\n  top_local_addresses: 99999999999\n")
                .rfind("cfg.yml:2: limits.top_local_addresses: ", 0),
            0u);
  EXPECT_EQ(ApplyError("web:\n  telemetry_path: metrics\n"),
            "cfg.yml:2: web.telemetry_path: must start with '/'");
  EXPECT_EQ(ApplyError("web:\n  listen_address: \"\"\n"),
            "cfg.yml:2: web.listen_address: must not be empty");
  EXPECT_EQ(ApplyError("source:\n  sockets: iphlpapi\n"),
            "cfg.yml:2: source.sockets: unsupported socket source "
            "'iphlpapi' (supported on linux: auto, netlink, procfs, bpf)");
  EXPECT_EQ(ApplyError("watched_services:\n  - nginx\n  - \"\"\n"),
            "cfg.yml:3: watched_services: empty name");
}

TEST(ConfigTest, InvalidYamlSyntaxNamesFileAndLine) {
  Config c = DefaultConfig();
  std::string error;
  std::string path = kDir + "bad_syntax.yml";
  ASSERT_FALSE(ApplyConfigFile(path, &c, &error));
  EXPECT_EQ(error, path + ":5: invalid YAML: illegal map value");
  EXPECT_EQ(ApplyError("a: 1\n  b: 2\nc: 3\n"),
            "cfg.yml:2: invalid YAML: illegal map value");
  EXPECT_EQ(ApplyError("web: {listen_address: x\n"),
            "cfg.yml:2: invalid YAML: end of map flow not found");
  EXPECT_EQ(ApplyError("limits:\n  top_processes: *nope\n"),
            "cfg.yml:2: invalid YAML: the referenced anchor is not defined");
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConfigTest, CreateConfigFromDefaultOnlyWhenAbsent) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(testing::TempDir()) / "epx_config_default";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path fallback = dir / "config.default.yml";
  std::ofstream(fallback) << "watched_services: [Default]\n";
  fs::path live = dir / "data" / "config.yml";
  std::string error;
  ASSERT_TRUE(CreateConfigFromDefault(live.string(), fallback.string(), &error))
      << error;
  EXPECT_EQ(ReadAll(live), "watched_services: [Default]\n");
  std::ofstream(live) << "watched_services: [Edited]\n";
  std::ofstream(fallback) << "watched_services: [NewDefault]\n";
  ASSERT_TRUE(
      CreateConfigFromDefault(live.string(), fallback.string(), &error));
  EXPECT_EQ(ReadAll(live), "watched_services: [Edited]\n");
  ASSERT_TRUE(
      CreateConfigFromDefault((dir / "other.yml").string(), "", &error));
  EXPECT_FALSE(fs::exists(dir / "other.yml"));
  EXPECT_FALSE(CreateConfigFromDefault((dir / "third.yml").string(),
                                       (dir / "missing.yml").string(), &error));
  EXPECT_NE(error.find("third.yml: cannot create it from "), std::string::npos)
      << error;
  EXPECT_NE(error.find("missing.yml"), std::string::npos) << error;
  fs::remove_all(dir);
}

// The first upgrade from the 0.1.0 MSI, which owned config.yml: the fleet
// script saved it as config.yml.before-upgrade, the old product's removal
// deleted it, and the new service must put the edit back, not the default.
TEST(ConfigTest, CreateConfigRestoresTheCopySavedBeforeAnUpgrade) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(testing::TempDir()) / "epx_config_restore";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path fallback = dir / "config.default.yml";
  std::ofstream(fallback) << "watched_services: [Default]\n";
  fs::path live = dir / "config.yml";
  fs::path saved = dir / "config.yml.before-upgrade";
  std::ofstream(saved) << "watched_services: [Edited]\n";
  std::string error;
  ASSERT_TRUE(CreateConfigFromDefault(live.string(), fallback.string(), &error))
      << error;
  EXPECT_EQ(ReadAll(live), "watched_services: [Edited]\n");
  EXPECT_FALSE(fs::exists(saved)) << "restored once, then gone";
  // With config.yml present a saved copy is left alone.
  std::ofstream(saved) << "watched_services: [Older]\n";
  ASSERT_TRUE(CreateConfigFromDefault(live.string(), fallback.string(), &error))
      << error;
  EXPECT_EQ(ReadAll(live), "watched_services: [Edited]\n");
  EXPECT_TRUE(fs::exists(saved));
  fs::remove_all(dir);
}

TEST(ConfigTest, MissingFile) {
  Config c = DefaultConfig();
  std::string error;
  ASSERT_FALSE(ApplyConfigFile(kDir + "no_such.yml", &c, &error));
  EXPECT_EQ(error, kDir + "no_such.yml: cannot read config file");
}

TEST(ConfigTest, ValidateRejectsUnsupportedSourceAndEmptyRoot) {
  Config c = DefaultConfig();
  std::string error;
  c.source.socket_source = "iphlpapi";
  ASSERT_FALSE(ValidateConfig(c, &error));
  EXPECT_EQ(error.rfind("source.sockets: unsupported socket source", 0), 0u)
      << error;
  c = DefaultConfig();
  c.source.procfs_root = "";
  ASSERT_FALSE(ValidateConfig(c, &error));
  EXPECT_EQ(error, "source.procfs_root: must not be empty");
  std::string problem;
  EXPECT_TRUE(CheckSocketSource("procfs", &problem));
  EXPECT_TRUE(CheckSocketSource("netlink", &problem));
  EXPECT_FALSE(CheckSocketSource("", &problem));
}

TEST(ConfigTest, ListenAddressIsOneOrAList) {
  Config c = DefaultConfig();
  std::string error;
  ASSERT_TRUE(ApplyConfigYaml("web:\n  listen_address: \"[::1]:1\"\n",
                              "cfg.yml", &c, &error))
      << error;
  EXPECT_EQ(c.listen_addresses, std::vector<std::string>{"[::1]:1"});
  ASSERT_TRUE(ApplyConfigYaml(
      "web:\n  listen_address: [\":1\", \"0.0.0.0:2\", \"localhost:3\"]\n",
      "cfg.yml", &c, &error))
      << error;
  EXPECT_EQ(c.listen_addresses,
            (std::vector<std::string>{":1", "0.0.0.0:2", "localhost:3"}));
  EXPECT_EQ(ApplyError("web:\n  listen_address: []\n"),
            "cfg.yml:2: web.listen_address: must not be empty");
  EXPECT_EQ(ApplyError("web:\n  listen_address: \"::1:9\"\n"),
            "cfg.yml:2: web.listen_address: listen address '::1:9': put an "
            "IPv6 address in brackets, e.g. [::1]:19152");
  EXPECT_EQ(ApplyError("web:\n  listen_address:\n    - \":1\"\n    - x\n"),
            "cfg.yml:3: web.listen_address: listen address 'x': expected "
            "host:port, :port or [ipv6]:port");
}

TEST(ConfigTest, EventLookbackIsValidatedLikeEveryKey) {
  Config c = DefaultConfig();
  EXPECT_EQ(c.source.event_lookback_seconds, 86400u);
  std::string error;
  ASSERT_TRUE(
      ApplyConfigYaml("collectors:\n  events_lookback_seconds: 604800\n",
                      "cfg.yml", &c, &error))
      << error;
  EXPECT_EQ(c.source.event_lookback_seconds, 604800u);
  EXPECT_EQ(
      ApplyError("collectors:\n  events_lookback_seconds: 0\n"),
      "cfg.yml:2: collectors.events_lookback_seconds: must be at least 1");
  EXPECT_EQ(ApplyError("collectors:\n  events_lookback_seconds: 2592001\n"),
            "cfg.yml:2: collectors.events_lookback_seconds: must be at most "
            "2592000, got 2592001");
  EXPECT_EQ(ApplyError("collectors:\n  events_lookback_seconds: 1d\n"),
            "cfg.yml:2: collectors.events_lookback_seconds: expected a whole "
            "number, got '1d'");
}

TEST(ConfigTest, ConnectionLimits) {
  EXPECT_EQ(ApplyError("web:\n  max_connections: 0\n"),
            "cfg.yml:2: web.max_connections: must be at least 1");
  EXPECT_EQ(ApplyError("web:\n  max_connections: 5000\n"),
            "cfg.yml:2: web.max_connections: must be at most 4096, got 5000");
  EXPECT_EQ(ApplyError("web:\n  read_timeout_seconds: 0\n"),
            "cfg.yml:2: web.read_timeout_seconds: must be at least 1");
  EXPECT_EQ(ApplyError("web:\n  max_requests: 8\n"),
            "cfg.yml:2: web.max_requests: replaced by web.max_connections");
}

TEST(ConfigTest, WatchListsAreParsedOnLoad) {
  Config c = DefaultConfig();
  std::string error;
  ASSERT_TRUE(
      ApplyConfigYaml("watch:\n"
                      "  destinations:\n"
                      "    - 10.0.0.0/8:443\n"
                      "    - \"[2001:db8::/32]:443\"\n"
                      "    - 192.0.2.10:5432\n"
                      "    - 198.51.100.7\n"
                      "  processes: [java, \"/opt/*/bin/*\"]\n"
                      "  local_addresses: [10.8.0.0/24, \"fd00::5\"]\n",
                      "cfg.yml", &c, &error))
      << error;
  const WatchList& w = c.limits.watch;
  ASSERT_EQ(w.destinations.size(), 4u);
  EXPECT_EQ(w.destinations[0].port, 443);
  EXPECT_EQ(w.destinations[0].address.prefix_length, 8);
  EXPECT_EQ(w.destinations[1].address.network.family, Family::kIpv6);
  EXPECT_EQ(w.destinations[1].address.prefix_length, 32);
  EXPECT_EQ(w.destinations[2].port, 5432);
  EXPECT_TRUE(w.destinations[2].address.IsSingle());
  EXPECT_EQ(w.destinations[3].port, 0);
  ASSERT_EQ(w.processes.size(), 2u);
  EXPECT_EQ(w.processes[0].glob, "java");
  EXPECT_FALSE(w.processes[0].matches_path);
  EXPECT_TRUE(w.processes[1].matches_path);
  EXPECT_EQ(w.processes[0].windows, std::string(HostOsName()) == "windows");
  ASSERT_EQ(w.local_addresses.size(), 2u);
  EXPECT_EQ(w.local_addresses[0].prefix_length, 24);
  EXPECT_TRUE(w.local_addresses[1].IsSingle());
}

TEST(ConfigTest, WatchListErrorsNameFileLineAndKey) {
  EXPECT_EQ(ApplyError("watch:\n  destinations:\n    - 10.0.0.0/8:443\n"
                       "    - 10.0.0.1:0\n"),
            "cfg.yml:4: watch.destinations: port '0' must be 1..65535");
  EXPECT_EQ(ApplyError("watch:\n  destinations: [10.0.0.0/40:443]\n"),
            "cfg.yml:2: watch.destinations: prefix length '40' must be 0..32");
  EXPECT_EQ(ApplyError("watch:\n  destinations:\n    - 10.1.0.0/8:443\n"),
            "cfg.yml:3: watch.destinations: '10.1.0.0/8' has bits set past "
            "the prefix (the block is 10.0.0.0/8)");
  EXPECT_EQ(ApplyError("watch:\n  destinations:\n    - db.example:5432\n"),
            "cfg.yml:3: watch.destinations: 'db.example' is not an IPv4 or "
            "IPv6 address");
  EXPECT_EQ(ApplyError("watch:\n  processes:\n    - java\n"
                       "    - \"worker[0-9\"\n"),
            "cfg.yml:4: watch.processes: '[' at character 7 has no closing "
            "']'");
  EXPECT_EQ(ApplyError("watch:\n  local_addresses:\n    - 10.8.0.0/33\n"),
            "cfg.yml:3: watch.local_addresses: prefix length '33' must be "
            "0..32");
  EXPECT_EQ(ApplyError("watch:\n  local_addresses: [10.8.0.5:443]\n"),
            "cfg.yml:2: watch.local_addresses: '10.8.0.5:443' is not an IPv4 "
            "or IPv6 address");
  EXPECT_EQ(ApplyError("watch:\n  processes: java\n"),
            "cfg.yml:2: watch.processes: expected a list");
  EXPECT_EQ(ApplyError("watch:\n  processes:\n    - \"\"\n"),
            "cfg.yml:3: watch.processes: empty entry");
  EXPECT_EQ(ApplyError("watch:\n  processes:\n    - [java]\n"),
            "cfg.yml:3: watch.processes: expected a string");
  EXPECT_EQ(ApplyError("watch:\n  hosts: [a]\n"),
            "cfg.yml:2: watch.hosts: unknown key");
  std::string many = "watch:\n  local_addresses:\n";
  for (int i = 0; i <= 100; ++i)
    many += "    - 10.0." + std::to_string(i) + ".1\n";
  EXPECT_EQ(ApplyError(many),
            "cfg.yml:3: watch.local_addresses: at most 100 entries, got 101");
}

}  // namespace
}  // namespace epx
