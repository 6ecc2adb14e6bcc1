// SPDX-License-Identifier: Apache-2.0
#include "http/web_config.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

const char kHash[] =
    "$2b$10$XJ6qxQY/ikG0oSLBTG42KOi3OQU05JaEt.xP.vm8zX8mbsP7Zf2.a";

std::string ParseError(const std::string& yaml) {
  WebConfig config;
  std::string error;
  EXPECT_FALSE(ParseWebConfigYaml(yaml, "/etc/epx/web.yml", &config, &error))
      << yaml;
  return error;
}

TEST(WebConfigTest, EmptyFileMeansPlainHttpWithoutAuth) {
  WebConfig config;
  std::string error;
  ASSERT_TRUE(ParseWebConfigYaml("", "web.yml", &config, &error)) << error;
  EXPECT_FALSE(config.tls_enabled);
  EXPECT_TRUE(config.basic_auth_users.empty());
  ASSERT_TRUE(
      ParseWebConfigYaml("tls_server_config: {}\n", "web.yml", &config, &error))
      << error;
  EXPECT_FALSE(config.tls_enabled);
}

TEST(WebConfigTest, ParsesFullExporterToolkitFile) {
  std::string yaml = std::string(
                         "tls_server_config:\n"
                         "  cert_file: server.crt\n"
                         "  key_file: /abs/server.key\n"
                         "  client_auth_type: RequireAndVerifyClientCert\n"
                         "  client_ca_file: ca.crt\n"
                         "  min_version: TLS13\n"
                         "  prefer_server_cipher_suites: true\n"
                         "http_server_config:\n"
                         "  http2: false\n"
                         "  headers:\n"
                         "    X-Frame-Options: deny\n"
                         "    Strict-Transport-Security: max-age=31536000\n"
                         "basic_auth_users:\n"
                         "  alice: ") +
                     kHash + "\n";
  WebConfig config;
  std::string error;
  ASSERT_TRUE(ParseWebConfigYaml(yaml, "/etc/epx/web.yml", &config, &error))
      << error;
  EXPECT_TRUE(config.tls_enabled);
  EXPECT_EQ(config.tls.cert_file, "/etc/epx/server.crt");
  EXPECT_EQ(config.tls.key_file, "/abs/server.key");
  EXPECT_EQ(config.tls.client_ca_file, "/etc/epx/ca.crt");
  EXPECT_EQ(config.tls.client_auth_type,
            ClientAuthType::kRequireAndVerifyClientCert);
  EXPECT_EQ(config.tls.min_version, TlsVersion::kTls13);
  EXPECT_EQ(config.tls.max_version, TlsVersion::kTls13);
  ASSERT_EQ(config.basic_auth_users.size(), 1u);
  EXPECT_EQ(config.basic_auth_users.at("alice"), kHash);
  ASSERT_EQ(config.headers.size(), 2u);
  EXPECT_EQ(config.headers[0].first, "X-Frame-Options");
}

TEST(WebConfigTest, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(ParseError("tls_server_config:\n  cert_file: a\n  bogus: 1\n"),
            "/etc/epx/web.yml:3: tls_server_config.bogus: unknown key");
  EXPECT_EQ(ParseError("tls_server_config:\n  cert_file: a\n"),
            "/etc/epx/web.yml:2: tls_server_config.key_file: missing "
            "(needed with cert_file)");
  EXPECT_EQ(ParseError("basic_auth_users:\n  bob: hunter2\n"),
            "/etc/epx/web.yml:2: basic_auth_users.bob: expected a bcrypt "
            "hash ($2y$10$... as made by htpasswd -nBC 10), not a plain "
            "password");
  EXPECT_NE(ParseError("tls_server_config: [\n").find("web.yml:"),
            std::string::npos);
}

TEST(WebConfigTest, RejectsInconsistentTls) {
  EXPECT_NE(ParseError("tls_server_config:\n  key_file: k\n")
                .find("cert_file: missing"),
            std::string::npos);
  EXPECT_NE(ParseError("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                       "  client_ca_file: ca\n")
                .find("client_ca_file: set without client_auth_type"),
            std::string::npos);
  EXPECT_NE(ParseError("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                       "  client_auth_type: VerifyClientCertIfGiven\n")
                .find("client_ca_file: missing"),
            std::string::npos);
  EXPECT_NE(ParseError("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                       "  min_version: TLS13\n  max_version: TLS12\n")
                .find("greater than max_version"),
            std::string::npos);
  EXPECT_NE(ParseError("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                       "  client_auth_type: Sometimes\n")
                .find("unknown client auth type 'Sometimes'"),
            std::string::npos);
  EXPECT_NE(ParseError("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                       "  min_version: SSL3\n")
                .find("unknown TLS version"),
            std::string::npos);
}

TEST(WebConfigTest, RejectsKeysItCannotHonour) {
  for (const char* yaml : {"tls_server_config:\n  cert: inline\n",
                           "tls_server_config:\n  cipher_suites: [a]\n",
                           "tls_server_config:\n  client_allowed_sans: [a]\n",
                           "rate_limit:\n  burst: 1\n"}) {
    EXPECT_NE(ParseError(yaml).find("not supported"), std::string::npos)
        << yaml;
  }
}

TEST(WebConfigTest, RejectsHeaderInjectionAndBadUsers) {
  EXPECT_NE(ParseError("http_server_config:\n  headers:\n"
                       "    Content-Security-Policy: \"a\\r\\nX-Evil: 1\"\n")
                .find("control characters"),
            std::string::npos);
  EXPECT_NE(ParseError("http_server_config:\n  headers:\n"
                       "    X-Frame-Options: allow\n")
                .find("deny or sameorigin"),
            std::string::npos);
  EXPECT_NE(
      ParseError(std::string("basic_auth_users:\n  \"a:b\": ") + kHash + "\n")
          .find("must not contain ':'"),
      std::string::npos);
  EXPECT_NE(ParseError(std::string("basic_auth_users:\n  a: ") + kHash +
                       "\n  a: " + kHash + "\n")
                .find("repeated"),
            std::string::npos);
  EXPECT_NE(ParseError("basic_auth_users:\n  a: "
                       "$2b$99$XJ6qxQY/ikG0oSLBTG42KOi3OQU05JaEt.xP.vm8zX8mbsP7"
                       "Zf2.a\n")
                .find("bcrypt"),
            std::string::npos);
}

}  // namespace
}  // namespace epx
