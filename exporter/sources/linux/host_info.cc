#include "sources/host_source.h"

namespace epx {

const char* HostOsName() { return "linux"; }

const char* DefaultSocketSource() { return "netlink"; }

std::vector<std::string> SupportedSocketSources() {
  return {"netlink", "procfs", "bpf"};
}

}  // namespace epx
