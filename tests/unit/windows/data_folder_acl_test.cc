// SPDX-License-Identifier: Apache-2.0
// The data-folder check against SDDL in the form
// ConvertSecurityDescriptorToStringSecurityDescriptorW writes (win32
// desktop-src/SecAuthZ/security-descriptor-string-format.md, ace-strings.md).
// The ProgramData ACEs are what `icacls C:\ProgramData` shows on a stock
// Windows Server (BUILTIN\Users:(CI)(WD,AD,WEA,WA) = 0x116 with CI, CREATOR
// OWNER (OI)(CI)(IO)(F)).
#include "platform/data_folder_acl.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

constexpr char kVirtual[] =
    "S-1-5-80-1234567890-1234567890-1234567890-1234567890-1234567890";
constexpr char kUser[] = "S-1-5-21-1111111111-2222222222-3333333333-1001";

TEST(DataFolderAcl, ProtectedSystemAdministratorsAndServiceIsSafe) {
  std::string sddl =
      std::string("O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)") +
      "(A;OICI;0x1301bf;;;" + kVirtual + ")";
  DataFolderCheck c = CheckDataFolderSddl(sddl, {kVirtual});
  EXPECT_EQ(c.verdict, DataFolderVerdict::kSafe) << c.reason;
  EXPECT_EQ(c.reason, "");
}

TEST(DataFolderAcl, OwnedByAUserIsRefused) {
  std::string sddl = std::string("O:") + kUser +
                     "G:S-1-5-21-1111111111-2222222222-3333333333-513"
                     "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
  DataFolderCheck c = CheckDataFolderSddl(sddl, {"S-1-5-18", kVirtual});
  EXPECT_EQ(c.verdict, DataFolderVerdict::kRefuse);
  EXPECT_NE(c.reason.find(std::string("owned by ") + kUser), std::string::npos)
      << c.reason;
}

TEST(DataFolderAcl, InheritedUsersWriteNeedsRepair) {
  // A folder the service created under ProgramData with no DACL of its own.
  std::string sddl =
      "O:SYG:SYD:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)"
      "(A;OICIIOID;GA;;;CO)(A;OICIID;0x1200a9;;;BU)(A;CIID;0x116;;;BU)";
  DataFolderCheck c = CheckDataFolderSddl(sddl, {"S-1-5-18", kVirtual});
  EXPECT_EQ(c.verdict, DataFolderVerdict::kRepair);
  EXPECT_NE(c.reason.find("(A;CIID;0x116;;;BU) lets S-1-5-32-545 write"),
            std::string::npos)
      << c.reason;
}

TEST(DataFolderAcl, ReadOnlyGrantsAndDenyAcesAreSafe) {
  std::string sddl =
      "O:S-1-5-18G:SYD:P(D;OICI;FA;;;WD)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
      "(A;OICI;FRFX;;;BU)(A;OICI;0x1200a9;;;AU)";
  DataFolderCheck c = CheckDataFolderSddl(sddl, {"S-1-5-18", kVirtual});
  EXPECT_EQ(c.verdict, DataFolderVerdict::kSafe) << c.reason;
}

TEST(DataFolderAcl, AnotherServiceAccountMayNotWrite) {
  std::string sddl = std::string("O:BAD:P(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;") +
                     kVirtual + ")";
  EXPECT_EQ(CheckDataFolderSddl(sddl, {"S-1-5-19"}).verdict,
            DataFolderVerdict::kRepair);
  EXPECT_EQ(CheckDataFolderSddl(sddl, {kVirtual}).verdict,
            DataFolderVerdict::kSafe);
}

TEST(DataFolderAcl, NullDaclAndGarbageAreRefused) {
  EXPECT_EQ(CheckDataFolderSddl("O:SYG:SYD:NO_ACCESS_CONTROL", {}).verdict,
            DataFolderVerdict::kRefuse);
  EXPECT_EQ(CheckDataFolderSddl("O:SYG:SY", {}).verdict,
            DataFolderVerdict::kRefuse);
  EXPECT_EQ(CheckDataFolderSddl("nonsense", {}).verdict,
            DataFolderVerdict::kRefuse);
  EXPECT_EQ(CheckDataFolderSddl("O:SYD:(A;;XX;;;BU)", {}).verdict,
            DataFolderVerdict::kRefuse);
}

TEST(DataFolderAcl, TheProtectedDaclIsSafeForItsAccount) {
  for (const char* sid : {"S-1-5-18", "S-1-5-19", kVirtual}) {
    std::vector<std::string> sids = {sid, kVirtual};
    std::string sddl = "O:BAG:SY" + ProtectedDataFolderDacl(sids);
    EXPECT_EQ(CheckDataFolderSddl(sddl, sids).verdict, DataFolderVerdict::kSafe)
        << sddl;
  }
  // LocalSystem needs no ACE of its own; the service SID always gets one,
  // so a later switch to the virtual account can still write its log.
  EXPECT_EQ(
      ProtectedDataFolderDacl({"S-1-5-18", kVirtual}),
      std::string("D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;") +
          kVirtual + ")");
}

}  // namespace
}  // namespace epx
