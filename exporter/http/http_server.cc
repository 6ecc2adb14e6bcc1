// SPDX-License-Identifier: Apache-2.0
#include "http/http_server.h"

#include <civetweb.h>
#include <zlib.h>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

#include "config/listen_address.h"
#include "http/basic_auth.h"
#include "http/civetweb_port.h"
#include "http/render_pool.h"
#include "http/runbook_page.h"
#include "http/web_security.h"
#include "platform/platform.h"

namespace epx {
namespace {

// Two scrapers (a Prometheus HA pair) render at the same time; a third
// request waits for one of them.
constexpr int kRenderThreads = 2;

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

// Hundreds of server threads would each keep the stack and the freed heap
// that a scrape touched; an ending thread gives them back before glibc
// caches its stack.
void ReleaseServerThreadMemory() {
#if !defined(_WIN32)
  ReleaseUnusedStack();
  ReturnFreedMemory();
#endif
}

void ReleaseRequestMemory(const mg_connection*, int) {
  ReleaseServerThreadMemory();
}

void ReleaseThreadMemory(const mg_context*, int, void*) {
  ReleaseServerThreadMemory();
}

int InitTls(void* ssl_ctx, void* tls_configurator) {
  return static_cast<TlsConfigurator*>(tls_configurator)
      ->ConfigureContext(ssl_ctx);
}

// civetweb reports why it could not bind only through its log callback;
// keep the first message of a failed start for the startup error. While
// Start runs on this thread, its string to fill; a pointer, as a
// thread_local with a destructor corrupts the heap at thread end in the
// Windows build (mingw-w64's emulated TLS).
thread_local std::string* t_first_civetweb_message = nullptr;

int RememberLogMessage(const mg_connection*, const char* message) {
  if (message == nullptr) return 1;
  if (t_first_civetweb_message == nullptr) {
    std::fprintf(stderr, "level=warn component=http msg=\"%s\"\n", message);
  } else if (t_first_civetweb_message->empty()) {
    *t_first_civetweb_message = message;
  }
  return 1;
}

// True if this host can open IPv6 sockets (it may run with IPv6 off).
bool Ipv6Available() {
#if defined(_WIN32)
  SOCKET s = socket(AF_INET6, SOCK_STREAM, 0);
  if (s == INVALID_SOCKET) return false;
  closesocket(s);
#else
  int s = socket(AF_INET6, SOCK_STREAM, 0);
  if (s < 0) return false;
  close(s);
#endif
  return true;
}

// Numeric addresses of a host name or IP literal, in resolver order.
bool Resolve(const std::string& host, std::vector<std::string>* ips,
             std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    *error = gai_strerror(rc);
    return false;
  }
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    char text[NI_MAXHOST];
    if (getnameinfo(ai->ai_addr, static_cast<socklen_t>(ai->ai_addrlen), text,
                    sizeof text, nullptr, 0, NI_NUMERICHOST) != 0)
      continue;
    if (std::find(ips->begin(), ips->end(), text) == ips->end())
      ips->push_back(text);
  }
  freeaddrinfo(found);
  if (ips->empty()) *error = "no IPv4 or IPv6 address";
  return !ips->empty();
}

// Longest wait for a running collection inside one scrape, so the answer
// leaves before the scraper gives up.
double ScrapeTimeout(const char* header) {
  if (header == nullptr) return 0;
  char* end = nullptr;
  double seconds = std::strtod(header, &end);
  if (end == header || !(seconds > 0) || seconds > 86400) return 0;
  return seconds;
}

}  // namespace

bool ToCivetwebPorts(const std::vector<std::string>& listen_addresses, bool tls,
                     std::string* out, std::string* error) {
  if (listen_addresses.empty()) {
    *error = "no listen address";
    return false;
  }
  bool ipv6 = Ipv6Available();
  std::vector<std::string> entries;
  for (const std::string& text : listen_addresses) {
    ListenAddress a;
    if (!ParseListenAddress(text, &a, error)) return false;
    std::vector<std::string> ips;
    if (a.host.empty()) {
      ips.push_back("");
    } else {
      std::string why;
      if (!Resolve(a.host, &ips, &why)) {
        *error = "listen address '" + text + "': cannot resolve '" + a.host +
                 "': " + why;
        return false;
      }
    }
    for (const std::string& ip : ips) {
      std::string entry = CivetwebPort(ip, a.port, ipv6, tls);
      if (std::find(entries.begin(), entries.end(), entry) == entries.end())
        entries.push_back(entry);
    }
  }
  out->clear();
  for (const std::string& e : entries) *out += (out->empty() ? "" : ",") + e;
  return true;
}

