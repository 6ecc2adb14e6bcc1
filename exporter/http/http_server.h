#pragma once

#include <functional>
#include <memory>
#include <string>

struct mg_context;
struct mg_connection;

namespace epx {

/// What the HTTP endpoints serve; the callbacks run on server threads and
/// must be thread-safe.
struct HttpContent {
  std::string telemetry_path = "/metrics";
  /// Returns the text exposition of one scrape.
  std::function<std::string()> metrics;
  /// Returns the HTML body of the landing page.
  std::function<std::string()> landing_page;
  /// exporter-toolkit web config file (TLS, basic auth, headers); empty:
  /// plain HTTP without authentication. Re-read when it changes.
  std::string web_config_file;
  /// Requests served at the same time (civetweb worker threads); more
  /// connections wait in the listen queue.
  int max_requests = 8;
};

class WebConfigWatcher;
class BasicAuthenticator;
class TlsConfigurator;

/// civetweb server for /, the telemetry path and /-/healthy.
class HttpServer {
 public:
  explicit HttpServer(HttpContent content);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Starts listening on "host:port", ":port" or "[v6]:port" (HTTPS when
  /// the web config has tls_server_config); false with *error set (e.g.
  /// the port is taken, the web config or its certificates are invalid).
  bool Start(const std::string& listen_address, std::string* error);
  /// Stops the server and waits for its threads; idempotent.
  void Stop();
  /// Port actually bound (useful with port 0); 0 before Start.
  int BoundPort() const;

 private:
  static int Dispatch(mg_connection* conn, void* self);
  int Handle(mg_connection* conn);

  HttpContent content_;
  std::shared_ptr<WebConfigWatcher> web_config_;
  std::unique_ptr<BasicAuthenticator> authenticator_;
  std::unique_ptr<TlsConfigurator> tls_;
  mg_context* context_ = nullptr;
};

/// Converts a Prometheus-style listen address to civetweb's
/// listening_ports syntax; false with *error if it is not host:port.
bool ToCivetwebPorts(const std::string& listen_address, std::string* out,
                     std::string* error);

}  // namespace epx
