// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/connect_events.h"

namespace epx {

struct ConnectEventCollector::Program {};

ConnectEventCollector::ConnectEventCollector(bool other_namespaces)
    : other_namespaces_(other_namespaces) {}
ConnectEventCollector::~ConnectEventCollector() = default;

void ConnectEventCollector::Start() {}

bool ConnectEventCollector::Read(ConnectEvents*, std::string* error) {
  *error =
      "this build has no BPF support (it was built without clang, bpftool, "
      "libbpf or kernel BTF)";
  return false;
}

void ConnectEventCollector::ForgetNamespaces(
    const std::function<bool(std::uint64_t, std::uint64_t)>&) {}

}  // namespace epx
