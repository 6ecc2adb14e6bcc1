// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

struct mg_context;
struct mg_connection;

namespace epx {

/// What the HTTP endpoints serve; the callbacks run on server threads and
/// must be thread-safe.
struct HttpContent {
  std::string telemetry_path = "/metrics";
  /// Returns the text exposition of one scrape; timeout_seconds is the
  /// scraper's X-Prometheus-Scrape-Timeout-Seconds, 0 when it sent none.
  std::function<std::string(double timeout_seconds)> metrics;
  /// Returns the HTML of the page at / (the incident page).
  std::function<std::string()> landing_page;
  /// Returns the HTML of /live, the part of / that refreshes; unset: 404.
  std::function<std::string()> live;
  /// Returns the text of /report (the console report); unset: 404.
  std::function<std::string()> report_text;
  /// Runs a self-test and returns its table for /selftest; unset: 404.
  std::function<std::string()> self_test;
  /// Answers /incidents, /incidents.json and /incidents/<id>[.json]: true
  /// with *body and *content_type set, false for 404; unset: 404.
  std::function<bool(const std::string& path, std::string* body,
                     std::string* content_type)>
      incidents;
  /// exporter-toolkit web config file (TLS, basic auth, headers); empty:
  /// plain HTTP without authentication. Re-read when it changes.
  std::string web_config_file;
  /// Connections served at the same time (civetweb worker threads); more
  /// connections wait in the listen queue.
  int max_connections = 512;
  /// Longest TLS handshake, request-header read and answer write.
  int read_timeout_seconds = 10;
};

class WebConfigWatcher;
class BasicAuthenticator;
class TlsConfigurator;
class RenderPool;

/// civetweb server for /, /live, /report, /selftest, /incidents, /runbook,
/// the telemetry path and /-/healthy, all behind the web config's TLS and basic
/// auth.
class HttpServer {
 public:
  explicit HttpServer(HttpContent content);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Starts listening on every address, each "host:port", ":port" (every
  /// IPv4 and IPv6 address) or "[v6]:port"; a host name listens on every
  /// address it resolves to (HTTPS when the web config has
  /// tls_server_config). False with *error set (e.g. a port is taken, the
  /// web config or its certificates are invalid).
  bool Start(const std::vector<std::string>& listen_addresses,
             std::string* error);
  /// Stops the server and waits for its threads; idempotent.
  void Stop();
  /// Port of the first listener (useful with port 0); 0 before Start.
  int BoundPort() const;
  /// Port of every listener, in listen-address order; empty before Start.
  std::vector<int> BoundPorts() const;

 private:
  static int Dispatch(mg_connection* conn, void* self);
  int Handle(mg_connection* conn);

  HttpContent content_;
  std::shared_ptr<WebConfigWatcher> web_config_;
  std::unique_ptr<BasicAuthenticator> authenticator_;
  std::unique_ptr<TlsConfigurator> tls_;
  std::unique_ptr<RenderPool> render_;
  mg_context* context_ = nullptr;
  bool library_ = false;
};

/// civetweb's listening_ports value for the addresses, host names
/// resolved; false with *error if one is not host:port or does not resolve.
bool ToCivetwebPorts(const std::vector<std::string>& listen_addresses, bool tls,
                     std::string* out, std::string* error);

/// Pure: true if an Accept-Encoding header value accepts gzip.
bool AcceptsGzip(const char* accept_encoding);

/// gzip (RFC 1952) of data at zlib's fastest level; false if zlib fails.
bool Gzip(const std::string& data, std::string* out);

}  // namespace epx
