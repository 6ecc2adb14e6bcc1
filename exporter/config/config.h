// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "analysis/port_usage.h"
#include "sources/host_source.h"

namespace epx {

/// Upper bound of web.max_connections (server threads).
constexpr std::size_t kMaxConnections = 4096;

/// The exporter's whole configuration after file and flags are merged.
struct Config {
  /// Addresses to listen on, each host:port, :port or [v6]:port.
  std::vector<std::string> listen_addresses = {":19152"};
  std::string telemetry_path = "/metrics";
  std::string config_file;
  SourceOptions source;
  AnalysisOptions limits;
  /// Longest a scrape waits for a collection another scrape started; after
  /// that it answers with the previous result, marked stale.
  std::size_t scrape_wait_seconds = 10;
  /// HTTP connections served at once, each by its own server thread; more
  /// wait in the listen queue.
  std::size_t max_connections = 512;
  /// Longest a client may take to complete the TLS handshake and send its
  /// request headers, and to take each answer; then it is disconnected.
  std::size_t read_timeout_seconds = 10;
  /// Longest one self-test run may take (selftest command, start, /selftest).
  std::size_t selftest_timeout_seconds = 15;
  /// serve: run the self-test before the first scrape is answered.
  bool selftest_at_start = true;
  /// serve: a headline at or above this opens an incident (0 < x <= 1).
  double incidents_threshold = 0.9;
  /// serve: seconds between incident samples while headlines are low.
  std::size_t incidents_interval_seconds = 15;
  /// serve: the state directory incidents are written to; empty: the OS
  /// default (DefaultStoragePath).
  std::string storage_path;
};

/// Returns the built-in defaults for this OS (socket source, watched
/// services: WAPCSvc on Windows, none on Linux).
Config DefaultConfig();

/// Pure: applies YAML text over *config. file_name is used in messages.
/// On error returns false and sets *error to "file:line: key: problem".
bool ApplyConfigYaml(const std::string& yaml_text, const std::string& file_name,
                     Config* config, std::string* error);

/// When `default_path` is set and `path` does not exist, moves
/// `path`.before-upgrade (saved before an upgrade) to `path` if it exists,
/// else copies `default_path` to `path` (creating its folder); false with
/// *error naming both.
bool CreateConfigFromDefault(const std::string& path,
                             const std::string& default_path,
                             std::string* error);

/// Reads the file and applies it like ApplyConfigYaml.
bool ApplyConfigFile(const std::string& path, Config* config,
                     std::string* error);

/// True if this OS supports the socket source; else false with *problem.
bool CheckSocketSource(const std::string& source, std::string* problem);

/// Checks values that no single key can judge alone (e.g. an unsupported
/// socket source); false with *error set.
bool ValidateConfig(const Config& config, std::string* error);

}  // namespace epx
