#include "http/http_server.h"

#include <civetweb.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <utility>

#include "http/basic_auth.h"
#include "http/web_security.h"

namespace epx {
namespace {

void Send(mg_connection* conn, int status, const char* reason,
          const char* content_type, const std::string& body,
          const std::string& extra_headers = "") {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %s\r\n"
            "Cache-Control: no-store\r\n%s\r\n",
            status, reason, content_type, std::to_string(body.size()).c_str(),
            extra_headers.c_str());
  mg_write(conn, body.data(), body.size());
}

int InitTls(void* ssl_ctx, void* tls_configurator) {
  return static_cast<TlsConfigurator*>(tls_configurator)
      ->ConfigureContext(ssl_ctx);
}

// civetweb reports why it could not bind only through its log callback;
// keep the first message of a failed start for the startup error.
thread_local bool t_starting = false;
thread_local std::string t_first_civetweb_message;

int RememberLogMessage(const mg_connection*, const char* message) {
  if (message == nullptr) return 1;
  if (!t_starting) {
    std::fprintf(stderr, "level=warn component=http msg=\"%s\"\n", message);
  } else if (t_first_civetweb_message.empty()) {
    t_first_civetweb_message = message;
  }
  return 1;
}

bool IsPort(const std::string& s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return std::stoi(s) <= 65535;
}

}  // namespace

bool ToCivetwebPorts(const std::string& listen_address, std::string* out,
                     std::string* error) {
  std::size_t colon = listen_address.rfind(':');
  if (colon == std::string::npos || !IsPort(listen_address.substr(colon + 1))) {
    *error = "listen address '" + listen_address +
             "' is not host:port, :port or [ipv6]:port";
    return false;
  }
  std::string host = listen_address.substr(0, colon);
  std::string port = listen_address.substr(colon + 1);
  if (host.empty()) {
    *out = port;
  } else if (host.front() == '[' && host.back() == ']') {
    *out = host + ":" + port;
  } else if (host.find(':') != std::string::npos) {
    *error = "listen address '" + listen_address +
             "': put an IPv6 host in brackets, e.g. [::1]:19152";
    return false;
  } else {
    *out = host + ":" + port;
  }
  return true;
}

HttpServer::HttpServer(HttpContent content) : content_(std::move(content)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(const std::string& listen_address, std::string* error) {
  std::string ports;
  if (!ToCivetwebPorts(listen_address, &ports, error)) return false;
  bool tls = false;
  if (!content_.web_config_file.empty()) {
    web_config_ = std::make_shared<WebConfigWatcher>(content_.web_config_file);
    if (!web_config_->Load(error)) return false;
    authenticator_ = std::make_unique<BasicAuthenticator>();
    tls_ = std::make_unique<TlsConfigurator>(web_config_);
    if (!tls_->Check(error)) return false;
    tls = web_config_->Current()->tls_enabled;
    if (tls && !mg_check_feature(MG_FEATURES_TLS)) {
      *error = content_.web_config_file +
               ": tls_server_config: this civetweb has no TLS support";
      return false;
    }
    if (tls) ports += "s";
  }
  std::string threads = std::to_string(content_.max_requests);
  const char* options[] = {"listening_ports", ports.c_str(), "num_threads",
                           threads.c_str(), "request_timeout_ms", "30000",
                           // Prometheus reuses connections; every answer
                           // carries Content-Length. Idle ones are closed
                           // after civetweb's default 500 ms so they cannot
                           // pin the worker threads.
                           "enable_keep_alive", "yes", nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = &RememberLogMessage;
  t_first_civetweb_message.clear();
  t_starting = true;
  if (tls) callbacks.init_ssl = &InitTls;
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = tls_.get();
  init.configuration_options = options;
  char text[256] = {0};
  unsigned code = 0;
  mg_error_data err{};
  err.code = &code;
  err.text = text;
  err.text_buffer_size = sizeof text;
  context_ = mg_start2(&init, &err);
  t_starting = false;
  if (context_ == nullptr) {
    std::string why = !t_first_civetweb_message.empty()
                          ? t_first_civetweb_message
                          : (text[0] ? std::string(text) : "civetweb failed");
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r'))
      why.pop_back();
    *error = "cannot listen on " + listen_address + ": " + why;
    return false;
  }
  mg_set_request_handler(context_, "/", &HttpServer::Dispatch, this);
  return true;
}

void HttpServer::Stop() {
  if (context_ != nullptr) {
    mg_stop(context_);
    context_ = nullptr;
  }
}

int HttpServer::BoundPort() const {
  if (context_ == nullptr) return 0;
  mg_server_port ports[4];
  int n = mg_get_server_ports(context_, 4, ports);
  return n > 0 ? ports[0].port : 0;
}

int HttpServer::Dispatch(mg_connection* conn, void* self) {
  return static_cast<HttpServer*>(self)->Handle(conn);
}

int HttpServer::Handle(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  std::string path = info->local_uri ? info->local_uri : "";
  std::string method = info->request_method ? info->request_method : "";
  std::string headers;
  if (web_config_ != nullptr) {
    // Like exporter-toolkit: the web config guards every path.
    std::shared_ptr<const WebConfig> web = web_config_->Current();
    if (web == nullptr) {
      Send(conn, 500, "Internal Server Error", "text/plain; charset=utf-8",
           "web config invalid, see the exporter log\n");
      return 500;
    }
    for (const auto& [name, value] : web->headers)
      headers += name + ": " + value + "\r\n";
    if (!web->basic_auth_users.empty() &&
        !authenticator_->Check(web->basic_auth_users,
                               mg_get_header(conn, "Authorization"))) {
      Send(conn, 401, "Unauthorized", "text/plain; charset=utf-8",
           "Unauthorized\n",
           headers +
               "WWW-Authenticate: Basic realm=\"ephemeral_port_exporter\", "
               "charset=\"UTF-8\"\r\n");
      return 401;
    }
  }
  if (method != "GET" && method != "HEAD") {
    Send(conn, 405, "Method Not Allowed", "text/plain; charset=utf-8",
         "method not allowed\n", headers);
    return 405;
  }
  try {
    if (path == content_.telemetry_path) {
      Send(conn, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
           content_.metrics(), headers);
      return 200;
    }
    if (path == "/-/healthy") {
      Send(conn, 200, "OK", "text/plain; charset=utf-8", "Healthy\n", headers);
      return 200;
    }
    if (path == "/") {
      Send(conn, 200, "OK", "text/html; charset=utf-8", content_.landing_page(),
           headers);
      return 200;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "level=error msg=\"request failed\" path=%s err=\"%s\"\n",
                 path.c_str(), e.what());
    Send(conn, 500, "Internal Server Error", "text/plain; charset=utf-8",
         "internal error\n", headers);
    return 500;
  }
  Send(conn, 404, "Not Found", "text/plain; charset=utf-8", "not found\n",
       headers);
  return 404;
}

}  // namespace epx
