// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/namespaces_parser.h"

#include <gtest/gtest.h>

namespace epx {
namespace {

// /proc/<pid>/cgroup lines written from the documented path formats:
// - man 7 cgroups ("/proc/[pid]/cgroup"): hierarchy-ID:controllers:path, the
//   v2 hierarchy as "0::path".
// - Kubernetes, "About cgroup v2" and "Configuring a cgroup driver": the
//   kubelet's systemd driver puts pods in kubepods[-<qos>]-pod<uid>.slice
//   with '-' in the UID escaped as '_' (kubelet cgroup_manager_linux.go,
//   ConvertCgroupNameToSystemd); the cgroupfs driver in
//   /kubepods/<qos>/pod<uid>/<container id>.
// - containerd CRI plugin with SystemdCgroup = true:
//   cri-containerd-<id>.scope.
// - CRI-O (crio.conf cgroup_manager = "systemd"): crio-<id>.scope, and its
//   monitor in crio-conmon-<id>.scope.
// - Docker, "Runtime metrics": /docker/<long id> with cgroupfs,
//   system.slice/docker-<long id>.scope with the systemd driver.
const char kId[] =
    "4a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff0";
const char kUid[] = "2d7c1d7e-8f4b-4c8a-9a3e-0f1e2d3c4b5a";

std::string Line(const std::string& path) { return "0::" + path + "\n"; }

TEST(CgroupIdentity, ContainerdSystemdDriver) {
  CgroupIdentity id = ParseCgroupIdentity(
      Line("/kubepods.slice/kubepods-burstable.slice/"
           "kubepods-burstable-pod2d7c1d7e_8f4b_4c8a_9a3e_0f1e2d3c4b5a.slice/"
           "cri-containerd-" +
           std::string(kId) + ".scope"));
  EXPECT_EQ(id.pod_uid, kUid);
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupIdentity, CrioSystemdDriverGuaranteedPod) {
  CgroupIdentity id = ParseCgroupIdentity(
      Line("/kubepods.slice/"
           "kubepods-pod2d7c1d7e_8f4b_4c8a_9a3e_0f1e2d3c4b5a.slice/crio-" +
           std::string(kId) + ".scope"));
  EXPECT_EQ(id.pod_uid, kUid);
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupIdentity, CrioMonitorIsNotTheContainer) {
  CgroupIdentity id = ParseCgroupIdentity(
      Line("/kubepods.slice/kubepods-besteffort.slice/"
           "kubepods-besteffort-pod2d7c1d7e_8f4b_4c8a_9a3e_0f1e2d3c4b5a.slice/"
           "crio-conmon-" +
           std::string(kId) + ".scope"));
  EXPECT_EQ(id.pod_uid, kUid);
  EXPECT_EQ(id.container_id, "");
}

TEST(CgroupIdentity, CgroupfsDriverV1Lines) {
  std::string path = "/kubepods/besteffort/pod" + std::string(kUid) + "/" + kId;
  CgroupIdentity id =
      ParseCgroupIdentity("12:pids:" + path + "\n11:cpu,cpuacct:" + path +
                          "\n1:name=systemd:" + path + "\n");
  EXPECT_EQ(id.pod_uid, kUid);
  EXPECT_EQ(id.container_id, kId);
}

TEST(CgroupIdentity, DockerBothDrivers) {
  EXPECT_EQ(ParseCgroupIdentity(
                Line("/system.slice/docker-" + std::string(kId) + ".scope"))
                .container_id,
            kId);
  CgroupIdentity v1 =
      ParseCgroupIdentity("4:memory:/docker/" + std::string(kId) + "\n");
  EXPECT_EQ(v1.container_id, kId);
  EXPECT_EQ(v1.pod_uid, "");
}

TEST(CgroupIdentity, StaticPodHashUid) {
  CgroupIdentity id = ParseCgroupIdentity(
      Line("/kubepods.slice/kubepods-burstable.slice/"
           "kubepods-burstable-pod0a1b2c3d4e5f60718293a4b5c6d7e8f9.slice/"
           "cri-containerd-" +
           std::string(kId) + ".scope"));
  EXPECT_EQ(id.pod_uid, "0a1b2c3d4e5f60718293a4b5c6d7e8f9");
}

TEST(CgroupIdentity, HostProcessesNameNothing) {
  for (const char* text :
       {"0::/user.slice/user-1000.slice/session-2.scope\n",
        "0::/system.slice/sshd.service\n", "0::/\n", "", "garbage\n",
        "0::/kubepods.slice/kubepods-burstable.slice\n",
        "0::/kubepods.slice/kubepods-podnot_a_uid.slice\n",
        "0::/system.slice/docker-1234.scope\n"}) {
    CgroupIdentity id = ParseCgroupIdentity(text);
    EXPECT_EQ(id.pod_uid, "") << text;
    EXPECT_EQ(id.container_id, "") << text;
  }
}

TEST(DedupeNamespaces, OnePerInodeLowestPidOwnDropped) {
  std::vector<NamespaceCandidate> found = {
      {200, 31, "/proc/31/ns/net", ""},  {100, 1, "/proc/1/ns/net", ""},
      {200, 7, "/proc/7/ns/net", ""},    {300, 0, "/run/netns/blue", "blue"},
      {200, 0, "/run/netns/red", "red"}, {300, 0, "/run/netns/azure", "azure"},
      {0, 9, "/proc/9/ns/net", ""},
  };
  std::vector<NamespaceCandidate> out = DedupeNamespaces(found, 100);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].inode, 200u);
  EXPECT_EQ(out[0].pid, 7);
  EXPECT_EQ(out[0].path, "/proc/7/ns/net");
  EXPECT_EQ(out[0].name, "red");
  EXPECT_EQ(out[1].inode, 300u);
  EXPECT_EQ(out[1].pid, 0);
  EXPECT_EQ(out[1].name, "azure");
  EXPECT_EQ(out[1].path, "/run/netns/azure");
}

}  // namespace
}  // namespace epx
