// SPDX-License-Identifier: Apache-2.0
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <utility>

#include "config/listen_address.h"

namespace epx {
namespace {

class YamlReader {
 public:
  YamlReader(std::string file_name, std::string* error)
      : file_(std::move(file_name)), error_(error) {}

  bool Fail(const YAML::Node& node, const std::string& key,
            const std::string& problem) {
    std::ostringstream out;
    out << file_;
    if (node.Mark().line >= 0) out << ":" << node.Mark().line + 1;
    out << ": " << key << ": " << problem;
    *error_ = out.str();
    return false;
  }

  bool String(const YAML::Node& node, const std::string& key,
              std::string* out) {
    if (!node.IsScalar()) return Fail(node, key, "expected a string");
    *out = node.Scalar();
    return true;
  }

  bool Bool(const YAML::Node& node, const std::string& key, bool* out) {
    std::string s = node.IsScalar() ? node.Scalar() : "";
    if (s == "true" || s == "yes" || s == "on") {
      *out = true;
    } else if (s == "false" || s == "no" || s == "off") {
      *out = false;
    } else {
      return Fail(node, key, "expected true or false, got '" + s + "'");
    }
    return true;
  }

  bool Count(const YAML::Node& node, const std::string& key, std::size_t max,
             std::size_t* out) {
    std::string s = node.IsScalar() ? node.Scalar() : "";
    if (s.empty() || s.size() > 9 ||
        !std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return Fail(node, key, "expected a whole number, got '" + s + "'");
    }
    std::size_t v = std::stoul(s);
    if (v > max) {
      return Fail(node, key,
                  "must be at most " + std::to_string(max) + ", got " + s);
    }
    *out = v;
    return true;
  }

  bool Ratio(const YAML::Node& node, const std::string& key, double* out) {
    std::string s = node.IsScalar() ? node.Scalar() : "";
    char* end = nullptr;
    double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
    if (s.empty() || end == nullptr || *end != '\0' || !(v > 0 && v <= 1))
      return Fail(node, key,
                  "expected a ratio above 0 and at most 1, got '" + s + "'");
    *out = v;
    return true;
  }

  bool StringList(const YAML::Node& node, const std::string& key,
                  std::vector<std::string>* out) {
    if (!node.IsSequence()) return Fail(node, key, "expected a list");
    out->clear();
    for (const YAML::Node& item : node) {
      std::string s;
      if (!String(item, key, &s)) return false;
      if (s.empty()) return Fail(item, key, "empty name");
      out->push_back(s);
    }
    return true;
  }

  using Handler = std::function<bool(const YAML::Node&, const std::string&)>;

  bool Map(const YAML::Node& node, const std::string& prefix,
           const std::map<std::string, Handler>& handlers) {
    if (node.IsNull()) return true;
    if (!node.IsMap()) {
      return Fail(node, prefix.empty() ? "(top level)" : prefix,
                  "expected a mapping");
    }
    for (const auto& kv : node) {
      std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      std::string key = prefix.empty() ? name : prefix + "." + name;
      auto it = handlers.find(name);
      if (it == handlers.end()) return Fail(kv.first, key, "unknown key");
      if (!it->second(kv.second, key)) return false;
    }
    return true;
  }

