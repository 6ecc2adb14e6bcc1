// SPDX-License-Identifier: Apache-2.0
#include "http/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace epx {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/// Standard base64 with '=' padding (RFC 4648 section 4); false on any
/// character outside the alphabet or a bad length.
bool DecodeBase64(const std::string& in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  out->clear();
  for (std::size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = in[i + j];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return false;  // data after padding
      v[j] = Base64Value(c);
      if (v[j] < 0) return false;
    }
    unsigned bits = (static_cast<unsigned>(v[0]) << 18) |
                    (static_cast<unsigned>(v[1]) << 12) |
                    (static_cast<unsigned>(v[2]) << 6) |
                    static_cast<unsigned>(v[3]);
    out->push_back(static_cast<char>((bits >> 16) & 0xff));
    if (pad < 2) out->push_back(static_cast<char>((bits >> 8) & 0xff));
    if (pad < 1) out->push_back(static_cast<char>(bits & 0xff));
  }
  return true;
}

// A valid bcrypt hash (cost 10) of a random password nobody knows; checked
// for unknown users so that they take as long as known ones.
const char kDecoyHash[] =
    "$2b$10$XJ6qxQY/ikG0oSLBTG42KOi3OQU05JaEt.xP.vm8zX8mbsP7Zf2.a";

std::string VerdictKey(const std::string& user, const std::string& hash,
                       const std::string& password) {
  std::string message;
  for (const std::string* part : {&user, &hash, &password}) {
    message += std::to_string(part->size()) + ":";
    message += *part;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(message.data(), message.size(), digest, &digest_len,
                 EVP_sha256(), nullptr) != 1) {
    return std::string();  // never cached: see Check
  }
  OPENSSL_cleanse(&message[0], message.size());
  return std::string(reinterpret_cast<char*>(digest), digest_len);
}

}  // namespace

bool DecodeBasicAuthorization(const std::string& header, std::string* user,
                              std::string* password) {
  static const char kScheme[] = "basic ";
  const std::size_t scheme_len = sizeof kScheme - 1;
  if (header.size() <= scheme_len || header.size() > 8192) return false;
  for (std::size_t i = 0; i < scheme_len; ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return false;
  }
  std::size_t start = header.find_first_not_of(' ', scheme_len);
  if (start == std::string::npos) return false;
  std::size_t end = header.find_last_not_of(' ');
  std::string decoded;
  if (!DecodeBase64(header.substr(start, end + 1 - start), &decoded))
    return false;
  std::size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  *user = decoded.substr(0, colon);
  *password = decoded.substr(colon + 1);
  return true;
}

bool VerifyPasswordHash(const std::string& password, const std::string& hash) {
  // bcrypt reads at most 72 bytes and stops at NUL; a password with a NUL
  // cannot be what the hash was made from.
  if (password.find('\0') != std::string::npos) return false;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* result = crypt_r(password.c_str(), hash.c_str(), data.get());
  // libcrypt returns NULL or a "*"-prefixed failure token on bad settings.
  if (result == nullptr || result[0] == '*') return false;
  std::size_t n = std::strlen(result);
  return n == hash.size() && CRYPTO_memcmp(result, hash.data(), n) == 0;
}

bool BasicAuthenticator::Check(const std::map<std::string, std::string>& users,
                               const char* authorization) {
  std::string user, password;
  if (authorization == nullptr ||
      !DecodeBasicAuthorization(authorization, &user, &password))
    return false;
  auto it = users.find(user);
  bool known = it != users.end();
  const std::string hash = known ? it->second : std::string(kDecoyHash);
  std::string key = VerdictKey(user, hash, password);
  if (key.empty()) return VerifyPasswordHash(password, hash) && known;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto cached = verdicts_.find(key);
    if (cached != verdicts_.end()) return cached->second && known;
  }
  bool ok = VerifyPasswordHash(password, hash) && known;
  std::lock_guard<std::mutex> lock(mutex_);
  if (verdicts_.size() >= kMaxCachedVerdicts) verdicts_.clear();
  verdicts_.emplace(std::move(key), ok);
  return ok;
}

}  // namespace epx
