// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace epx {

/// Pure: splits an "Authorization: Basic <base64(user:password)>" header
/// value; false if it is not well-formed Basic credentials.
bool DecodeBasicAuthorization(const std::string& header, std::string* user,
                              std::string* password);

/// True if `password` matches the crypt(3)-style `hash` (bcrypt $2a$/$2b$/
/// $2y$), computed by the system's libcrypt; the comparison takes constant
/// time. Thread-safe; slow by design (bcrypt cost).
bool VerifyPasswordHash(const std::string& password, const std::string& hash);

/// Checks Basic credentials against exporter-toolkit's basic_auth_users,
/// remembering verdicts (keyed by a SHA-256 of user, hash and password, so
/// neither passwords nor a weak hash are kept) to avoid paying bcrypt on
/// every scrape. Unknown users cost a bcrypt too, so timing does not tell
/// which users exist. Thread-safe.
class BasicAuthenticator {
 public:
  /// True if `authorization` (the header value, may be null) names a user
  /// of `users` with the right password.
  bool Check(const std::map<std::string, std::string>& users,
             const char* authorization);

 private:
  static constexpr std::size_t kMaxCachedVerdicts = 4096;
  std::mutex mutex_;
  std::unordered_map<std::string, bool> verdicts_;
};

}  // namespace epx
