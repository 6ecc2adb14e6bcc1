// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/socket_iterators.h"

namespace epx {

struct SocketIterators::Programs {};

SocketIterators::SocketIterators() = default;
SocketIterators::~SocketIterators() = default;

bool SocketIterators::Load(std::string* error) {
  *error =
      "this build has no BPF support (it was built without clang, bpftool, "
      "libbpf or kernel BTF)";
  return false;
}

bool SocketIterators::Read(std::vector<SocketRecord>*, std::string* error,
                           const SocketFilter&) {
  return Load(error);
}

bool SocketIterators::ReadOwners(std::vector<InodeOwner>*, std::string* error) {
  return Load(error);
}

}  // namespace epx
