// SPDX-License-Identifier: Apache-2.0
#include "http/web_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <utility>

namespace epx {
namespace {

using Node = YAML::Node;

/// Collects the first problem found, prefixed with file and line.
class Problems {
 public:
  Problems(const std::string& file, std::string* error)
      : file_(file), error_(error) {}

  bool At(const Node& node, const std::string& key,
          const std::string& problem) {
    std::ostringstream out;
    out << file_;
    if (node.IsDefined() && node.Mark().line >= 0)
      out << ":" << node.Mark().line + 1;
    out << ": " << key << ": " << problem;
    *error_ = out.str();
    return false;
  }

  bool Scalar(const Node& node, const std::string& key, std::string* out) {
    if (!node.IsScalar()) return At(node, key, "expected a string");
    *out = node.Scalar();
    return true;
  }

  bool Bool(const Node& node, const std::string& key, bool* out) {
    std::string text = node.IsScalar() ? node.Scalar() : "";
    if (text == "true") {
      *out = true;
    } else if (text == "false") {
      *out = false;
    } else {
      return At(node, key, "expected true or false, got '" + text + "'");
    }
    return true;
  }

  using KeyHandler = std::function<bool(const Node&, const std::string&)>;

  /// Walks a mapping, calling the handler of each key; unknown and repeated
  /// keys are errors. A null node is an empty mapping.
  bool Mapping(const Node& node, const std::string& prefix,
               const std::map<std::string, KeyHandler>& handlers) {
    if (!node.IsDefined() || node.IsNull()) return true;
    if (!node.IsMap())
      return At(node, prefix.empty() ? "(top level)" : prefix,
                "expected a mapping");
    std::set<std::string> seen;
    for (const auto& entry : node) {
      std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      std::string key = prefix.empty() ? name : prefix + "." + name;
      if (!seen.insert(name).second)
        return At(entry.first, key, "repeated key");
      auto handler = handlers.find(name);
      if (handler == handlers.end()) return At(entry.first, key, "unknown key");
      if (!handler->second(entry.second, key)) return false;
    }
    return true;
  }

 private:
  const std::string& file_;
  std::string* error_;
};

bool IsBcryptHash(const std::string& hash) {
  // $2a$, $2b$ or $2y$, a two-digit cost 04..31, then 53 characters of
  // bcrypt's base64 alphabet (22 of salt, 31 of digest).
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' ||
      (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$' ||
      !std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5])) || hash[6] != '$')
    return false;
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return std::all_of(hash.begin() + 7, hash.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/';
  });
}

bool ParseClientAuthType(const std::string& text, ClientAuthType* out) {
  static const std::pair<const char*, ClientAuthType> kNames[] = {
      {"NoClientCert", ClientAuthType::kNoClientCert},
      {"RequestClientCert", ClientAuthType::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuthType::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuthType::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert",
       ClientAuthType::kRequireAndVerifyClientCert},
  };
  for (const auto& [name, type] : kNames) {
    if (text == name) {
      *out = type;
      return true;
    }
  }
  return false;
}

bool ParseTlsVersion(const std::string& text, TlsVersion* out) {
  if (text == "TLS10")
    *out = TlsVersion::kTls10;
  else if (text == "TLS11")
    *out = TlsVersion::kTls11;
  else if (text == "TLS12")
    *out = TlsVersion::kTls12;
  else if (text == "TLS13")
    *out = TlsVersion::kTls13;
  else
    return false;
  return true;
}

bool HasControlCharacter(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

// Windows also takes drive paths (C:/x) and paths that start with a
// backslash as absolute, and a backslash as a separator.
#if defined(_WIN32)
constexpr char kSeparators[] = "/\\";
#else
constexpr char kSeparators[] = "/";
#endif

bool IsAbsolute(const std::string& path) {
  if (!path.empty() && std::strchr(kSeparators, path[0]) != nullptr)
    return true;
#if defined(_WIN32)
  if (path.size() >= 2 && path[1] == ':' &&
      std::isalpha(static_cast<unsigned char>(path[0])))
    return true;
#endif
  return false;
}

std::string ResolveAgainst(const std::string& directory,
                           const std::string& path) {
  if (path.empty() || IsAbsolute(path) || directory.empty()) return path;
  return directory + "/" + path;
}

std::string DirectoryOf(const std::string& file) {
  std::size_t slash = file.find_last_of(kSeparators);
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return file.substr(0, slash);
}

const char kUnsupported[] =
    "not supported by this exporter (exporter-toolkit key without an "
    "equivalent here)";

}  // namespace

