// SPDX-License-Identifier: Apache-2.0
#include "platform/data_folder_windows.h"

// clang-format off
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
// clang-format on

#include <string>
#include <vector>

#include "platform/data_folder_acl.h"

namespace epx {
namespace {

constexpr wchar_t kServiceName[] = L"ephemeral_port_exporter";

// The SID of this process's account ("S-1-5-18" for LocalSystem, the
// service SID for a virtual account); empty if unknown.
std::string ProcessAccountSid() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return "";
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::string out;
  std::string buf(size, '\0');
  LPSTR text = nullptr;
  if (size > 0 && GetTokenInformation(token, TokenUser, &buf[0], size, &size) &&
      ConvertSidToStringSidA(reinterpret_cast<TOKEN_USER*>(&buf[0])->User.Sid,
                             &text)) {
    out = text;
    LocalFree(text);
  }
  CloseHandle(token);
  return out;
}

// The service SID (NT SERVICE\\ephemeral_port_exporter, defined for the
// service whatever account it runs as); empty if it does not resolve.
std::string ServiceSid() {
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD sid_size = sizeof sid;
  wchar_t domain[256];
  DWORD domain_size = 256;
  SID_NAME_USE use;
  std::wstring name = std::wstring(L"NT SERVICE\\") + kServiceName;
  LPSTR text = nullptr;
  if (!LookupAccountNameW(nullptr, name.c_str(), sid, &sid_size, domain,
                          &domain_size, &use) ||
      !ConvertSidToStringSidA(sid, &text))
    return "";
  std::string out = text;
  LocalFree(text);
  return out;
}

}  // namespace

bool PrepareDataFolder(const std::wstring& path, std::string* note,
                       std::string* refusal) {
  std::vector<std::string> sids = {ProcessAccountSid(), ServiceSid()};
  PSECURITY_DESCRIPTOR wanted = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(
          ProtectedDataFolderDacl(sids).c_str(), SDDL_REVISION_1, &wanted,
          nullptr)) {
    *refusal = "cannot build its DACL: error " + std::to_string(GetLastError());
    return false;
  }
  SECURITY_ATTRIBUTES attributes{sizeof attributes, wanted, FALSE};
  bool ok = true;
  if (!CreateDirectoryW(path.c_str(), &attributes)) {
    DWORD attrs = GetFileAttributesW(path.c_str());
    PSECURITY_DESCRIPTOR current = nullptr;
    LPSTR text = nullptr;
    if (attrs == INVALID_FILE_ATTRIBUTES) {
      *refusal = "cannot create it: error " + std::to_string(GetLastError());
    } else if ((attrs & FILE_ATTRIBUTE_DIRECTORY) == 0) {
      *refusal = "it is a file, not a folder";
    } else if ((attrs & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
      *refusal = "it is a reparse point (junction or link)";
    } else if (GetNamedSecurityInfoW(
                   path.c_str(), SE_FILE_OBJECT,
                   OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                   nullptr, nullptr, nullptr, nullptr,
                   &current) != ERROR_SUCCESS ||
               !ConvertSecurityDescriptorToStringSecurityDescriptorA(
                   current, SDDL_REVISION_1,
                   OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                   &text, nullptr)) {
      *refusal = "cannot read its security descriptor";
    } else {
      DataFolderCheck check = CheckDataFolderSddl(text, sids);
      if (check.verdict == DataFolderVerdict::kRefuse) {
        *refusal = check.reason;
      } else if (check.verdict == DataFolderVerdict::kRepair) {
        BOOL present = FALSE, defaulted = FALSE;
        PACL dacl = nullptr;
        GetSecurityDescriptorDacl(wanted, &present, &dacl, &defaulted);
        DWORD err = SetNamedSecurityInfoW(
            const_cast<wchar_t*>(path.c_str()), SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            nullptr, nullptr, dacl, nullptr);
        // Without WRITE_DAC (a virtual account in a folder SYSTEM made)
        // the folder is used as it is: its owner is trusted, and an
        // administrator can run the installer's icacls (logged).
        *note = err == ERROR_SUCCESS
                    ? check.reason + "; protected DACL set"
                    : check.reason + "; setting the protected DACL failed " +
                          "with error " + std::to_string(err) +
                          " (run install.ps1's icacls as an administrator)";
      }
    }
    ok = refusal->empty();
    if (text != nullptr) LocalFree(text);
    if (current != nullptr) LocalFree(current);
  }
  LocalFree(wanted);
  return ok;
}

}  // namespace epx
