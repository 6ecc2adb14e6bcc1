// SPDX-License-Identifier: Apache-2.0
#include "http/web_security.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <utility>

namespace epx {

/// Applies the web config in force to one connection (client hello time);
/// false aborts the handshake.
int ApplyTlsOnClientHello(TlsConfigurator* self, void* ssl);

bool FileStamp::operator==(const FileStamp& o) const {
  return exists == o.exists && device == o.device && inode == o.inode &&
         size == o.size && modified.tv_sec == o.modified.tv_sec &&
         modified.tv_nsec == o.modified.tv_nsec &&
         changed.tv_sec == o.changed.tv_sec &&
         changed.tv_nsec == o.changed.tv_nsec;
}

FileStamp StampOf(const std::string& path) {
  FileStamp stamp;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return stamp;
  stamp.exists = true;
  stamp.device = st.st_dev;
  stamp.inode = st.st_ino;
  stamp.size = st.st_size;
#if defined(_WIN32)
  // Windows keeps whole seconds here; size and time still tell an edit.
  stamp.modified.tv_sec = st.st_mtime;
  stamp.changed.tv_sec = st.st_ctime;
#else
  stamp.modified = st.st_mtim;
  stamp.changed = st.st_ctim;
#endif
  return stamp;
}

WebConfigWatcher::WebConfigWatcher(std::string path) : path_(std::move(path)) {}

bool WebConfigWatcher::Load(std::string* error) {
  FileStamp stamp = StampOf(path_);
  auto config = std::make_shared<WebConfig>();
  if (!LoadWebConfigFile(path_, config.get(), error)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  stamp_ = stamp;
  config_ = std::move(config);
  return true;
}

std::shared_ptr<const WebConfig> WebConfigWatcher::Current() {
  FileStamp stamp = StampOf(path_);
  std::lock_guard<std::mutex> lock(mutex_);
  if (stamp == stamp_) return config_;
  stamp_ = stamp;
  auto config = std::make_shared<WebConfig>();
  std::string error;
  if (!LoadWebConfigFile(path_, config.get(), &error)) {
    std::fprintf(stderr,
                 "level=error component=web msg=\"web config reload failed, "
                 "refusing requests until it is fixed\" err=\"%s\"\n",
                 error.c_str());
    config_ = nullptr;
    return nullptr;
  }
  std::fprintf(stderr,
               "level=info component=web msg=\"web config reloaded\" "
               "file=%s\n",
               path_.c_str());
  config_ = std::move(config);
  return config_;
}

/// Certificates and keys loaded from the files of one tls_server_config,
/// with the stat(2) identity of each file when it was read.
struct TlsConfigurator::Material {
  std::string cert_file, key_file, ca_file;
  FileStamp cert_stamp, key_stamp, ca_stamp;
  X509* leaf = nullptr;
  STACK_OF(X509) * chain = nullptr;
  EVP_PKEY* key = nullptr;
  X509_STORE* ca_store = nullptr;
  STACK_OF(X509_NAME) * ca_names = nullptr;

  Material() = default;
  Material(const Material&) = delete;
  Material& operator=(const Material&) = delete;
  ~Material() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    X509_STORE_free(ca_store);
    sk_X509_NAME_pop_free(ca_names, X509_NAME_free);
  }
};

namespace {

std::string OpenSslReason() {
  auto code = ERR_get_error();
  std::string reason = "unknown OpenSSL error";
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    reason = text;
  }
  ERR_clear_error();
  return reason;
}

using Material = TlsConfigurator::Material;

bool LoadMaterial(const TlsServerConfig& tls, Material* m, std::string* error) {
  m->cert_file = tls.cert_file;
  m->key_file = tls.key_file;
  m->ca_file = tls.client_ca_file;
  m->cert_stamp = StampOf(tls.cert_file);
  m->key_stamp = StampOf(tls.key_file);
  if (!tls.client_ca_file.empty()) m->ca_stamp = StampOf(tls.client_ca_file);
  ERR_clear_error();

  BIO* bio = BIO_new_file(tls.cert_file.c_str(), "r");
  if (bio == nullptr) {
    *error = tls.cert_file + ": cannot read cert_file: " + OpenSslReason();
    return false;
  }
  m->leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  m->chain = sk_X509_new_null();
  while (m->leaf != nullptr) {
    X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (extra == nullptr) break;
    sk_X509_push(m->chain, extra);
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the PEM stream is reported as an error
  if (m->leaf == nullptr) {
    *error = tls.cert_file + ": cert_file holds no PEM certificate";
    return false;
  }

  bio = BIO_new_file(tls.key_file.c_str(), "r");
  if (bio == nullptr) {
    *error = tls.key_file + ": cannot read key_file: " + OpenSslReason();
    return false;
  }
  // A null password callback with a non-null argument: encrypted keys fail
  // instead of prompting on the terminal.
  static char kNoPassword[] = "";
  m->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, kNoPassword);
  BIO_free(bio);
  if (m->key == nullptr) {
    *error = tls.key_file +
             ": key_file holds no usable PEM private key: " + OpenSslReason();
    return false;
  }
  if (X509_check_private_key(m->leaf, m->key) != 1) {
    *error =
        tls.key_file + ": key_file does not match cert_file " + tls.cert_file;
    ERR_clear_error();
    return false;
  }

  if (!tls.client_ca_file.empty()) {
    m->ca_store = X509_STORE_new();
    if (m->ca_store == nullptr ||
        X509_STORE_load_file(m->ca_store, tls.client_ca_file.c_str()) != 1) {
      *error = tls.client_ca_file +
               ": cannot load client_ca_file: " + OpenSslReason();
      return false;
    }
    m->ca_names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
    if (m->ca_names == nullptr) {
      *error = tls.client_ca_file + ": client_ca_file holds no PEM certificate";
      ERR_clear_error();
      return false;
    }
  }
  return true;
}

int ProtocolVersion(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls10:
      return TLS1_VERSION;
    case TlsVersion::kTls11:
      return TLS1_1_VERSION;
    case TlsVersion::kTls12:
      return TLS1_2_VERSION;
    case TlsVersion::kTls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// For RequestClientCert / RequireAnyClientCert: a certificate is asked for
// (and, for the latter, required) but not checked against any CA.
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

int OnClientHello(SSL* ssl, int* alert, void* arg) {
  if (ApplyTlsOnClientHello(static_cast<TlsConfigurator*>(arg), ssl))
    return SSL_CLIENT_HELLO_SUCCESS;
  *alert = SSL_AD_INTERNAL_ERROR;
  return SSL_CLIENT_HELLO_ERROR;
}

}  // namespace

int ApplyTlsOnClientHello(TlsConfigurator* self, void* ssl_ptr) {
  SSL* ssl = static_cast<SSL*>(ssl_ptr);
  std::shared_ptr<const WebConfig> config = self->watcher_->Current();
  if (config == nullptr) return 0;  // already logged by the watcher
  if (!config->tls_enabled) {
    std::fprintf(stderr,
                 "level=error component=web msg=\"web config no longer has "
                 "tls_server_config; restart the exporter to serve plain "
                 "HTTP\"\n");
    return 0;
  }
  std::string error;
  std::shared_ptr<const Material> m =
      self->CurrentMaterial(config->tls, &error);
  if (m == nullptr) return 0;
  const TlsServerConfig& tls = config->tls;
  if (SSL_use_cert_and_key(ssl, m->leaf, m->key, m->chain, 1) != 1 ||
      SSL_set_min_proto_version(ssl, ProtocolVersion(tls.min_version)) != 1 ||
      SSL_set_max_proto_version(ssl, ProtocolVersion(tls.max_version)) != 1) {
    std::fprintf(stderr,
                 "level=error component=web msg=\"TLS setup failed\" "
                 "err=\"%s\"\n",
                 OpenSslReason().c_str());
    return 0;
  }
  switch (tls.client_auth_type) {
    case ClientAuthType::kNoClientCert:
      SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
      return 1;
    case ClientAuthType::kRequestClientCert:
      SSL_set_verify(ssl, SSL_VERIFY_PEER, &AcceptAnyCertificate);
      return 1;
    case ClientAuthType::kRequireAnyClientCert:
      SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     &AcceptAnyCertificate);
      return 1;
    case ClientAuthType::kVerifyClientCertIfGiven:
    case ClientAuthType::kRequireAndVerifyClientCert: {
      int mode = SSL_VERIFY_PEER;
      if (tls.client_auth_type == ClientAuthType::kRequireAndVerifyClientCert)
        mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      STACK_OF(X509_NAME)* names = SSL_dup_CA_list(m->ca_names);
      if (names == nullptr || SSL_set1_verify_cert_store(ssl, m->ca_store) != 1)
        return 0;
      SSL_set_client_CA_list(ssl, names);  // takes ownership
      SSL_set_verify(ssl, mode, nullptr);
      return 1;
    }
  }
  return 0;
}