const char* ClientAuthTypeName(ClientAuthType type) {
  switch (type) {
    case ClientAuthType::kNoClientCert:
      return "NoClientCert";
    case ClientAuthType::kRequestClientCert:
      return "RequestClientCert";
    case ClientAuthType::kRequireAnyClientCert:
      return "RequireAnyClientCert";
    case ClientAuthType::kVerifyClientCertIfGiven:
      return "VerifyClientCertIfGiven";
    case ClientAuthType::kRequireAndVerifyClientCert:
      return "RequireAndVerifyClientCert";
  }
  return "?";
}

bool ParseWebConfigYaml(const std::string& yaml_text,
                        const std::string& file_name, WebConfig* out,
                        std::string* error) {
  Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    *error = file_name + ":" + std::to_string(e.mark.line + 1) +
             ": invalid YAML: " + e.msg;
    return false;
  }
  Problems p(file_name, error);
  WebConfig c;
  using N = const Node&;
  using K = const std::string&;
  auto reject = [&](N v, K k) { return p.At(v, k, kUnsupported); };
  bool tls_section = false;
  Node tls_node;
  bool has_client_auth = false;

  auto tls_handlers = std::map<std::string, Problems::KeyHandler>{
      {"cert_file", [&](N v, K k) { return p.Scalar(v, k, &c.tls.cert_file); }},
      {"key_file", [&](N v, K k) { return p.Scalar(v, k, &c.tls.key_file); }},
      {"client_ca_file",
       [&](N v, K k) { return p.Scalar(v, k, &c.tls.client_ca_file); }},
      {"client_auth_type",
       [&](N v, K k) {
         std::string text;
         has_client_auth = true;
         return p.Scalar(v, k, &text) &&
                (ParseClientAuthType(text, &c.tls.client_auth_type) ||
                 p.At(v, k,
                      "unknown client auth type '" + text +
                          "' (NoClientCert, RequestClientCert, "
                          "RequireAnyClientCert, VerifyClientCertIfGiven, "
                          "RequireAndVerifyClientCert)"));
       }},
      {"min_version",
       [&](N v, K k) {
         std::string text;
         return p.Scalar(v, k, &text) &&
                (ParseTlsVersion(text, &c.tls.min_version) ||
                 p.At(v, k,
                      "unknown TLS version '" + text +
                          "' (TLS10, TLS11, TLS12, TLS13)"));
       }},
      {"max_version",
       [&](N v, K k) {
         std::string text;
         return p.Scalar(v, k, &text) &&
                (ParseTlsVersion(text, &c.tls.max_version) ||
                 p.At(v, k,
                      "unknown TLS version '" + text +
                          "' (TLS10, TLS11, TLS12, TLS13)"));
       }},
      {"prefer_server_cipher_suites",
       [&](N v, K k) {
         bool ignored;
         return p.Bool(v, k, &ignored);
       }},
      {"cert", reject},
      {"key", reject},
      {"client_ca", reject},
      {"cipher_suites", reject},
      {"curve_preferences", reject},
      {"client_allowed_sans", reject},
  };

  auto header_handler =
      [&](const std::string& header,
          const std::function<bool(const std::string&)>& allowed,
          const char* allowed_text) {
        return [&, header, allowed, allowed_text](N v, K k) {
          std::string value;
          if (!p.Scalar(v, k, &value)) return false;
          if (HasControlCharacter(value))
            return p.At(v, k, "control characters are not allowed");
          if (value.empty()) return true;
          if (!allowed(value))
            return p.At(v, k,
                        std::string("expected ") + allowed_text + ", got '" +
                            value + "'");
          c.headers.emplace_back(header, value);
          return true;
        };
      };
  auto any_value = [](const std::string&) { return true; };
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    return s;
  };

  bool ok = p.Mapping(
      root, "",
      {{"tls_server_config",
        [&](N n, K k) {
          tls_node = n;
          tls_section = n.IsMap() && n.size() > 0;
          return p.Mapping(n, k, tls_handlers);
        }},
       {"http_server_config",
        [&](N n, K k) {
          return p.Mapping(n, k,
                           {{"http2",
                             [&](N v, K kk) {
                               bool ignored;  // civetweb speaks HTTP/1.1 only.
                               return p.Bool(v, kk, &ignored);
                             }},
                            {"headers", [&](N h, K kk) {
                               return p.Mapping(
                                   h, kk,
                                   {{"Content-Security-Policy",
                                     header_handler("Content-Security-Policy",
                                                    any_value, "a policy")},
                                    {"X-Frame-Options",
                                     header_handler(
                                         "X-Frame-Options",
                                         [&](const std::string& s) {
                                           return lower(s) == "deny" ||
                                                  lower(s) == "sameorigin";
                                         },
                                         "deny or sameorigin")},
                                    {"X-Content-Type-Options",
                                     header_handler(
                                         "X-Content-Type-Options",
                                         [&](const std::string& s) {
                                           return lower(s) == "nosniff";
                                         },
                                         "nosniff")},
                                    {"X-XSS-Protection",
                                     header_handler("X-XSS-Protection",
                                                    any_value, "a value")},
                                    {"Strict-Transport-Security",
                                     header_handler("Strict-Transport-Security",
                                                    any_value, "a value")}});
                             }}});
        }},
       {"basic_auth_users",
        [&](N n, K k) {
          if (n.IsNull()) return true;
          if (!n.IsMap()) return p.At(n, k, "expected a mapping of users");
          for (const auto& entry : n) {
            std::string user;
            if (!p.Scalar(entry.first, k, &user)) return false;
            std::string key = k + "." + user;
            if (user.empty()) return p.At(entry.first, k, "empty user name");
            if (user.find(':') != std::string::npos ||
                HasControlCharacter(user))
              return p.At(entry.first, key,
                          "user name must not contain ':' or control "
                          "characters");
            std::string hash;
            if (!p.Scalar(entry.second, key, &hash)) return false;
            if (!IsBcryptHash(hash))
              return p.At(entry.second, key,
                          "expected a bcrypt hash ($2y$10$... as made by "
                          "htpasswd -nBC 10), not a plain password");
            if (!c.basic_auth_users.emplace(user, hash).second)
              return p.At(entry.first, key, "repeated user");
          }
          return true;
        }},
       {"rate_limit", reject}});
  if (!ok) return false;

  if (tls_section) {
    const TlsServerConfig& t = c.tls;
    if (t.cert_file.empty())
      return p.At(tls_node, "tls_server_config.cert_file",
                  "missing (needed with any tls_server_config key)");
    if (t.key_file.empty())
      return p.At(tls_node, "tls_server_config.key_file",
                  "missing (needed with cert_file)");
    if (!t.client_ca_file.empty() &&
        t.client_auth_type == ClientAuthType::kNoClientCert)
      return p.At(tls_node, "tls_server_config.client_ca_file",
                  has_client_auth ? "set but client_auth_type is NoClientCert"
                                  : "set without client_auth_type (use "
                                    "RequireAndVerifyClientCert)");
    if (t.client_ca_file.empty() &&
        (t.client_auth_type == ClientAuthType::kVerifyClientCertIfGiven ||
         t.client_auth_type == ClientAuthType::kRequireAndVerifyClientCert))
      return p.At(tls_node, "tls_server_config.client_ca_file",
                  std::string("missing, needed by client_auth_type ") +
                      ClientAuthTypeName(t.client_auth_type));
    if (static_cast<int>(t.min_version) > static_cast<int>(t.max_version))
      return p.At(tls_node, "tls_server_config.min_version",
                  "greater than max_version");
    std::string dir = DirectoryOf(file_name);
    c.tls.cert_file = ResolveAgainst(dir, c.tls.cert_file);
    c.tls.key_file = ResolveAgainst(dir, c.tls.key_file);
    c.tls.client_ca_file = ResolveAgainst(dir, c.tls.client_ca_file);
    c.tls_enabled = true;
  }
  *out = std::move(c);
  return true;
}

bool LoadWebConfigFile(const std::string& path, WebConfig* out,
                       std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot read web config file";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    *error = path + ": cannot read web config file";
    return false;
  }
  return ParseWebConfigYaml(text.str(), path, out, error);
}

}  // namespace epx
