// SPDX-License-Identifier: Apache-2.0
#include "config/flags.h"

#include <algorithm>
#include <cstdlib>

#include "config/listen_address.h"

namespace epx {
namespace {

enum class Kind { kString, kBool, kCount, kList };

struct FlagSpec {
  const char* name;
  Kind kind;
  const char* help;
  /// Largest value of a kCount flag.
  std::size_t max = 1000;
};

const FlagSpec kFlags[] = {
    {"web.listen-address", Kind::kList,
     "Address to listen on: :port (every IPv4 and IPv6 address), host:port, "
     "0.0.0.0:port or [v6]:port; repeat for more (default :19152). Replaces "
     "the configured list."},
    {"web.telemetry-path", Kind::kString,
     "Path of the metrics endpoint (default /metrics)."},
    {"web.config.file", Kind::kString,
     "exporter-toolkit web config file: TLS, mutual TLS, basic auth "
     "(default none: plain HTTP)."},
    {"web.max-connections", Kind::kCount,
     "Connections served at once, each by its own thread (default 512).",
     kMaxConnections},
    {"web.read-timeout-seconds", Kind::kCount,
     "Seconds a client may take for the TLS handshake and its request "
     "headers, and to take each answer (default 10).",
     600},
    {"source", Kind::kString,
     "Socket source: auto (bpf when it loads, else netlink), netlink, procfs "
     "or bpf on Linux, iphlpapi on Windows."},
    {"path.procfs", Kind::kString, "procfs mount point (default /proc)."},
    {"collector.processes", Kind::kBool,
     "Attribute sockets to processes and services (default true)."},
    {"collector.tcp_stats", Kind::kBool,
     "Export TCP open/fail counters (default true)."},
    {"collector.connect_events", Kind::kBool,
     "Count outbound connects and connects failing for lack of a port per "
     "process: Linux in the kernel with BPF (needs CAP_BPF and CAP_PERFMON), "
     "Windows with ETW (needs an administrator, LocalSystem or Performance "
     "Log Users) (default false)."},
    {"collector.namespaces", Kind::kBool,
     "Linux: read every other network namespace (pods, containers) from "
     "inside it; needs CAP_SYS_ADMIN, and hostPID in a pod (default "
     "false)."},
    {"collector.namespaces.bound-sockets", Kind::kBool,
     "Linux 6.8+: the namespaces collector also reads each namespace's "
     "bound-only TCP sockets, at the cost of one walk of the host-wide bind "
     "table per namespace; without it their headlines are lower bounds "
     "(default true)."},
    {"collector.events.lookback-seconds", Kind::kCount,
     "Windows: how far back the first read of the System log looks for the "
     "newest Tcpip events 4227, 4231 and 4266, whose times are exported "
     "(1..2592000, default 86400).",
     kMaxEventLookbackSeconds},
    {"top.processes", Kind::kCount, "Processes to report (default 10)."},
    {"top.destinations", Kind::kCount, "Destinations to report (default 10)."},
    {"top.local-addresses", Kind::kCount,
     "Local addresses to report (default 20)."},
    {"top.namespaces", Kind::kCount,
     "Network namespaces to report, by headline (default 20)."},
    {"selftest.timeout-seconds", Kind::kCount,
     "Longest one self-test may take, in seconds (default 15).", 300},
    {"selftest.at-start", Kind::kBool,
     "serve: run the self-test once before answering the first scrape "
     "(default true)."},
    {"incidents.interval-seconds", Kind::kCount,
     "Seconds between incident samples while every headline is below 0.7 "
     "(then every 3 s) (default 15).",
     3600},
    {"storage.path", Kind::kString,
     "State directory for incident files (default "
     "/var/lib/ephemeral-port-exporter on Linux, "
     "%ProgramData%\\ephemeral_port_exporter\\incidents on Windows)."},
    {"service", Kind::kList,
     "Watched service or systemd unit; repeat for more. Replaces the "
     "configured list."},
};

const FlagSpec* FindFlag(const std::string& name) {
  for (const FlagSpec& f : kFlags) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

bool ParseBoolText(const std::string& s, bool* out) {
  if (s == "true" || s == "1") {
    *out = true;
    return true;
  }
  if (s == "false" || s == "0") {
    *out = false;
    return true;
  }
  return false;
}

bool ParseCountText(const std::string& s, std::size_t max, std::size_t* out) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) {
        return c >= '0' && c <= '9';
      }))
    return false;
  *out = std::stoul(s);
  return *out <= max;
}

}  // namespace

