// SPDX-License-Identifier: Apache-2.0
// The exporter-toolkit web config file (--web.config.file).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "http/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  epx::WebConfig config;
  std::string error;
  if (!epx::ParseWebConfigYaml(text, "/etc/web.yml", &config, &error)) {
    EPX_FUZZ_CHECK(error.rfind("/etc/web.yml", 0) == 0, error);
    return 0;
  }
  for (const auto& [name, value] : config.headers) {
    for (char c : value)  // a header value must never split the response
      EPX_FUZZ_CHECK(c != '\r' && c != '\n', value);
  }
  for (const auto& [user, hash] : config.basic_auth_users) {
    EPX_FUZZ_CHECK(user.find(':') == std::string::npos, user);
    EPX_FUZZ_CHECK(hash.size() == 60, hash);
  }
  if (config.tls_enabled)
    EPX_FUZZ_CHECK(
        !config.tls.cert_file.empty() && !config.tls.key_file.empty(), text);
  return 0;
}
