// SPDX-License-Identifier: Apache-2.0
#include "sources/host_source.h"

namespace epx {

const char* HostOsName() { return "linux"; }

const char* DefaultSocketSource() { return "auto"; }

std::vector<std::string> SupportedSocketSources() {
  return {"auto", "netlink", "procfs", "bpf"};
}

}  // namespace epx