bool ParseCommandLine(const std::vector<std::string>& args, CommandLine* out,
                      std::string* error) {
  CommandLine cl;
  std::size_t i = 0;
  if (!args.empty() && args[0].rfind('-', 0) != 0) {
    if (args[0] != "serve" && args[0] != "report" && args[0] != "selftest") {
      *error = "unknown command '" + args[0] +
               "' (commands: serve, report, selftest)";
      return false;
    }
    cl.command = args[0];
    i = 1;
  }
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument '" + arg + "'";
      return false;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    std::size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "help" || name == "version") {
      (name == "help" ? cl.help : cl.version) = true;
      continue;
    }
    if (name == "incidents") {
      cl.incidents = true;
      continue;
    }
    if (name == "config.check") {
      bool b = true;
      if (has_value && !ParseBoolText(value, &b)) {
        *error = "--config.check: expected true or false";
        return false;
      }
      cl.config_check = b;
      continue;
    }
    bool negated = false;
    if (name.rfind("no-", 0) == 0) {
      negated = true;
      name = name.substr(3);
    }
    const FlagSpec* spec = FindFlag(name);
    bool own = name == "config.file" || name == "config.default-file" ||
               name == "watch";
    bool takes_value = own || (spec != nullptr && spec->kind != Kind::kBool);
    if (spec == nullptr && !own) {
      *error = "unknown flag '--" + name + "' (see --help)";
      return false;
    }
    if (negated && (spec == nullptr || spec->kind != Kind::kBool)) {
      *error = "unknown flag '--no-" + name + "' (see --help)";
      return false;
    }
    if (takes_value && !has_value) {
      if (i + 1 >= args.size()) {
        *error = "--" + name + ": missing value";
        return false;
      }
      value = args[++i];
    }
    if (name == "config.file") {
      cl.config_file = value;
      continue;
    }
    if (name == "config.default-file") {
      if (value.empty()) {
        *error = "--config.default-file: must not be empty";
        return false;
      }
      cl.config_default_file = value;
      continue;
    }
    if (name == "watch") {
      char* end = nullptr;
      double seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(seconds >= 0.1) ||
          seconds > 86400) {
        *error = "--watch: expected seconds between 0.1 and 86400, got '" +
                 value + "'";
        return false;
      }
      cl.watch_seconds = seconds;
      continue;
    }
    if (spec->kind == Kind::kBool) {
      bool b = true;
      if (has_value && !ParseBoolText(value, &b)) {
        *error = "--" + name + ": expected true or false, got '" + value + "'";
        return false;
      }
      cl.overrides.emplace_back(name, (b != negated) ? "true" : "false");
      continue;
    }
    cl.overrides.emplace_back(name, value);
  }
  if (!cl.config_default_file.empty() && cl.config_file.empty()) {
    *error = "--config.default-file needs --config.file";
    return false;
  }
  *out = cl;
  return true;
}

