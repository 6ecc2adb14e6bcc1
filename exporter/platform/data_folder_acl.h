// SPDX-License-Identifier: Apache-2.0
// Whether the service's data folder (%ProgramData%\ephemeral_port_exporter)
// can be trusted, judged from its security descriptor in SDDL (what
// ConvertSecurityDescriptorToStringSecurityDescriptorW writes, win32
// desktop-src/SecAuthZ/security-descriptor-string-format.md). Pure: tested
// on every OS with SDDL fixtures (tests/unit/windows/data_folder_acl_test.cc).
#pragma once

#include <string>
#include <vector>

namespace epx {

enum class DataFolderVerdict {
  kSafe,    // owner and every write grant trusted
  kRepair,  // trusted owner, but others may write: set the protected DACL
  kRefuse,  // owned by someone else, or unreadable: do not use it
};

struct DataFolderCheck {
  DataFolderVerdict verdict = DataFolderVerdict::kRefuse;
  std::string reason;  // names the owner or the ACE, empty when safe
};

/// Judges `sddl` ("O:..G:..D:.."). Trusted: SYSTEM, Administrators,
/// TrustedInstaller, CREATOR OWNER, and `service_sids` (the account the
/// service runs as and its service SID, "S-1-5-..."). Any allow ACE granting
/// write, delete, WRITE_DAC or WRITE_OWNER to anyone else makes the folder
/// kRepair; an untrusted owner, a NULL DACL or unparsable text kRefuse.
DataFolderCheck CheckDataFolderSddl(
    const std::string& sddl, const std::vector<std::string>& service_sids);

/// The protected DACL the service gives the folder: SYSTEM and
/// Administrators full control, each of `service_sids` Modify, inherited by
/// files and subfolders, nothing inherited from ProgramData.
std::string ProtectedDataFolderDacl(
    const std::vector<std::string>& service_sids);

}  // namespace epx