TlsConfigurator::TlsConfigurator(std::shared_ptr<WebConfigWatcher> watcher)
    : watcher_(std::move(watcher)) {}

TlsConfigurator::~TlsConfigurator() = default;

std::shared_ptr<const Material> TlsConfigurator::CurrentMaterial(
    const TlsServerConfig& tls, std::string* error) {
  FileStamp cert = StampOf(tls.cert_file);
  FileStamp key = StampOf(tls.key_file);
  FileStamp ca;
  if (!tls.client_ca_file.empty()) ca = StampOf(tls.client_ca_file);
  std::lock_guard<std::mutex> lock(mutex_);
  if (material_ != nullptr && material_->cert_file == tls.cert_file &&
      material_->key_file == tls.key_file &&
      material_->ca_file == tls.client_ca_file &&
      material_->cert_stamp == cert && material_->key_stamp == key &&
      material_->ca_stamp == ca)
    return material_;
  auto fresh = std::make_shared<Material>();
  if (!LoadMaterial(tls, fresh.get(), error)) {
    if (*error != last_error_) {
      std::fprintf(stderr,
                   "level=error component=web msg=\"cannot load TLS files, "
                   "refusing handshakes\" err=\"%s\"\n",
                   error->c_str());
      last_error_ = *error;
    }
    return nullptr;
  }
  if (material_ != nullptr) {
    std::fprintf(stderr,
                 "level=info component=web msg=\"TLS certificate reloaded\" "
                 "cert_file=%s\n",
                 tls.cert_file.c_str());
  }
  last_error_.clear();
  material_ = fresh;
  return material_;
}