bool ApplyFlagOverrides(const CommandLine& command_line, Config* config,
                        std::string* error) {
  Config c = *config;
  bool services_reset = false;
  bool addresses_reset = false;
  for (const auto& flag : command_line.overrides) {
    // Not a structured binding: clang 14 cannot capture one in a lambda.
    const std::string& name = flag.first;
    const std::string& value = flag.second;
    const FlagSpec* spec = FindFlag(name);
    auto fail = [&](const std::string& problem) {
      *error = "--" + name + ": " + problem;
      return false;
    };
    if (spec->kind == Kind::kCount) {
      std::size_t n;
      if (!ParseCountText(value, spec->max, &n))
        return fail("expected a whole number up to " +
                    std::to_string(spec->max) + ", got '" + value + "'");
      bool positive = name == "web.max-connections" ||
                      name == "web.read-timeout-seconds" ||
                      name == "selftest.timeout-seconds" ||
                      name == "collector.events.lookback-seconds" ||
                      name == "incidents.interval-seconds";
      if (positive && n == 0) return fail("must be at least 1");
      if (name == "web.max-connections") c.max_connections = n;
      if (name == "web.read-timeout-seconds") c.read_timeout_seconds = n;
      if (name == "collector.events.lookback-seconds")
        c.source.event_lookback_seconds = n;
      if (name == "selftest.timeout-seconds") c.selftest_timeout_seconds = n;
      if (name == "incidents.interval-seconds")
        c.incidents_interval_seconds = n;
      if (name == "top.processes") c.limits.top_processes = n;
      if (name == "top.destinations") c.limits.top_destinations = n;
      if (name == "top.local-addresses") c.limits.top_local_addresses = n;
      if (name == "top.namespaces") c.limits.top_namespaces = n;
    } else if (spec->kind == Kind::kBool) {
      bool b = value == "true";
      if (name == "collector.processes") c.source.collect_processes = b;
      if (name == "collector.tcp_stats") c.source.collect_tcp_stats = b;
      if (name == "collector.connect_events")
        c.source.collect_connect_events = b;
      if (name == "collector.namespaces") c.source.collect_namespaces = b;
      if (name == "collector.namespaces.bound-sockets")
        c.source.namespace_bound_sockets = b;
      if (name == "selftest.at-start") c.selftest_at_start = b;
    } else if (name == "web.listen-address") {
      ListenAddress parsed;
      std::string problem;
      if (value.empty()) return fail("must not be empty");
      if (!ParseListenAddress(value, &parsed, &problem)) return fail(problem);
      if (!addresses_reset) c.listen_addresses.clear();
      addresses_reset = true;
      c.listen_addresses.push_back(value);
    } else if (spec->kind == Kind::kList) {
      if (value.empty()) return fail("empty service name");
      if (!services_reset) c.source.watched_services.clear();
      services_reset = true;
      c.source.watched_services.push_back(value);
    } else if (name == "web.telemetry-path") {
      if (value.rfind('/', 0) != 0) return fail("must start with '/'");
      c.telemetry_path = value;
    } else if (name == "source") {
      std::string problem;
      if (!CheckSocketSource(value, &problem)) return fail(problem);
      c.source.socket_source = value;
    } else if (name == "path.procfs") {
      if (value.empty()) return fail("must not be empty");
      c.source.procfs_root = value;
    } else if (name == "web.config.file") {
      if (value.empty()) return fail("must not be empty");
    } else if (name == "storage.path") {
      if (value.empty()) return fail("must not be empty");
      c.storage_path = value;
    }
  }
  if (!ValidateConfig(c, error)) return false;
  *config = c;
  return true;
}

std::string UsageText() {
  std::string out =
      "usage: ephemeral_port_exporter [serve|report|selftest] [flags]\n\n"
      "Commands:\n"
      "  serve     serve Prometheus metrics over HTTP (default)\n"
      "  report    print a port usage table once, or every --watch seconds\n"
      "  selftest  check every data path against activity of its own; exit\n"
      "            0 when no check fails, 1 when one does, 2 on a usage "
      "error\n\n"
      "Flags:\n"
      "  --config.file=PATH  YAML configuration file\n"
      "  --config.default-file=PATH\n"
      "      copied to --config.file when that file does not exist\n"
      "  --config.check      validate the configuration and exit\n"
      "  --watch=SECONDS     (report) repeat every SECONDS\n"
      "  --incidents         (report) also list the incidents recorded in\n"
      "                      --storage.path, with the newest one's worst "
      "moment\n"
      "  --version           print the version and exit\n";
  for (const FlagSpec& f : kFlags) {
    std::string name = std::string("--") + f.name;
    if (f.kind == Kind::kBool) name += ", --no-" + std::string(f.name);
    out += "  " + name + "\n      " + f.help + "\n";
  }
  return out;
}

}  // namespace epx