 private:
  std::string file_;
  std::string* error_;
};

constexpr std::size_t kMaxTop = 1000;

bool ListenAddresses(YamlReader& r, const YAML::Node& node,
                     const std::string& key, std::vector<std::string>* out) {
  std::vector<std::string> list;
  if (node.IsSequence()) {
    if (!r.StringList(node, key, &list)) return false;
    if (list.empty()) return r.Fail(node, key, "must not be empty");
  } else {
    std::string one;
    if (!r.String(node, key, &one)) return false;
    list.push_back(one);
  }
  for (const std::string& address : list) {
    ListenAddress parsed;
    std::string problem;
    if (address.empty()) return r.Fail(node, key, "must not be empty");
    if (!ParseListenAddress(address, &parsed, &problem))
      return r.Fail(node, key, problem);
  }
  *out = list;
  return true;
}

// A watch list: each entry parsed by parse(text, &problem), errors on its
// own line.
template <typename T, typename Parse>
bool WatchEntries(YamlReader& r, const YAML::Node& node, const std::string& key,
                  Parse parse, std::vector<T>* out) {
  if (!node.IsSequence()) return r.Fail(node, key, "expected a list");
  if (node.size() > kMaxWatchEntries) {
    return r.Fail(node, key,
                  "at most " + std::to_string(kMaxWatchEntries) +
                      " entries, got " + std::to_string(node.size()));
  }
  std::vector<T> list;
  for (const YAML::Node& item : node) {
    std::string text;
    std::string problem;
    T parsed;
    if (!r.String(item, key, &text)) return false;
    if (text.empty()) return r.Fail(item, key, "empty entry");
    if (!parse(text, &parsed, &problem)) return r.Fail(item, key, problem);
    list.push_back(parsed);
  }
  *out = std::move(list);
  return true;
}

}  // namespace

bool CheckSocketSource(const std::string& source, std::string* problem) {
  std::vector<std::string> sources = SupportedSocketSources();
  if (std::find(sources.begin(), sources.end(), source) != sources.end())
    return true;
  std::string list;
  for (const auto& s : sources) list += (list.empty() ? "" : ", ") + s;
  *problem = "unsupported socket source '" + source + "' (supported on " +
             HostOsName() + ": " + list + ")";
  return false;
}

bool ApplyConfigYaml(const std::string& yaml_text, const std::string& file_name,
                     Config* config, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    *error = file_name + ":" + std::to_string(e.mark.line + 1) +
             ": invalid YAML: " + e.msg;
    return false;
  }
  YamlReader r(file_name, error);
  Config c = *config;
  using N = const YAML::Node&;
  using K = const std::string&;
  bool ok = r.Map(
      root, "",
      {{"web",
        [&](N n, K k) {
          return r.Map(
              n, k,
              {{"listen_address",
                [&](N v, K kk) {
                  return ListenAddresses(r, v, kk, &c.listen_addresses);
                }},
               {"telemetry_path",
                [&](N v, K kk) {
                  return r.String(v, kk, &c.telemetry_path) &&
                         (c.telemetry_path.rfind('/', 0) == 0 ||
                          r.Fail(v, kk, "must start with '/'"));
                }},
               {"max_connections",
                [&](N v, K kk) {
                  return r.Count(v, kk, kMaxConnections, &c.max_connections) &&
                         (c.max_connections > 0 ||
                          r.Fail(v, kk, "must be at least 1"));
                }},
               {"read_timeout_seconds",
                [&](N v, K kk) {
                  return r.Count(v, kk, 600, &c.read_timeout_seconds) &&
                         (c.read_timeout_seconds > 0 ||
                          r.Fail(v, kk, "must be at least 1"));
                }},
               {"max_requests", [&](N v, K kk) {
                  return r.Fail(v, kk, "replaced by web.max_connections");
                }}});
        }},
       {"source",
        [&](N n, K k) {
          return r.Map(
              n, k,
              {{"sockets",
                [&](N v, K kk) {
                  std::string problem;
                  return r.String(v, kk, &c.source.socket_source) &&
                         (CheckSocketSource(c.source.socket_source, &problem) ||
                          r.Fail(v, kk, problem));
                }},
               {"procfs_root", [&](N v, K kk) {
                  return r.String(v, kk, &c.source.procfs_root);
                }}});
        }},
       {"collectors",
        [&](N n, K k) {
          return r.Map(
              n, k,
              {{"processes",
                [&](N v, K kk) {
                  return r.Bool(v, kk, &c.source.collect_processes);
                }},
               {"tcp_stats",
                [&](N v, K kk) {
                  return r.Bool(v, kk, &c.source.collect_tcp_stats);
                }},
               {"connect_events",
                [&](N v, K kk) {
                  return r.Bool(v, kk, &c.source.collect_connect_events);
                }},
               {"namespaces",
                [&](N v, K kk) {
                  return r.Bool(v, kk, &c.source.collect_namespaces);
                }},
               {"namespaces_bound_sockets",
                [&](N v, K kk) {
                  return r.Bool(v, kk, &c.source.namespace_bound_sockets);
                }},
               {"events_lookback_seconds", [&](N v, K kk) {
                  std::size_t seconds = 0;
                  if (!r.Count(v, kk, kMaxEventLookbackSeconds, &seconds))
                    return false;
                  if (seconds == 0) return r.Fail(v, kk, "must be at least 1");
                  c.source.event_lookback_seconds = seconds;
                  return true;
                }}});
        }},
       {"limits",
        [&](N n, K k) {
          return r.Map(
              n, k,
              {{"top_processes",
                [&](N v, K kk) {
                  return r.Count(v, kk, kMaxTop, &c.limits.top_processes);
                }},
               {"top_destinations",
                [&](N v, K kk) {
                  return r.Count(v, kk, kMaxTop, &c.limits.top_destinations);
                }},
               {"top_local_addresses",
                [&](N v, K kk) {
                  return r.Count(v, kk, kMaxTop, &c.limits.top_local_addresses);
                }},
               {"top_namespaces",
                [&](N v, K kk) {
                  return r.Count(v, kk, kMaxTop, &c.limits.top_namespaces);
                }},
               {"scrape_wait_seconds", [&](N v, K kk) {
                  return r.Count(v, kk, 3600, &c.scrape_wait_seconds) &&
                         (c.scrape_wait_seconds > 0 ||
                          r.Fail(v, kk, "must be at least 1"));
                }}});
        }},
       {"incidents",
        [&](N n, K k) {
          return r.Map(n, k,
                       {{"threshold",
                         [&](N v, K kk) {
                           return r.Ratio(v, kk, &c.incidents_threshold);
                         }},
                        {"interval_seconds", [&](N v, K kk) {
                           return r.Count(v, kk, 3600,
                                          &c.incidents_interval_seconds) &&
                                  (c.incidents_interval_seconds > 0 ||
                                   r.Fail(v, kk, "must be at least 1"));
                         }}});
        }},
       {"storage",
        [&](N n, K k) {
          return r.Map(n, k, {{"path", [&](N v, K kk) {
                                 return r.String(v, kk, &c.storage_path) &&
                                        (!c.storage_path.empty() ||
                                         r.Fail(v, kk, "must not be empty"));
                               }}});
        }},
       {"watch",
        [&](N n, K k) {
          bool windows = std::string(HostOsName()) == "windows";
          WatchList& w = c.limits.watch;
          return r.Map(
              n, k,
              {{"destinations",
                [&](N v, K kk) {
                  return WatchEntries(r, v, kk, ParseDestinationPattern,
                                      &w.destinations);
                }},
               {"processes",
                [&](N v, K kk) {
                  return WatchEntries(
                      r, v, kk,
                      [&](const std::string& text, ProcessPattern* out,
                          std::string* problem) {
                        return ParseProcessPattern(text, windows, out, problem);
                      },
                      &w.processes);
                }},
               {"local_addresses", [&](N v, K kk) {
                  return WatchEntries(r, v, kk, ParseAddressPattern,
                                      &w.local_addresses);
                }}});
        }},
       {"watched_services", [&](N n, K k) {
          return r.StringList(n, k, &c.source.watched_services);
        }}});
  if (!ok) return false;
  *config = c;
  return true;
}

