// Debian 12's libcivetweb 1.15 is built for the OpenSSL 1.1 API and loads
// OpenSSL at run time with dlopen("libssl.so") / dlopen("libcrypto.so") and
// dlsym. OpenSSL 3 no longer exports SSL_get_peer_certificate (now a macro
// for SSL_get1_peer_certificate), so civetweb's table gets a null pointer
// and every HTTPS connection crashes the worker after the handshake.
//
// This file is built twice into two tiny shared objects whose SONAMEs are
// "libssl.so" and "libcrypto.so"; the exporter links them (found through
// its RUNPATH), so civetweb's dlopen() finds them already loaded by SONAME,
// and dlsym() on them falls through to their dependencies libssl.so.3 /
// libcrypto.so.3. The ssl one adds the missing symbol. As a side effect the
// exporter no longer needs libssl-dev's unversioned symlinks at run time.
#include <openssl/ssl.h>

#if defined(EPX_SHIM_SSL)
#undef SSL_get_peer_certificate

extern "C" __attribute__((visibility("default"))) X509*
SSL_get_peer_certificate(const SSL* ssl) {
  // Same contract as OpenSSL 1.1: a new reference the caller frees.
  return SSL_get1_peer_certificate(ssl);
}
#else
// The crypto shim only forwards to libcrypto.so.3; keep one symbol so the
// linker records the dependency.
extern "C" __attribute__((visibility("default"))) unsigned long
epx_civetweb_crypto_shim_version() {
  return OpenSSL_version_num();
}
#endif
