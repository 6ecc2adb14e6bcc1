// Windows builds serve plain HTTP only: the TLS and basic-auth pieces of
// the web config need OpenSSL and libcrypt, which the mingw build does not
// carry. A --web.config.file is therefore refused at startup.
#include "http/basic_auth.h"
#include "http/web_security.h"

namespace epx {

WebConfigWatcher::WebConfigWatcher(std::string path) : path_(std::move(path)) {}

bool WebConfigWatcher::Load(std::string* error) {
  *error = path_ +
           ": --web.config.file (TLS, basic auth) is not supported by the "
           "Windows build; put the exporter behind a TLS reverse proxy";
  return false;
}

std::shared_ptr<const WebConfig> WebConfigWatcher::Current() { return nullptr; }

bool BasicAuthenticator::Check(const std::map<std::string, std::string>&,
                               const char*) {
  return false;
}

TlsConfigurator::TlsConfigurator(std::shared_ptr<WebConfigWatcher> watcher)
    : watcher_(std::move(watcher)) {}

TlsConfigurator::~TlsConfigurator() = default;

bool TlsConfigurator::Check(std::string* error) {
  *error = "TLS is not supported by the Windows build";
  return false;
}

int TlsConfigurator::ConfigureContext(void*) { return -1; }

}  // namespace epx
