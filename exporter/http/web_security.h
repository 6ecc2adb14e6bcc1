// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "http/basic_auth.h"
#include "http/web_config.h"

namespace epx {

/// Identity of a file's current content as far as stat(2) can tell.
struct FileStamp {
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  timespec modified{};
  timespec changed{};
  bool operator==(const FileStamp& other) const;
  bool operator!=(const FileStamp& other) const { return !(*this == other); }
};

/// stat(2) of `path`; exists=false if it cannot be read.
FileStamp StampOf(const std::string& path);

/// Holds the web config file and re-reads it whenever its stat(2) identity
/// changes (checked on every call), as exporter-toolkit re-reads it on every
/// request. Thread-safe.
class WebConfigWatcher {
 public:
  explicit WebConfigWatcher(std::string path);

  /// Reads the file now (startup); false with *error "file:line: key: ...".
  bool Load(std::string* error);

  /// The configuration in force, re-read if the file changed. nullptr while
  /// the file is unreadable or invalid (the problem is logged once per
  /// change): callers must then refuse to serve.
  std::shared_ptr<const WebConfig> Current();

  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  std::mutex mutex_;
  FileStamp stamp_;
  std::shared_ptr<const WebConfig> config_;
};

/// TLS for civetweb from the web config: configures the SSL_CTX civetweb
/// creates and, on every handshake, re-applies certificate, key, client CA
/// and protocol versions from the current web config, reloading files that
/// changed. Thread-safe; OpenSSL types stay out of this header.
class TlsConfigurator {
 public:
  explicit TlsConfigurator(std::shared_ptr<WebConfigWatcher> watcher);
  ~TlsConfigurator();
  TlsConfigurator(const TlsConfigurator&) = delete;
  TlsConfigurator& operator=(const TlsConfigurator&) = delete;

  /// Loads certificate, key and client CA now (startup); false with *error
  /// naming the file and the OpenSSL reason.
  bool Check(std::string* error);

  /// civetweb's init_ssl callback body: takes over `ssl_ctx` (an SSL_CTX*).
  /// Returns 1 (configured) or -1 (failure).
  int ConfigureContext(void* ssl_ctx);

  struct Material;

 private:
  friend int ApplyTlsOnClientHello(TlsConfigurator* self, void* ssl);
  std::shared_ptr<const Material> CurrentMaterial(const TlsServerConfig& tls,
                                                  std::string* error);

  std::shared_ptr<WebConfigWatcher> watcher_;
  std::mutex mutex_;
  std::shared_ptr<const Material> material_;
  std::string last_error_;
};

}  // namespace epx
