// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/namespaces_parser.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

namespace epx {
namespace {

bool AllHex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() &&
         s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool StartsWith(const std::string& s, const std::string& head) {
  return s.compare(0, head.size(), head) == 0;
}

// A pod UID is a UUID (8-4-4-4-12 hex); a static pod's is a 32-hex hash.
bool IsPodUid(const std::string& s) {
  if (s.size() == 32) return AllHex(s);
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  }
  return true;
}

// "pod<uid>" (cgroupfs driver) or "kubepods-<qos>-pod<uid with _>.slice"
// (systemd driver, which escapes '-' in the UID as '_').
std::string PodUidOf(const std::string& component) {
  std::string uid;
  if (StartsWith(component, "pod")) {
    uid = component.substr(3);
  } else if (StartsWith(component, "kubepods") &&
             EndsWith(component, ".slice")) {
    std::size_t at = component.rfind("-pod");
    if (at == std::string::npos) return "";
    uid = component.substr(at + 4, component.size() - at - 4 - 6);
  } else {
    return "";
  }
  if (EndsWith(uid, ".slice")) uid.resize(uid.size() - 6);
  std::replace(uid.begin(), uid.end(), '_', '-');
  return IsPodUid(uid) ? uid : "";
}

// "<64 hex>" (cgroupfs drivers), "<runtime>-<64 hex>.scope" (systemd
// drivers: cri-containerd, crio, docker, libpod). crio-conmon-<id> is the
// runtime's monitor, not the container.
std::string ContainerIdOf(std::string component) {
  if (EndsWith(component, ".scope")) {
    component.resize(component.size() - 6);
    static const char* const kPrefixes[] = {"cri-containerd-", "crio-",
                                            "docker-", "libpod-"};
    bool known = false;
    for (const char* prefix : kPrefixes) {
      if (StartsWith(component, prefix)) {
        component = component.substr(std::string(prefix).size());
        known = true;
        break;
      }
    }
    if (!known) return "";
  } else if (StartsWith(component, "crio-") ||
             StartsWith(component, "docker-")) {
    component = component.substr(component.find('-') + 1);
  }
  return component.size() == 64 && AllHex(component) ? component : "";
}

CgroupIdentity IdentityOfPath(const std::string& path) {
  CgroupIdentity id;
  std::stringstream parts(path);
  std::string component;
  while (std::getline(parts, component, '/')) {
    if (component.empty()) continue;
    std::string uid = PodUidOf(component);
    if (!uid.empty()) id.pod_uid = uid;
    std::string container = ContainerIdOf(component);
    if (!container.empty()) id.container_id = container;
  }
  return id;
}

}  // namespace

CgroupIdentity ParseCgroupIdentity(const std::string& cgroup_file) {
  // man 7 cgroups: each line is hierarchy-ID:controller-list:cgroup-path;
  // the v2 line is "0::<path>". The first line naming a container wins,
  // else the first naming a pod.
  std::stringstream lines(cgroup_file);
  std::string line;
  CgroupIdentity pod_only;
  while (std::getline(lines, line)) {
    std::size_t first = line.find(':');
    std::size_t second =
        first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    CgroupIdentity id = IdentityOfPath(line.substr(second + 1));
    if (!id.container_id.empty()) return id;
    if (pod_only.pod_uid.empty()) pod_only = id;
  }
  return pod_only;
}

std::vector<NamespaceCandidate> DedupeNamespaces(
    std::vector<NamespaceCandidate> found, std::uint64_t own) {
  found.erase(std::remove_if(found.begin(), found.end(),
                             [own](const NamespaceCandidate& c) {
                               return c.inode == own || c.inode == 0;
                             }),
              found.end());
  // Per inode: processes (lowest pid first), then names.
  std::sort(found.begin(), found.end(),
            [](const NamespaceCandidate& a, const NamespaceCandidate& b) {
              if (a.inode != b.inode) return a.inode < b.inode;
              bool a_proc = a.pid > 0, b_proc = b.pid > 0;
              if (a_proc != b_proc) return a_proc;
              if (a.pid != b.pid) return a.pid < b.pid;
              return a.name < b.name;
            });
  std::vector<NamespaceCandidate> out;
  for (NamespaceCandidate& c : found) {
    if (!out.empty() && out.back().inode == c.inode) {
      if (out.back().name.empty()) out.back().name = c.name;
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace epx
