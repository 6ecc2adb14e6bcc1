// SPDX-License-Identifier: Apache-2.0
#include "http/basic_auth.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

// crypt(3) bcrypt of "correct horse" at cost 4 (fast in tests).
const char kHash[] =
    "$2b$04$iHbP7LuFsKK9EXc4HJ4UCuoq5cCaU4rRr6QW0FCUmiDqGcRvPPyWS";

TEST(BasicAuthTest, DecodesBasicCredentials) {
  std::string user, password;
  // base64("alice:pa:ss") -- the password may contain ':'.
  ASSERT_TRUE(
      DecodeBasicAuthorization("Basic YWxpY2U6cGE6c3M=", &user, &password));
  EXPECT_EQ(user, "alice");
  EXPECT_EQ(password, "pa:ss");
  ASSERT_TRUE(DecodeBasicAuthorization("basic   YTo=", &user, &password));
  EXPECT_EQ(user, "a");
  EXPECT_EQ(password, "");
}

TEST(BasicAuthTest, RejectsMalformedHeaders) {
  std::string user, password;
  for (const char* header :
       {"", "Basic", "Basic ", "Bearer YWxpY2U6cGFzcw==", "Basic YWxpY2U",
        "Basic !!!!", "Basic YW=xpY2U6", "Basic YWxpY2U=",  // no colon
        "Basic YWxp Y2U6"}) {
    EXPECT_FALSE(DecodeBasicAuthorization(header, &user, &password)) << header;
  }
}

TEST(BasicAuthTest, VerifiesBcryptThroughLibcrypt) {
  EXPECT_TRUE(VerifyPasswordHash("correct horse", kHash));
  EXPECT_FALSE(VerifyPasswordHash("correct horsE", kHash));
  EXPECT_FALSE(VerifyPasswordHash("", kHash));
  EXPECT_FALSE(VerifyPasswordHash(std::string("correct horse\0x", 15), kHash));
  EXPECT_FALSE(VerifyPasswordHash("correct horse", "not a hash"));
  EXPECT_FALSE(VerifyPasswordHash("correct horse", ""));
}

TEST(BasicAuthTest, ChecksUsersAndCachesVerdicts) {
  BasicAuthenticator auth;
  std::map<std::string, std::string> users{{"alice", kHash}};
  // base64("alice:correct horse"), base64("alice:wrong"),
  // base64("bob:correct horse")
  const char* good = "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==";
  const char* bad = "Basic YWxpY2U6d3Jvbmc=";
  const char* stranger = "Basic Ym9iOmNvcnJlY3QgaG9yc2U=";
  for (int round = 0; round < 2; ++round) {  // second round: cached
    EXPECT_TRUE(auth.Check(users, good));
    EXPECT_FALSE(auth.Check(users, bad));
    EXPECT_FALSE(auth.Check(users, stranger));
    EXPECT_FALSE(auth.Check(users, nullptr));
  }
  // A cached verdict for one hash does not carry over to a changed hash.
  users["alice"] =
      "$2b$04$iHbP7LuFsKK9EXc4HJ4UCuoq5cCaU4rRr6QW0FCUmiDqGcRvPPyWX";
  EXPECT_FALSE(auth.Check(users, good));
}

}  // namespace
}  // namespace epx