bool CreateConfigFromDefault(const std::string& path,
                             const std::string& default_path,
                             std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (default_path.empty() || fs::exists(path, ec)) return true;
  fs::path target(path);
  if (target.has_parent_path())
    fs::create_directories(target.parent_path(), ec);
  // The copy the fleet script saved before an upgrade from an MSI that owned
  // config.yml (0.1.0), whose removal deleted it: the operator's edit wins
  // over the default, once.
  fs::path saved = target;
  saved += ".before-upgrade";
  if (fs::is_regular_file(saved, ec)) {
    fs::rename(saved, target, ec);
    if (ec) {
      *error = path + ": cannot restore it from " + saved.string() + ": " +
               ec.message();
      return false;
    }
    std::fprintf(stderr,
                 "level=info msg=\"config file restored from the copy saved "
                 "before the upgrade\" file=%s saved=%s\n",
                 path.c_str(), saved.string().c_str());
    return true;
  }
  if (!fs::copy_file(default_path, target, fs::copy_options::skip_existing,
                     ec) &&
      ec) {
    *error =
        path + ": cannot create it from " + default_path + ": " + ec.message();
    return false;
  }
  std::fprintf(stderr,
               "level=info msg=\"config file created from the default\" "
               "file=%s default=%s\n",
               path.c_str(), default_path.c_str());
  return true;
}

bool ApplyConfigFile(const std::string& path, Config* config,
                     std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot read config file";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    *error = path + ": cannot read config file";
    return false;
  }
  return ApplyConfigYaml(text.str(), path, config, error);
}

bool ValidateConfig(const Config& config, std::string* error) {
  std::string problem;
  if (!CheckSocketSource(config.source.socket_source, &problem)) {
    *error = "source.sockets: " + problem;
    return false;
  }
  if (config.source.procfs_root.empty()) {
    *error = "source.procfs_root: must not be empty";
    return false;
  }
  return true;
}

Config DefaultConfig() {
  Config c;
  c.source.socket_source = DefaultSocketSource();
  if (std::string(HostOsName()) == "windows") {
    c.source.watched_services = {"WAPCSvc"};
  }
  return c;
}

}  // namespace epx
