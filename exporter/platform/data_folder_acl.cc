// SPDX-License-Identifier: Apache-2.0
#include "platform/data_folder_acl.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

namespace epx {
namespace {

// Well-known SID strings and their SDDL aliases (win32
// desktop-src/SecAuthZ/sid-strings.md).
const std::map<std::string, std::string>& SidAliases() {
  static const std::map<std::string, std::string> aliases = {
      {"SY", "S-1-5-18"},     {"BA", "S-1-5-32-544"}, {"BU", "S-1-5-32-545"},
      {"WD", "S-1-1-0"},      {"AU", "S-1-5-11"},     {"LS", "S-1-5-19"},
      {"NS", "S-1-5-20"},     {"CO", "S-1-3-0"},      {"CG", "S-1-3-1"},
      {"IU", "S-1-5-4"},      {"SU", "S-1-5-6"},      {"OW", "S-1-3-4"},
      {"BG", "S-1-5-32-546"}, {"PU", "S-1-5-32-547"},
  };
  return aliases;
}

std::string ResolveSid(const std::string& text) {
  auto it = SidAliases().find(text);
  return it != SidAliases().end() ? it->second : text;
}

bool Trusted(const std::string& sid,
             const std::vector<std::string>& service_sids) {
  static const char* const kTrusted[] = {
      "S-1-5-18", "S-1-5-32-544", "S-1-3-0",
      // NT SERVICE\TrustedInstaller
      "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"};
  for (const char* t : kTrusted)
    if (sid == t) return true;
  for (const std::string& s : service_sids)
    if (!s.empty() && sid == s) return true;
  return false;
}

// Access-mask codes of the SDDL ACE string (ace-strings.md) and the file
// rights they stand for.
const std::map<std::string, std::uint32_t>& RightCodes() {
  static const std::map<std::string, std::uint32_t> codes = {
      {"GA", 0x10000000}, {"GR", 0x80000000}, {"GW", 0x40000000},
      {"GX", 0x20000000}, {"RC", 0x00020000}, {"SD", 0x00010000},
      {"WD", 0x00040000}, {"WO", 0x00080000}, {"RP", 0x00000010},
      {"WP", 0x00000020}, {"CC", 0x00000001}, {"DC", 0x00000002},
      {"LC", 0x00000004}, {"SW", 0x00000008}, {"LO", 0x00000080},
      {"DT", 0x00000040}, {"CR", 0x00000100}, {"FA", 0x001F01FF},
      {"FR", 0x00120089}, {"FW", 0x00120116}, {"FX", 0x001200A0},
  };
  return codes;
}

// FILE_WRITE_DATA/ADD_FILE, FILE_APPEND_DATA/ADD_SUBDIRECTORY, FILE_WRITE_EA,
// FILE_DELETE_CHILD, FILE_WRITE_ATTRIBUTES, DELETE, WRITE_DAC, WRITE_OWNER,
// GENERIC_WRITE, GENERIC_ALL.
constexpr std::uint32_t kWriteRights = 0x2 | 0x4 | 0x10 | 0x40 | 0x100 |
                                       0x10000 | 0x40000 | 0x80000 |
                                       0x40000000 | 0x10000000;

bool ParseRights(const std::string& text, std::uint32_t* mask) {
  if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) {
    char* end = nullptr;
    *mask = static_cast<std::uint32_t>(std::strtoul(text.c_str(), &end, 16));
    return end != nullptr && *end == '\0' && text.size() > 2;
  }
  if (text.size() % 2 != 0) return false;
  *mask = 0;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    auto it = RightCodes().find(text.substr(i, 2));
    if (it == RightCodes().end()) return false;
    *mask |= it->second;
  }
  return true;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep)
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

struct Sddl {
  std::string owner;
  std::string dacl;  // flags and ACEs after "D:"
  bool has_dacl = false;
};

// Reads "O:sid", "G:sid", "D:flags(ace)..", "S:flags(ace).." in that order;
// a sid is "S-1-..." or a two-letter alias.
bool ParseSddl(const std::string& text, Sddl* out) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (i + 1 >= text.size() || text[i + 1] != ':') return false;
    char section = text[i];
    i += 2;
    std::size_t end = i;
    if (section == 'O' || section == 'G') {
      if (text.compare(i, 2, "S-") == 0) {
        end = i + 2;
        while (end < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[end])) ||
                text[end] == '-'))
          ++end;
      } else {
        end = i + 2;
      }
      if (end > text.size()) return false;
      if (section == 'O') out->owner = text.substr(i, end - i);
    } else if (section == 'D' || section == 'S') {
      while (end < text.size() && text[end] != '(' &&
             !(end + 1 < text.size() && text[end + 1] == ':' &&
               (text[end] == 'S')))
        ++end;
      while (end < text.size() && text[end] == '(') {
        std::size_t close = text.find(')', end);
        if (close == std::string::npos) return false;
        end = close + 1;
      }
      if (section == 'D') {
        out->dacl = text.substr(i, end - i);
        out->has_dacl = true;
      }
    } else {
      return false;
    }
    i = end;
  }
  return true;
}

}  // namespace

DataFolderCheck CheckDataFolderSddl(
    const std::string& sddl, const std::vector<std::string>& service_sids) {
  DataFolderCheck check;
  Sddl parsed;
  if (!ParseSddl(sddl, &parsed)) {
    check.reason = "unparsable security descriptor: " + sddl;
    return check;
  }
  std::string owner = ResolveSid(parsed.owner);
  if (owner.empty()) {
    check.reason = "no owner in the security descriptor";
    return check;
  }
  if (!Trusted(owner, service_sids)) {
    check.reason = "owned by " + owner +
                   ", not SYSTEM, Administrators or the service account";
    return check;
  }
  const std::string& dacl = parsed.dacl;
  if (!parsed.has_dacl || dacl.rfind("NO_ACCESS_CONTROL", 0) == 0) {
    check.reason = "no DACL (everyone may write)";
    return check;
  }
  std::size_t pos = 0;
  while ((pos = dacl.find('(', pos)) != std::string::npos) {
    std::size_t end = dacl.find(')', pos);
    if (end == std::string::npos) {
      check.reason = "unparsable DACL: " + dacl;
      return check;
    }
    std::string ace = dacl.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    std::vector<std::string> f = Split(ace, ';');
    if (f.size() < 6) {
      check.reason = "unparsable ACE (" + ace + ")";
      return check;
    }
    if (f[0] != "A") continue;  // deny and audit ACEs grant nothing
    std::uint32_t mask = 0;
    if (!ParseRights(f[2], &mask)) {
      check.reason = "unparsable rights in ACE (" + ace + ")";
      return check;
    }
    std::string sid = ResolveSid(f[5]);
    if ((mask & kWriteRights) != 0 && !Trusted(sid, service_sids)) {
      check.verdict = DataFolderVerdict::kRepair;
      check.reason = "ACE (" + ace + ") lets " + sid + " write";
      return check;
    }
  }
  check.verdict = DataFolderVerdict::kSafe;
  return check;
}

std::string ProtectedDataFolderDacl(
    const std::vector<std::string>& service_sids) {
  std::string dacl = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
  for (const std::string& sid : service_sids)
    if (!sid.empty() && sid != "S-1-5-18")
      dacl += "(A;OICI;0x1301bf;;;" + sid + ")";
  return dacl;
}

}  // namespace epx