bool TlsConfigurator::Check(std::string* error) {
  std::shared_ptr<const WebConfig> config = watcher_->Current();
  if (config == nullptr) {
    *error = watcher_->path() + ": web config is not valid";
    return false;
  }
  if (!config->tls_enabled) return true;
  auto m = std::make_shared<Material>();
  if (!LoadMaterial(config->tls, m.get(), error)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  material_ = m;
  return true;
}

int TlsConfigurator::ConfigureContext(void* ssl_ctx) {
  SSL_CTX* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  static const unsigned char kSessionContext[] = "ephemeral_port_exporter";
  // No session resumption: every connection is checked against the
  // client CA and the web config in force when it arrives.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_id_context(ctx, kSessionContext,
                                 sizeof kSessionContext - 1);
  // Versions are chosen per connection from min_version/max_version;
  // clear civetweb's own version options so they do not interfere.
  SSL_CTX_clear_options(ctx, SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                                 SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (material_ != nullptr &&
        SSL_CTX_use_cert_and_key(ctx, material_->leaf, material_->key,
                                 material_->chain, 1) != 1) {
      std::fprintf(stderr,
                   "level=error component=web msg=\"TLS setup failed\" "
                   "err=\"%s\"\n",
                   OpenSslReason().c_str());
      return -1;
    }
  }
  SSL_CTX_set_client_hello_cb(ctx, &OnClientHello, this);
  return 1;
}

}  // namespace epx
