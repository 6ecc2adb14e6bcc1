// SPDX-License-Identifier: Apache-2.0
#include "sources/host_source.h"

namespace epx {

const char* HostOsName() { return "windows"; }

const char* DefaultSocketSource() { return "iphlpapi"; }

std::vector<std::string> SupportedSocketSources() { return {"iphlpapi"}; }

}  // namespace epx
