// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <vector>

namespace epx {

/// Who must present a TLS client certificate, with the names of Go's
/// crypto/tls ClientAuthType used by Prometheus' exporter-toolkit.
enum class ClientAuthType {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

/// TLS protocol versions accepted in min_version / max_version.
enum class TlsVersion { kTls10, kTls11, kTls12, kTls13 };

/// `tls_server_config` of an exporter-toolkit web config file.
struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  ClientAuthType client_auth_type = ClientAuthType::kNoClientCert;
  TlsVersion min_version = TlsVersion::kTls12;
  TlsVersion max_version = TlsVersion::kTls13;
};

/// The whole web config file (--web.config.file): TLS, basic auth and
/// extra response headers. Relative file names are already resolved
/// against the directory of the web config file.
struct WebConfig {
  /// True when tls_server_config names a certificate: serve HTTPS only.
  bool tls_enabled = false;
  TlsServerConfig tls;
  /// User name -> bcrypt hash ($2a$/$2b$/$2y$). Empty: no basic auth.
  std::map<std::string, std::string> basic_auth_users;
  /// http_server_config.headers, added to every response.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Pure: parses web config YAML text. file_name is used in messages and to
/// resolve relative paths. On error returns false and sets *error to
/// "file:line: key: problem". Keys exporter-toolkit knows but this exporter
/// cannot honour (inline certs, cipher suites, rate limits...) are rejected
/// rather than silently ignored.
bool ParseWebConfigYaml(const std::string& yaml_text,
                        const std::string& file_name, WebConfig* out,
                        std::string* error);

/// Reads the file and parses it like ParseWebConfigYaml.
bool LoadWebConfigFile(const std::string& path, WebConfig* out,
                       std::string* error);

/// Name as written in the file, e.g. "RequireAndVerifyClientCert".
const char* ClientAuthTypeName(ClientAuthType type);

}  // namespace epx