bool AcceptsGzip(const char* accept_encoding) {
  if (accept_encoding == nullptr) return false;
  std::string header = accept_encoding;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t comma = header.find(',', start);
    std::string item = header.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? header.size() + 1 : comma + 1;
    std::string coding, params;
    std::size_t semi = item.find(';');
    coding = item.substr(0, semi);
    if (semi != std::string::npos) params = item.substr(semi + 1);
    coding.erase(
        std::remove_if(coding.begin(), coding.end(),
                       [](unsigned char c) { return std::isspace(c); }),
        coding.end());
    std::transform(coding.begin(), coding.end(), coding.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
    double q = 1;
    std::size_t qpos = params.find("q=");
    if (qpos != std::string::npos) q = std::atof(params.c_str() + qpos + 2);
    if (q > 0) return true;
  }
  return false;
}

bool Gzip(const std::string& data, std::string* out) {
  z_stream zs{};
  // 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  out->resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(&(*out)[0]);
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&zs, Z_FINISH);
  out->resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

HttpServer::HttpServer(HttpContent content) : content_(std::move(content)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(const std::vector<std::string>& listen_addresses,
                       std::string* error) {
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
  }
  mg_init_library(0);  // Windows: WSAStartup before the resolver.
  library_ = true;
  render_ = std::make_unique<RenderPool>(kRenderThreads);
  std::string ports;
  if (!ToCivetwebPorts(listen_addresses, tls, &ports, error)) return false;
  std::string threads = std::to_string(content_.max_connections);
  std::string timeout_ms = std::to_string(content_.read_timeout_seconds * 1000);
  // Every connection gets its own worker thread, so silent or slow clients
  // hold only their own thread, for at most the read timeout (handshake and
  // headers included), and a kept-alive connection between two requests no
  // longer: civetweb's 500 ms default closed busy clients' connections just
  // as their next request arrived. Every answer carries Content-Length.
  const char* options[] = {"listening_ports",
                           ports.c_str(),
                           "num_threads",
                           threads.c_str(),
                           "request_timeout_ms",
                           timeout_ms.c_str(),
                           "keep_alive_timeout_ms",
                           timeout_ms.c_str(),
                           "enable_keep_alive",
                           "yes",
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = &RememberLogMessage;
  std::string first_message;
  t_first_civetweb_message = &first_message;
  if (tls) callbacks.init_ssl = &InitTls;
  callbacks.end_request = &ReleaseRequestMemory;
  callbacks.exit_thread = &ReleaseThreadMemory;
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
  t_first_civetweb_message = nullptr;
  if (context_ == nullptr) {
    std::string why = !first_message.empty()
                          ? first_message
                          : (text[0] ? std::string(text) : "civetweb failed");
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r'))
      why.pop_back();
    std::string all;
    for (const std::string& a : listen_addresses)
      all += (all.empty() ? "" : ", ") + a;
    *error = "cannot listen on " + all + ": " + why;
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
  render_.reset();
  if (library_) {
    mg_exit_library();
    library_ = false;
  }
}

int HttpServer::BoundPort() const {
  if (context_ == nullptr) return 0;
  mg_server_port ports[1];
  int n = mg_get_server_ports(context_, 1, ports);
  return n > 0 ? ports[0].port : 0;
}

std::vector<int> HttpServer::BoundPorts() const {
  std::vector<int> out;
  if (context_ == nullptr) return out;
  mg_server_port ports[64];
  int n = mg_get_server_ports(context_, 64, ports);
  for (int i = 0; i < n; ++i) out.push_back(ports[i].port);
  return out;
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
  if (path == "/-/healthy") {
    Send(conn, 200, "OK", "text/plain; charset=utf-8", "Healthy\n", headers);
    return 200;
  }
  try {
    // A self-test takes seconds: on this connection's thread, not one of
    // the render threads the scrapes need.
    if (path == "/selftest" && content_.self_test) {
      Send(conn, 200, "OK", "text/plain; charset=utf-8", content_.self_test(),
           headers);
      return 200;
    }
    const char* type = "text/html; charset=utf-8";
    std::string body, incident_type;
    bool found = true;
    render_->Run([&] {
      if (path == content_.telemetry_path) {
        body = content_.metrics(ScrapeTimeout(
            mg_get_header(conn, "X-Prometheus-Scrape-Timeout-Seconds")));
        type = "text/plain; version=0.0.4; charset=utf-8";
        headers += "Vary: Accept-Encoding\r\n";
        std::string zipped;
        if (AcceptsGzip(mg_get_header(conn, "Accept-Encoding")) &&
            Gzip(body, &zipped)) {
          body.swap(zipped);
          headers += "Content-Encoding: gzip\r\n";
        }
      } else if (path == "/") {
        body = content_.landing_page();
      } else if (path == "/live" && content_.live) {
        body = content_.live();
      } else if (path == "/report" && content_.report_text) {
        type = "text/plain; charset=utf-8";
        body = content_.report_text();
      } else if (path == "/runbook") {
        body = RunbookHtml();
      } else if (content_.incidents &&
                 (path == "/incidents" || path == "/incidents.json" ||
                  path.rfind("/incidents/", 0) == 0)) {
        found = content_.incidents(path, &body, &incident_type);
        if (found) type = incident_type.c_str();
      } else {
        found = false;
      }
    });
    if (found) {
      Send(conn, 200, "OK", type, body, headers);
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
